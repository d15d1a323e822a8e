#!/usr/bin/env bash
# npm run conformance: the official MCP conformance suite (@modelcontextprotocol/conformance)
#   - SERVER scenarios against test/conformance/server.ts (an SDK v2 McpServer hosted by
#     mcp-sse's serve()), and
#   - CLIENT scenarios against test/conformance/client.ts (mcp-sse's client: connectMcps, or
#     its Streamable HTTP transport under an SDK v2 Client): the suite starts a scenario
#     server per scenario and runs the client with the server URL as its last argument and
#     the scenario name in MCP_CONFORMANCE_SCENARIO.
#
# The suite needs Node >= 22; the project runs on Node 20. So a Node 22 runtime and the
# suite are installed from the npm registry into .cache/ (git-ignored) for this run only.
# The server and client under test run on the project's own Node with tsx.
#
# Baselines (STYLE.md #9), one scenario a line with its reason (# comments):
#   test/conformance/expected-failures.txt         server scenarios known to fail
#   test/conformance/expected-client-failures.txt  client scenarios known to fail; a line
#                                                  `~name` marks one that fails only at times
# The run fails when a scenario fails that is not listed, and when a listed one passes
# (stale entry: remove it). An intermittent (`~`) entry never fails the run either way; it
# is reported, and its passes are counted so that a fix shows up.
#
# Env: CONFORMANCE_VERSION (default below)
#      CONFORMANCE_MODE=server|client|both (default both)
#      CONFORMANCE_SCENARIO=<name> (run just one; the mode follows from the name)
#      CONFORMANCE_SUITE=active|all|pending (server scenarios; default: the suite's, active)
#      CONFORMANCE_VERBOSE=1 (pass --verbose; print each client scenario's full output)
#      CONFORMANCE_BUDGET_S (default 600: the whole run, installs included, is cut there)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
CONFORMANCE_VERSION=${CONFORMANCE_VERSION:-0.1.16}
NODE22_SPEC=${NODE22_SPEC:-node@22}
MODE=${CONFORMANCE_MODE:-both}
CACHE="$ROOT/.cache"
NODE22="$CACHE/node22/node_modules/node/bin/node"
SUITE_DIR="$CACHE/conformance/node_modules/@modelcontextprotocol/conformance"
SUITE="$SUITE_DIR/dist/index.js"
SERVER_BASELINE="$ROOT/test/conformance/expected-failures.txt"
CLIENT_BASELINE="$ROOT/test/conformance/expected-client-failures.txt"
RUN_DIR="$CACHE/conformance-run"
# Bounds (seconds): the whole run (every step below gets at most what is left of it), each
# install, the whole server suite, one client scenario (the suite kills the client itself
# after CLIENT_TIMEOUT_MS). A run from an empty .cache takes ~1.5 min on 2 cores.
BUDGET_S=${CONFORMANCE_BUDGET_S:-600}
INSTALL_TIMEOUT_S=300
SERVER_SUITE_TIMEOUT_S=300
CLIENT_SCENARIO_TIMEOUT_S=90
CLIENT_TIMEOUT_MS=30000
mkdir -p "$RUN_DIR"

# `timeout` seconds for a step: its own bound, or what is left of BUDGET_S if that is less.
bound() {
  local left=$((BUDGET_S - SECONDS))
  if ((left < 1)); then left=1; fi
  echo $((left < $1 ? left : $1))
}

case "$MODE" in server | client | both) ;; *)
  echo "conformance: CONFORMANCE_MODE must be server, client or both (got \"$MODE\")" >&2
  exit 2
  ;;
esac

# 1. Node 22 (the `node` npm package ships the runtime under node_modules/node/bin/node).
if [[ ! -x "$NODE22" ]] || ! "$NODE22" -e 'process.exit(+process.versions.node.split(".")[0] >= 22 ? 0 : 1)'; then
  echo "conformance: installing $NODE22_SPEC into .cache/node22" >&2
  timeout "$(bound "$INSTALL_TIMEOUT_S")" npm install --prefix "$CACHE/node22" "$NODE22_SPEC" \
    --no-audit --no-fund --loglevel=error >&2
fi
# 2. The suite, pinned.
installed=$([[ -f "$SUITE" ]] && "$NODE22" -p "require('$SUITE_DIR/package.json').version" || echo none)
if [[ "$installed" != "$CONFORMANCE_VERSION" ]]; then
  echo "conformance: installing @modelcontextprotocol/conformance@$CONFORMANCE_VERSION into .cache/conformance" >&2
  timeout "$(bound "$INSTALL_TIMEOUT_S")" npm install --prefix "$CACHE/conformance" \
    "@modelcontextprotocol/conformance@$CONFORMANCE_VERSION" --no-audit --no-fund --loglevel=error >&2
fi

