#!/usr/bin/env python3
"""Writes the exchange example's batch files from its contract sources: run it after editing
ledger.js or the market package (market/), with isovm built (the market is deployed as the
package `isovm package market` makes; the batches embed the sources). Standard library only."""
import json
import pathlib
import subprocess

here = pathlib.Path(__file__).resolve().parent
time0 = 1767225600000
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def tx_hash(height, i):
    # A placeholder: signing (sign.sh, below) sets each hash to its signed bytes' hash.
    return "Ex" + B58[height] + B58[i] + "ch"


def tx(height, i, publisher, contract, method, args, gas=2_000_000):
    return {
        "hash": tx_hash(height, i),
        "publisher": publisher,
        "gas_limit": gas,
        "actions": [{"contract": contract, "method": method, "args": args}],
    }


def deploy(name):
    code = (here / f"{name}.js").read_text()
    abi = (here / f"{name}.abi.json").read_text()
    return [code, json.dumps(json.loads(abi), separators=(",", ":")), name]


def deploy_package(name):
    isovm = here.parent.parent / "target" / "release" / "isovm"
    out = subprocess.run([str(isovm), "package", str(here / name)], check=True,
                         capture_output=True, text=True).stdout
    # The package's own ABI (its abi.json): null as the deploy's second argument.
    return [json.loads(out), None, name]


def batch(height, txs):
    return {
        "partition": 0,
        "height": height,
        "timestamp_ms": time0 + 3000 * height,
        "producer": "producer-1",
        "txs": [tx(height, i, *t) for i, t in enumerate(txs)],
    }


def keys(name):
    return json.loads((here.parent / "keys" / f"{name}.json").read_text())["public_key"]


setup = batch(1, [
    # Every publisher signs itself up (auth.iost): its example key as owner and active.
    *[(n, "auth.iost", "signUp", [n, keys(n), keys(n)]) for n in ("admin", "alice", "bobby", "carol")],
    ("carol", "system", "deploy", deploy("ledger")),
    ("carol", "system", "deploy", deploy_package("market")),
    # carol issues her token, gold, and stocks the market with it.
    ("carol", "token.iost", "create", ["gold", "carol", 1000, "{\"decimal\": 0, \"fullName\": \"Gold\"}"]),
    ("carol", "token.iost", "issue", ["gold", "market", "100"]),
    ("carol", "market", "setPrice", ["2.5"]),
    # The chain's token comes from its issuer (consensus parameters: native_token).
    ("admin", "token.iost", "issue", ["iost", "alice", "1000"]),
    ("admin", "token.iost", "issue", ["iost", "bobby", "10"]),
])

trades = batch(2, [
    ("alice", "market", "buy", ["4"]),          # pays 10 iost, gets 4 gold: sale 1
    ("bobby", "market", "buy", ["5"]),            # would cost 12.5 iost; bobby has 10: fails, nothing moves
    ("bobby", "market", "buy", ["2"]),            # 5 iost: sale 2
    ("alice", "ledger", "record", ["alice", "99", "0"]),  # refused: only the market records
    ("bobby", "market", "setPrice", ["0.01"]),    # refused: bobby is not the owner
    ("carol", "market", "withdraw", ["12"]),   # carol takes 12 of the 15 iost
    ("alice", "market", "stock", []),
    ("alice", "token.iost", "balanceOf", ["gold", "alice"]),
    ("alice", "token.iost", "balanceOf", ["iost", "bobby"]),
    ("alice", "ledger", "buyers", []),
])

for name, content in [("01-setup.json", setup), ("02-trades.json", trades)]:
    (here / name).write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n")

# Each transaction signed by its publisher with the example keys (examples/keys/), which
# fills the hashes.
subprocess.run([str(here.parent / "sign.sh")], check=True)
