/**
 * The manager's tools as one framework's tools, kept current: every read compares the
 * selected tools with the last ones (servers, names, descriptions, schemas) and converts
 * again only what changed, so an agent that reads the catalog before each step sees the
 * tools of that moment — after a reconnect or a `tools/list_changed` — and a framework that
 * keys on object identity sees the same object for an unchanged tool.
 */
import type { McpsManager, QualifiedTool } from "../client/manager.js";
import { assignNames, MODEL_API_NAME_RULE, type NameRule } from "./names.js";
import { type CheckedOptions, selectTools } from "./options.js";

export interface NamedTool {
  /** The name the model sees (sanitised, unique in this catalog). */
  name: string;
  tool: QualifiedTool;
}

export interface CatalogEntry<T> extends NamedTool {
  value: T;
}

/** Event types after which the tool list may differ: a reconnect, or a new list in place. */
const CHANGE_EVENTS = ["state", "tools_updated"] as const;

function signatureOf(entry: NamedTool): string {
  const { tool } = entry;
  return JSON.stringify([
    entry.name,
    tool.server,
    tool.name,
    tool.description,
    tool.inputSchema,
    tool.outputSchema,
  ]);
}

export class ToolCatalog<T> {
  private entries: CatalogEntry<T>[] = [];
  private signature: string | undefined;
  private readonly bySignature = new Map<string, T>();

  constructor(
    readonly manager: McpsManager,
    private readonly options: CheckedOptions,
    private readonly convert: (entry: NamedTool) => T,
    private readonly rule: NameRule = MODEL_API_NAME_RULE,
  ) {}

  /** The tools now: converted again only when something about them changed. */
  current(): readonly CatalogEntry<T>[] {
    const selected = selectTools(this.manager.tools(), this.options);
    const wanted = selected.map((tool) => ({
      name: this.options.nameStyle === "tool" ? tool.name : tool.qualifiedName,
      key: tool.qualifiedName,
    }));
    const names = assignNames(wanted, this.rule);
    const named = selected.map((tool, i) => ({ name: names[i]!, tool }));
    const signatures = named.map(signatureOf);
    const signature = signatures.join("\n");
    if (signature === this.signature) return this.entries;
    const kept = new Map<string, T>();
    this.entries = named.map((entry, i) => {
      const value = this.bySignature.get(signatures[i]!) ?? this.convert(entry);
      kept.set(signatures[i]!, value);
      return { ...entry, value };
    });
    this.bySignature.clear();
    for (const [key, value] of kept) this.bySignature.set(key, value);
    this.signature = signature;
    return this.entries;
  }

  /** The converted tools now, by model-facing name. */
  record(): Record<string, T> {
    const out: Record<string, T> = {};
    for (const entry of this.current()) out[entry.name] = entry.value;
    return out;
  }

  /** The converted tools now, as a list. */
  list(): T[] {
    return this.current().map((entry) => entry.value);
  }

  /**
   * Calls `listener` with the new list whenever the selected tools change (a server reconnected
   * with other tools, or listed them again after `tools/list_changed`). Returns the unsubscribe
   * function. Runs off the event stream's read loop, like every manager handler.
   */
  onToolsChanged(listener: (tools: readonly CatalogEntry<T>[]) => void): () => void {
    let seen = this.current();
    return this.manager.on("*", (event) => {
      if (!(CHANGE_EVENTS as readonly string[]).includes(event.type)) return;
      const now = this.current();
      if (now === seen) return;
      seen = now;
      listener(now);
    });
  }
}
