#!/usr/bin/env bash
# Signs the examples' batches with the example keys (examples/keys/: public, for the examples
# only): each transaction by its publisher, filling its hash. Run after editing a batch (the
# exchange's make-batches.py runs it), with isovm built.
set -euo pipefail
cd "$(dirname "$0")/.."
isovm=${ISOVM:-./target/release/isovm}
for batch in examples/token/0*.json examples/exchange/0*.json; do
  for account in $(python3 -c 'import json,sys; print(" ".join(sorted({t["publisher"] for t in json.load(open(sys.argv[1]))["txs"]})))' "$batch"); do
    "$isovm" sign --key "examples/keys/$account.json" --publisher "$account" "$batch" >/dev/null
  done
done
echo "signed: examples/token/0*.json examples/exchange/0*.json"
