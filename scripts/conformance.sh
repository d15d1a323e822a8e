#!/usr/bin/env bash
# npm run conformance: the official MCP conformance suite's SERVER scenarios against
# test/conformance/server.ts (an SDK v2 McpServer hosted by mcp-sse's serve()).
#
# The suite needs Node >= 22; the project runs on Node 20. So a Node 22 runtime and the
# suite are installed from the npm registry into .cache/ (git-ignored) for this run only.
# The server under test runs on the project's own Node with tsx.
#
# Baseline (STYLE.md #9): test/conformance/expected-failures.txt lists scenarios known to
# fail, one a line (# comments). The run fails when a scenario fails that is not listed,
# and when a listed one now passes (stale entry: remove it).
#
# Env: CONFORMANCE_VERSION (default below), CONFORMANCE_SCENARIO (run just one),
#      CONFORMANCE_SUITE (active | all | pending; default: the suite's own, active),
#      CONFORMANCE_VERBOSE=1 (pass --verbose).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
CONFORMANCE_VERSION=${CONFORMANCE_VERSION:-0.1.16}
NODE22_SPEC=${NODE22_SPEC:-node@22}
CACHE="$ROOT/.cache"
NODE22="$CACHE/node22/node_modules/node/bin/node"
SUITE="$CACHE/conformance/node_modules/@modelcontextprotocol/conformance/dist/index.js"
BASELINE="$ROOT/test/conformance/expected-failures.txt"
RUN_DIR="$CACHE/conformance-run"
mkdir -p "$RUN_DIR"

# 1. Node 22 (the `node` npm package ships the runtime under node_modules/node/bin/node).
if [[ ! -x "$NODE22" ]] || ! "$NODE22" -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)'; then
  echo "conformance: installing $NODE22_SPEC into .cache/node22" >&2
  npm install --prefix "$CACHE/node22" "$NODE22_SPEC" --no-audit --no-fund --loglevel=error >&2
fi
# 2. The suite, pinned.
installed=$([[ -f "$SUITE" ]] && "$NODE22" -p "require('$CACHE/conformance/node_modules/@modelcontextprotocol/conformance/package.json').version" || echo none)
if [[ "$installed" != "$CONFORMANCE_VERSION" ]]; then
  echo "conformance: installing @modelcontextprotocol/conformance@$CONFORMANCE_VERSION into .cache/conformance" >&2
  npm install --prefix "$CACHE/conformance" "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" --no-audit --no-fund --loglevel=error >&2
fi

# 3. The server under test, on a free loopback port; stopped on exit whatever happens.
SERVER_LOG="$RUN_DIR/server.log"
node --import tsx test/conformance/server.ts 0 >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
cleanup() {
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

URL=""
for _ in $(seq 1 300); do
  URL=$(sed -n 's/^CONFORMANCE_SERVER_URL=//p' "$SERVER_LOG" | head -n 1)
  [[ -n "$URL" ]] && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "conformance: the server under test exited before listening:" >&2
    cat "$SERVER_LOG" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ -z "$URL" ]]; then
  echo "conformance: the server under test did not print its URL within 30 s" >&2
  exit 1
fi
echo "conformance: server under test at $URL" >&2

# 4. The baseline, as the YAML the suite reads (it does the stale/unexpected accounting).
BASELINE_YAML="$RUN_DIR/expected-failures.yml"
{
  echo "server:"
  sed -e 's/#.*$//' "$BASELINE" | awk 'NF { print "  - " $1 }'
} >"$BASELINE_YAML"
if ! grep -q '^  - ' "$BASELINE_YAML"; then echo "server: []" >"$BASELINE_YAML"; fi

ARGS=(server --url "$URL" --expected-failures "$BASELINE_YAML")
if [[ -n "${CONFORMANCE_SCENARIO:-}" ]]; then ARGS+=(--scenario "$CONFORMANCE_SCENARIO"); fi
if [[ -n "${CONFORMANCE_SUITE:-}" ]]; then ARGS+=(--suite "$CONFORMANCE_SUITE"); fi
if [[ "${CONFORMANCE_VERBOSE:-}" == "1" ]]; then ARGS+=(--verbose); fi

# The suite writes results/ into its working directory: keep that inside .cache.
OUTPUT="$RUN_DIR/output.txt"
set +e
(cd "$RUN_DIR" && timeout 600 "$NODE22" "$SUITE" "${ARGS[@]}") 2>&1 | tee "$OUTPUT"
STATUS=${PIPESTATUS[0]}
set -e

echo >&2
echo "conformance: suite exit code $STATUS (baseline: test/conformance/expected-failures.txt; server log: .cache/conformance-run/server.log)" >&2
exit "$STATUS"
