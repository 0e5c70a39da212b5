#!/usr/bin/env bash
# The exchange example, end to end: a market, a ledger and the built-in token contract calling
# each other in one transaction (blockchain.call, callWithAuth, deposit/withdraw).
#
#   examples/exchange/run.sh        through `isovm exec` on a fresh database
#   examples/exchange/run.sh --bus  also through RabbitMQ: `isovm serve` consumes the same
#                                   batches from `isovm publish`, `isovm tail` prints the
#                                   results, and the state roots must equal exec's
set -euo pipefail
source "$(dirname "$0")/../../.ci/env.sh"
cd "$isovm_root"
isovm_apt_install clang libclang-dev
isovm_v8_archive
cargo build --release --quiet
isovm=./target/release/isovm
batches=(examples/exchange/01-setup.json examples/exchange/02-trades.json)
work=$(mktemp -d)
serve_pid=""
cleanup() {
  [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

export ISOVM_LOG=${ISOVM_LOG:-warn}
"$isovm" exec --db "$work/exec" "${batches[@]}" | tee "$work/exec.jsonl"
exec_roots=$(grep '"state_root"' "$work/exec.jsonl" | sed 's/.*"state_root":"\([0-9a-f]*\)".*/\1/')

if [ "${1:-}" = "--bus" ]; then
  isovm_apt_install rabbitmq-server
  isovm_rabbitmq
  # A prefix of its own, so the example never meets another node's batches.
  export ISOVM_BUS_PREFIX="exchange-example-$$"
  "$isovm" serve --db "$work/serve" &
  serve_pid=$!
  "$isovm" tail --source results --count 2 > "$work/bus.jsonl" &
  tail_pid=$!
  sleep 2
  "$isovm" publish --declare "${batches[@]}"
  wait "$tail_pid"
  bus_roots=$(grep '"state_root"' "$work/bus.jsonl" | sed 's/.*"state_root":"\([0-9a-f]*\)".*/\1/')
  echo "exec roots: $(echo $exec_roots)"
  echo "bus roots:  $(echo $bus_roots)"
  if [ "$exec_roots" != "$bus_roots" ]; then
    echo "the bus gave other state roots than exec" >&2
    exit 1
  fi
  echo "the bus and exec agree"
fi
