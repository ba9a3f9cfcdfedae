#!/usr/bin/env bash
# Runs a command with a fresh sandbox on a free port, its address in
# TYME_SANDBOX_URL and its control API's per-run random token in
# TYME_SANDBOX_CONTROL_TOKEN (sent as the X-Sandbox-Token header; given to the
# sandbox in its environment, not on its command line); the sandbox is
# stopped when the command ends. With TYME_DIALECT set (seed or live), the
# sandbox speaks that dialect.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${CARGO_TARGET_DIR:-target}/debug/tyme-sandbox"
[ -x "$bin" ] || cargo build -p tyme-sandbox
log=$(mktemp)
TYME_SANDBOX_CONTROL_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
export TYME_SANDBOX_CONTROL_TOKEN
args=(--port 0 --control --auto-approve --client tyme-tab-browser=http://127.0.0.1/cb)
if [ -n "${TYME_DIALECT:-}" ]; then args+=(--dialect "$TYME_DIALECT"); fi
"$bin" "${args[@]}" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  url=$(sed -n 's/^listening on \(http[^ ]*\).*/\1/p' "$log" | head -1)
  [ -n "$url" ] && break
  kill -0 $pid 2>/dev/null || { echo "sandbox exited:"; cat "$log"; exit 1; }
  sleep 0.1
done
[ -n "${url:-}" ] || { echo "sandbox did not start"; cat "$log"; exit 1; }
export TYME_SANDBOX_URL="$url"
echo "sandbox at $TYME_SANDBOX_URL"
"$@"
