// The Node.js baselines of `isovm bench --throughput`: the same contract (the token of
// examples/token, or benches/contracts/*.js) and the same calls, run three ways in Node's V8:
//
//   fresh   a new `vm` context per transaction (isolation like isovm's today), Map state
//   reused  one `vm` context for every transaction, a new contract instance per call (no
//           isolation between transactions: what a reused context gives for free)
//   limit   the contract class called in a plain loop, Map state, nothing else
//
// `fresh` and `reused` keep each transaction's writes apart until it succeeds (a failing
// transfer leaves nothing) and write each batch's changes to a file with an fsync, as isovm
// commits a batch; `limit` does neither.
//
// Usage: node baseline.js WORKLOAD.json CONTRACT.js OUT_DIR
// WORKLOAD: {"setup": [[publisher, method, args], ..], "batches": [[[publisher, method, args], ..], ..]}
// (the contract's `init` runs first, published by the issuer, as a deploy runs it).
// Prints one JSON object: {variant: {"batch_ms": [..], "failed": n, "txs": n,
// "rss_start_mib": x, "rss_end_mib": y}}.
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");

const [workloadPath, contractPath, outDir] = process.argv.slice(2);
if (!workloadPath || !contractPath || !outDir) {
  console.error("usage: node baseline.js WORKLOAD.json CONTRACT.js OUT_DIR");
  process.exit(2);
}
const workload = JSON.parse(fs.readFileSync(workloadPath, "utf8"));
const source = fs.readFileSync(contractPath, "utf8");
const ISSUER = "issuer";

// State: committed maps, and the write set of the transaction in progress.
function makeState() {
  const committed = new Map();
  let writes = null;
  return {
    get(key) {
      if (writes !== null && writes.has(key)) return writes.get(key);
      const v = committed.get(key);
      return v === undefined ? null : v;
    },
    put(key, value) {
      if (writes === null) committed.set(key, value);
      else writes.set(key, value);
    },
    begin() {
      writes = new Map();
    },
    commit(batchDiff) {
      for (const [k, v] of writes) {
        committed.set(k, v);
        if (batchDiff) batchDiff.set(k, v);
      }
      writes = null;
    },
    abort() {
      writes = null;
    },
  };
}

// The IOST API the contract uses, over `state`; `tx` holds the current publisher.
function makeApi(state, tx) {
  const storage = {
    get: (k) => state.get("s/" + k),
    put: (k, v) => state.put("s/" + k, String(v)),
    mapGet: (k, f) => state.get("m/" + k + "/" + f),
    mapPut: (k, f, v) => state.put("m/" + k + "/" + f, String(v)),
    mapKeys: () => {
      throw new Error("not used by the benchmark");
    },
  };
  const blockchain = {
    publisher: () => tx.publisher,
    requireAuth: (account) => account === tx.publisher,
    event: () => {},
  };
  return { storage, blockchain };
}

function commitFile(file, diff) {
  const fd = fs.openSync(file, "w");
  fs.writeSync(fd, JSON.stringify([...diff]));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
}

// One transaction: `call` runs the method; a throw discards its writes.
function runTx(state, diff, call) {
  state.begin();
  try {
    call();
    state.commit(diff);
    return true;
  } catch (e) {
    state.abort();
    return false;
  }
}

function setup(state, instance, tx) {
  tx.publisher = ISSUER;
  runTx(state, null, () => instance().init());
  for (const [publisher, method, args] of workload.setup) {
    tx.publisher = publisher;
    if (!runTx(state, null, () => instance()[method](...args))) throw new Error("setup failed");
  }
}

function measure(name, { instance, commit }) {
  const state = makeState();
  const tx = { publisher: ISSUER };
  const make = instance(state, tx);
  setup(state, make, tx);
  const batchMs = [];
  const rssStart = process.memoryUsage().rss / 1048576;
  let failed = 0;
  let txs = 0;
  workload.batches.forEach((batch, b) => {
    const start = process.hrtime.bigint();
    const diff = new Map();
    for (const [publisher, method, args] of batch) {
      tx.publisher = publisher;
      if (!runTx(state, diff, () => make()[method](...args))) failed++;
      txs++;
    }
    if (commit) commitFile(path.join(outDir, `${name}-${b}.json`), diff);
    batchMs.push(Number(process.hrtime.bigint() - start) / 1e6);
  });
  const rssEnd = process.memoryUsage().rss / 1048576;
  return { batch_ms: batchMs, failed, txs, rss_start_mib: rssStart, rss_end_mib: rssEnd };
}

// The contract as a CommonJS module evaluated in `context`.
const script = new vm.Script(`(function (module, exports) {${source}\n})`, { filename: path.basename(contractPath) });
function moduleIn(context) {
  const module = { exports: {} };
  script.runInContext(context)(module, module.exports);
  return module.exports;
}

const variants = {
  fresh: {
    commit: true,
    instance: (state, tx) => () => {
      const api = makeApi(state, tx);
      const Token = moduleIn(vm.createContext({ storage: api.storage, blockchain: api.blockchain }));
      return new Token();
    },
  },
  reused: {
    commit: true,
    instance: (state, tx) => {
      const api = makeApi(state, tx);
      const context = vm.createContext({ storage: api.storage, blockchain: api.blockchain });
      const Token = moduleIn(context);
      return () => new Token();
    },
  },
  limit: {
    commit: false,
    instance: (state, tx) => {
      const api = makeApi(state, tx);
      const Token = new Function("storage", "blockchain", "module", "exports", source + "\nreturn module.exports;")(
        api.storage, api.blockchain, { exports: {} }, {});
      const instance = new Token();
      return () => instance;
    },
  },
};

const report = {};
for (const name of Object.keys(variants)) report[name] = measure(name, variants[name]);
process.stdout.write(JSON.stringify(report) + "\n");
