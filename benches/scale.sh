#!/usr/bin/env bash
# Scale-out benchmark: the same multi-partition stream of token transfers through 1, 2 and 3
# `isovm serve` processes on one broker, each process limited to one worker (one V8 isolate),
# each with its own database. Prints batches/s and transfers/s per process count, measured in
# the same run, from the first published batch of the timed part to the last result received.
#
#   benches/scale.sh                      # 4 partitions, 50 timed heights of 100 transfers
#   PROCESSES="1 2 3 4" PARTITIONS=8 HEIGHTS=30 TRANSFERS=200 benches/scale.sh
#   VERIFY=1 benches/scale.sh             # and `isovm verify` alongside: when it is done
#
# Needs a built binary (target/release/isovm, or ISOVM_BIN) and a broker (ISOVM_AMQP_URL, or
# the one .ci/env.sh starts on loopback). Heights 1 and 2 of each partition (deploy, issue)
# run before the clock starts, and the processes are given time to even their shares.
set -euo pipefail
source "$(dirname "$0")/../.ci/env.sh"
cd "$isovm_root"
isovm_rabbitmq
BIN=${ISOVM_BIN:-${CARGO_TARGET_DIR:-target}/release/isovm}
PROCESSES=${PROCESSES:-"1 2 3"}
PARTITIONS=${PARTITIONS:-4}
HEIGHTS=${HEIGHTS:-50}
TRANSFERS=${TRANSFERS:-100}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# The stream: per partition the token example's deploy and issue (unsigned, as the
# development mode runs them), then HEIGHTS batches of TRANSFERS transfers each.
python3 - "$work/batches" "$PARTITIONS" "$HEIGHTS" "$TRANSFERS" <<'EOF'
import json, os, sys
out, partitions, heights, transfers = sys.argv[1], *map(int, sys.argv[2:])
os.makedirs(out)
ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
def b58(text):
    n = int.from_bytes(text.encode(), "big")
    s = ""
    while n:
        n, r = divmod(n, 58)
        s = ALPHABET[r] + s
    return s
people = ["alice", "bobby", "carol"]
for p in range(partitions):
    for i, name in enumerate(["01-deploy.json", "02-transfers.json"]):
        batch = json.load(open(f"examples/token/{name}"))
        batch["partition"] = p
        txs = [t for t in batch["txs"] if t["actions"][0]["contract"] != "auth.iost"]
        for t in txs:
            t.pop("signatures", None)
            t.pop("publisher_signature", None)
        batch["txs"] = txs
        json.dump(batch, open(f"{out}/warm-{i}-{p:03}.json", "w"))
    for h in range(3, heights + 3):
        txs = [{
            "hash": b58(f"scale-{p}-{h}-{i}"),
            "publisher": people[i % 3],
            "gas_limit": 200000,
            "actions": [{"contract": "token", "method": "transfer",
                         "args": [people[i % 3], people[(i + 1) % 3], 1]}],
        } for i in range(transfers)]
        batch = {"partition": p, "height": h, "timestamp_ms": 1767225600000 + h * 1000,
                 "txs": txs}
        json.dump(batch, open(f"{out}/timed-{h:06}-{p:03}.json", "w"))
EOF

printf '%-10s %-10s %-8s %-12s %-12s %-8s %s\n' processes partitions batches batches/s transfers/s seconds \
  "verify done (s)"
for n in $PROCESSES; do
  prefix="scale-$n-$$"
  pids=()
  verify_pid=""
  if [ -n "${VERIFY:-}" ]; then
    # Before the first batch, so its queues hold every one.
    "$BIN" verify --db "$work/verify-$n" --prefix "$prefix" --workers 1..1 --log-every 1 \
      --insecure-accept-unsigned-transactions --log-format json >"$work/verify-$n.log" 2>&1 &
    verify_pid=$!
    until grep -q "verify: consuming" "$work/verify-$n.log" 2>/dev/null; do sleep 0.1; done
  fi
  for i in $(seq 1 "$n"); do
    "$BIN" serve --db "$work/db-$n-$i" --prefix "$prefix" --workers 1..1 \
      --insecure-accept-unsigned-transactions --log-format json \
      >"$work/serve-$n-$i.log" 2>&1 &
    pids+=($!)
  done
  for i in $(seq 1 "$n"); do
    until grep -q "claiming partitions" "$work/serve-$n-$i.log" 2>/dev/null; do sleep 0.1; done
  done
  "$BIN" publish --prefix "$prefix" "$work"/batches/warm-*.json >/dev/null
  # Time to make the partitions and even the shares (a rebalance each second).
  sleep 4
  timed=("$work"/batches/timed-*.json)
  "$BIN" tail --prefix "$prefix" --source results --count "${#timed[@]}" \
    >"$work/results-$n.jsonl" 2>/dev/null &
  tail_pid=$!
  sleep 0.5
  start=$(date +%s.%N)
  "$BIN" publish --prefix "$prefix" "${timed[@]}" >/dev/null
  wait "$tail_pid"
  end=$(date +%s.%N)
  kill -TERM "${pids[@]}"
  wait "${pids[@]}" 2>/dev/null || true
  verified=""
  if [ -n "$verify_pid" ]; then
    total=$((${#timed[@]} + 2 * PARTITIONS))
    until grep -q "\"matched\":$total," "$work/verify-$n.log"; do sleep 0.2; done
    kill -TERM "$verify_pid"; wait "$verify_pid" 2>/dev/null || true
    verified="$work/verify-$n.log"
  fi
  python3 - "$n" "$PARTITIONS" "${#timed[@]}" "$TRANSFERS" "$start" "$end" "$verified" <<'EOF'
import json, sys
from datetime import datetime
n, partitions, batches, transfers = map(int, sys.argv[1:5])
start, end = map(float, sys.argv[5:7])
done = ""
if sys.argv[7]:
    last = max(
        datetime.fromisoformat(v["timestamp"].replace("Z", "+00:00")).timestamp()
        for v in map(json.loads, open(sys.argv[7]))
        if v["fields"].get("message") == "blocks verified"
    )
    done = f"{last - start:.2f}"
s = end - start
print(f"{n:<10} {partitions:<10} {batches:<8} {batches / s:<12.1f} {batches * transfers / s:<12.0f} {s:<8.2f} {done}")
EOF
done