# Client scenarios, from the suite itself (a suite upgrade that adds one makes it fail here
# until client.ts handles it or the baseline lists it). The auth/* scenarios (OAuth 2.1:
# discovery, registration, PKCE, scopes, token endpoint auth, client credentials) run through
# the client's authProvider and config auth: (test/conformance/auth.ts).
mapfile -t CLIENT_SCENARIOS < <("$NODE22" "$SUITE" list --client |
  sed -n 's/^  - \([^ ]*\).*$/\1/p')
if [[ ${#CLIENT_SCENARIOS[@]} -eq 0 ]]; then
  echo "conformance: the suite listed no client scenarios (has its list format changed?)" >&2
  exit 1
fi

if [[ -n "${CONFORMANCE_SCENARIO:-}" ]]; then
  MODE=server
  for s in "${CLIENT_SCENARIOS[@]}"; do
    if [[ "$s" == "$CONFORMANCE_SCENARIO" ]]; then MODE=client; fi
  done
  CLIENT_SCENARIOS=("$CONFORMANCE_SCENARIO")
fi

SERVER_SUMMARY="not run"
SERVER_STATUS=0
CLIENT_SUMMARY="not run"
CLIENT_STATUS=0

# 3. SERVER scenarios: the server under test on a free loopback port, stopped on exit.
run_server_suite() {
  local log="$RUN_DIR/server.log" url="" status
  node --import tsx test/conformance/server.ts 0 >"$log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    url=$(sed -n 's/^CONFORMANCE_SERVER_URL=//p' "$log" | head -n 1)
    [[ -n "$url" ]] && break
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "conformance: the server under test exited before listening:" >&2
      cat "$log" >&2
      SERVER_STATUS=1
      SERVER_SUMMARY="the server under test did not start"
      return
    fi
    sleep 0.1
  done
  if [[ -z "$url" ]]; then
    echo "conformance: the server under test did not print its URL within 30 s" >&2
    SERVER_STATUS=1
    SERVER_SUMMARY="the server under test did not start"
    return
  fi
  echo "conformance: server under test at $url" >&2

  # The baseline, as the YAML the suite reads (it does the stale/unexpected accounting).
  local yaml="$RUN_DIR/expected-failures.yml"
  {
    echo "server:"
    sed -e 's/#.*$//' "$SERVER_BASELINE" | awk 'NF { print "  - " $1 }'
  } >"$yaml"
  if ! grep -q '^  - ' "$yaml"; then echo "server: []" >"$yaml"; fi

  local results="$RUN_DIR/server-results"
  rm -rf "$results"
  local args=(server --url "$url" --expected-failures "$yaml" -o "$results")
  if [[ -n "${CONFORMANCE_SCENARIO:-}" ]]; then args+=(--scenario "$CONFORMANCE_SCENARIO"); fi
  if [[ -n "${CONFORMANCE_SUITE:-}" ]]; then args+=(--suite "$CONFORMANCE_SUITE"); fi
  if [[ "${CONFORMANCE_VERBOSE:-}" == "1" ]]; then args+=(--verbose); fi

  # The suite writes results/ into its working directory: keep that inside .cache.
  local output="$RUN_DIR/server-output.txt"
  set +e
  (cd "$RUN_DIR" && timeout "$(bound "$SERVER_SUITE_TIMEOUT_S")" "$NODE22" "$SUITE" "${args[@]}") 2>&1 | tee "$output"
  status=${PIPESTATUS[0]}
  set -e
  stop_server
  # The summary names a failed scenario but not why: print its failed checks' messages.
  if [[ $status -ne 0 ]]; then print_failed_checks "$results"; fi
  SERVER_STATUS=$status
  SERVER_SUMMARY=$(grep -E '^(Total|Passed):' "$output" | tail -n 1 || true)
  if [[ -z "$SERVER_SUMMARY" ]]; then SERVER_SUMMARY="no summary line (suite exit code $status)"; fi
  if [[ $status -eq 124 ]]; then SERVER_SUMMARY="timed out (server suite bound ${SERVER_SUITE_TIMEOUT_S} s, run budget ${BUDGET_S} s); $SERVER_SUMMARY"; fi
  echo "conformance: server suite exit code $status (baseline: test/conformance/expected-failures.txt; server log: .cache/conformance-run/server.log)" >&2
}

# Each failed check under a results directory (the suite's -o): scenario, check, message.
print_failed_checks() {
  node -e '
    const fs = require("node:fs"), path = require("node:path");
    const dir = process.argv[1];
    for (const run of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
      const file = path.join(dir, run, "checks.json");
      if (!fs.existsSync(file)) continue;
      for (const check of JSON.parse(fs.readFileSync(file, "utf8"))) {
        if (check.status !== "FAILURE") continue;
        console.error(`conformance: ${run}: ${check.id}: ${check.errorMessage ?? "(no message)"}`);
      }
    }' "$1" >&2 || true
}

SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT

# Baseline entries of the client: "name" (expected to fail) or "~name" (intermittent).
baseline_kind() {
  local name=$1 entry
  while read -r entry; do
    [[ "$entry" == "$name" ]] && { echo expected; return; }
    [[ "$entry" == "~$name" ]] && { echo intermittent; return; }
  done < <(sed -e 's/#.*$//' "$CLIENT_BASELINE" | awk 'NF { print $1 }')
  echo none
}

# 4. CLIENT scenarios, one at a time (the sse-retry scenario times the client's reconnect:
# running scenarios in parallel on a small machine would only add noise). Pass = the suite's
# own verdict for the scenario (its checks, and the client neither timing out nor failing).
run_client_suite() {
  local results="$RUN_DIR/client-results" client_cmd scenario kind log status
  rm -rf "$results"
  mkdir -p "$results"
  # The suite splits --command on spaces and runs it through a shell: quote the path.
  client_cmd="node --import tsx $(printf '%q' "$ROOT/test/conformance/client.ts")"
  local passed=0 failed=0 expected=0 intermittent_failed=0 intermittent_passed=0
  local unexpected=() stale=() flaky=()
  for scenario in "${CLIENT_SCENARIOS[@]}"; do
    log="$RUN_DIR/client-${scenario//\//_}.txt"
    local args=(client --command "$client_cmd" --scenario "$scenario" --timeout "$CLIENT_TIMEOUT_MS" -o "$results")
    if [[ "${CONFORMANCE_VERBOSE:-}" == "1" ]]; then args+=(--verbose); fi
    set +e
    (cd "$RUN_DIR" && timeout "$(bound "$CLIENT_SCENARIO_TIMEOUT_S")" "$NODE22" "$SUITE" "${args[@]}") >"$log" 2>&1
    status=$?
    set -e
    kind=$(baseline_kind "$scenario")
    local verdict
    if [[ $status -eq 0 ]]; then
      passed=$((passed + 1))
      verdict="passed"
      case "$kind" in
        expected) stale+=("$scenario"); verdict="passed (STALE baseline entry: remove it)" ;;
        intermittent) intermittent_passed=$((intermittent_passed + 1)); flaky+=("$scenario passed") ;;
      esac
    else
      failed=$((failed + 1))
      verdict="FAILED"
      if [[ $status -eq 124 ]]; then verdict="FAILED (timed out: scenario bound ${CLIENT_SCENARIO_TIMEOUT_S} s, run budget ${BUDGET_S} s)"; fi
      case "$kind" in
        expected) expected=$((expected + 1)); verdict="$verdict (expected: in baseline)" ;;
        intermittent)
          if [[ $status -eq 124 ]]; then
            # The entry accepts a wrong result, never a hang.
            unexpected+=("$scenario")
          else
            intermittent_failed=$((intermittent_failed + 1))
            flaky+=("$scenario failed")
            verdict="$verdict (intermittent: in baseline)"
          fi
          ;;
        none) unexpected+=("$scenario") ;;
      esac
    fi
    echo "conformance client: $scenario: $(grep -E '^Passed:' "$log" | tail -n 1 || echo 'no checks') -> $verdict"
    # Show why whenever a scenario did not pass, and everything when asked.
    if [[ $status -ne 0 || "${CONFORMANCE_VERBOSE:-}" == "1" ]]; then sed 's/^/    /' "$log"; fi
  done
  CLIENT_SUMMARY="${#CLIENT_SCENARIOS[@]} scenarios: $passed passed, $failed failed ($expected expected, $intermittent_failed intermittent, ${#unexpected[@]} unexpected); ${#stale[@]} stale baseline entries"
  echo
  echo "Client total: $CLIENT_SUMMARY"
  for s in "${flaky[@]}"; do echo "  ~ intermittent (baseline ~entry): $s"; done
  for s in "${stale[@]}"; do echo "  ✓ stale baseline entry, now passing (remove it): $s"; done
  for s in "${unexpected[@]}"; do echo "  ✗ unexpected failure (not in baseline): $s (log: .cache/conformance-run/client-${s//\//_}.txt)"; done
  if [[ ${#unexpected[@]} -gt 0 || ${#stale[@]} -gt 0 ]]; then CLIENT_STATUS=1; fi
  if [[ $intermittent_passed -gt 0 && $intermittent_failed -eq 0 ]]; then
    echo "  (every intermittent entry passed this time: if it keeps passing, the bug may be fixed; drop the ~entry)"
  fi
}

if [[ "$MODE" == server || "$MODE" == both ]]; then run_server_suite; fi
if [[ "$MODE" == client || "$MODE" == both ]]; then
  echo
  echo "conformance: client scenarios (${CLIENT_SCENARIOS[*]}) against test/conformance/client.ts"
  run_client_suite
fi

echo
echo "conformance summary"
echo "  server: $SERVER_SUMMARY (exit $SERVER_STATUS; baseline test/conformance/expected-failures.txt)"
echo "  client: $CLIENT_SUMMARY (exit $CLIENT_STATUS; baseline test/conformance/expected-client-failures.txt)"
if [[ $SERVER_STATUS -ne 0 || $CLIENT_STATUS -ne 0 ]]; then
  echo "conformance: FAILED"
  exit 1
fi
echo "conformance: OK"
