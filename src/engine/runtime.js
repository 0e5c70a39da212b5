// The isovm runtime library: evaluated once into the V8 startup snapshot, so every
// transaction's context starts with it already in place.
//
// This script is a function expression; the engine calls it with `natives`, the host
// functions implemented in Rust (src/engine/natives.rs), and keeps what it returns (the
// internals the engine calls) as snapshot context data, out of every contract's reach.
//
// It makes the context deterministic and closed: no clock, no randomness, no code
// generation from strings, no WebAssembly, no shared memory, no GC-observable references,
// and every intrinsic frozen so nothing one contract does to them can affect another call.
(function (natives) {
  "use strict";
  const G = globalThis;
  const freeze = Object.freeze;
  const defineProperty = Object.defineProperty;

  // ---- Remove what is nondeterministic or escapes the sandbox ------------------------
  // (V8 re-adds WebAssembly to every context made from a snapshot: lockdown() removes it.)
  for (const name of ["WebAssembly", "SharedArrayBuffer", "Atomics", "WeakRef", "FinalizationRegistry", "console"]) {
    delete G[name];
  }

  const unavailable = (what, why) => function () {
    throw new Error(`${what} is not available to contracts: ${why}`);
  };
  defineProperty(Math, "random", {
    value: unavailable("Math.random", "results must be the same on every node; derive values from tx.hash or block data"),
    writable: false, configurable: false, enumerable: false,
  });

  // ---- Date: the clock is the block's time, and all calendar math is UTC -------------
  const NativeDate = Date;
  const nativeUTC = NativeDate.UTC;
  const nativeParse = NativeDate.parse;
  // ISO 8601 with an explicit zone, or a date alone (which ECMAScript reads as UTC):
  // strings without a zone would be read in the node's local time zone.
  const ISO = /^[+-]?\d{4,6}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
  const parse = (text) => {
    const s = String(text);
    return ISO.test(s) ? nativeParse(s) : NaN;
  };
  function IsoDate(...args) {
    if (new.target === undefined) {
      return new NativeDate(natives.now()).toISOString();
    }
    let date;
    if (args.length === 0) {
      date = new NativeDate(natives.now());
    } else if (args.length === 1) {
      const v = args[0];
      date = new NativeDate(typeof v === "string" ? parse(v) : v);
    } else {
      date = new NativeDate(nativeUTC(...args));
    }
    Object.setPrototypeOf(date, new.target.prototype);
    return date;
  }
  const proto = NativeDate.prototype;
  defineProperty(IsoDate, "prototype", { value: proto, writable: false });
  defineProperty(proto, "constructor", { value: IsoDate, writable: true, configurable: true });
  IsoDate.now = () => natives.now();
  IsoDate.UTC = nativeUTC;
  IsoDate.parse = parse;
  // Local-time methods become their UTC twins, so the node's time zone never shows.
  for (const name of [
    "FullYear", "Month", "Date", "Day", "Hours", "Minutes", "Seconds", "Milliseconds",
  ]) {
    defineProperty(proto, "get" + name, { value: proto["getUTC" + name], writable: true, configurable: true });
    if (name !== "Day") {
      defineProperty(proto, "set" + name, { value: proto["setUTC" + name], writable: true, configurable: true });
    }
  }
  const iso = proto.toISOString;
  const utc = proto.toUTCString;
  defineProperty(proto, "getTimezoneOffset", { value() { return 0; }, writable: true, configurable: true });
  for (const name of ["toString", "toLocaleString"]) {
    defineProperty(proto, name, { value() { return utc.call(this); }, writable: true, configurable: true });
  }
  for (const name of ["toDateString", "toLocaleDateString"]) {
    defineProperty(proto, name, { value() { return iso.call(this).slice(0, 10); }, writable: true, configurable: true });
  }
  for (const name of ["toTimeString", "toLocaleTimeString"]) {
    defineProperty(proto, name, { value() { return iso.call(this).slice(11, 23) + "Z"; }, writable: true, configurable: true });
  }
  G.Date = IsoDate;

  // ---- The contract API (IOST names) --------------------------------------------------
  const notYet = (what) => unavailable(what, "not implemented in isovm yet");

  G.storage = {
    put: natives.put,
    get: natives.get,
    has: natives.has,
    del: natives.del,
    mapPut: natives.mapPut,
    mapGet: natives.mapGet,
    mapHas: natives.mapHas,
    mapKeys: natives.mapKeys,
    mapLen: natives.mapLen,
    mapDel: natives.mapDel,
    globalGet: natives.globalGet,
    globalHas: natives.globalHas,
    globalMapGet: natives.globalMapGet,
    globalMapHas: natives.globalMapHas,
    globalMapKeys: natives.globalMapKeys,
    globalMapLen: natives.globalMapLen,
  };

  G.blockchain = {
    contractName: natives.contractName,
    publisher: natives.publisher,
    event: natives.event,
    requireAuth: natives.requireAuth,
    call: notYet("blockchain.call"),
    callWithAuth: notYet("blockchain.callWithAuth"),
    transfer: notYet("blockchain.transfer"),
    withdraw: notYet("blockchain.withdraw"),
    deposit: notYet("blockchain.deposit"),
    receipt: notYet("blockchain.receipt"),
  };

  // IOST's number and crypto libraries are not in isovm yet: say so rather than leave a
  // confusing ReferenceError.
  for (const name of ["BigNumber", "Int64", "Float64"]) {
    G[name] = notYet(name);
  }
  G.IOSTCrypto = {
    sha3: notYet("IOSTCrypto.sha3"),
    sha3Hex: notYet("IOSTCrypto.sha3Hex"),
    ripemd160Hex: notYet("IOSTCrypto.ripemd160Hex"),
    verify: notYet("IOSTCrypto.verify"),
  };

  const format = (args) => args.map((a) => {
    if (typeof a === "string") return a;
    try {
      const json = JSON.stringify(a);
      return json === undefined ? String(a) : json;
    } catch (e) {
      return String(a);
    }
  }).join(" ");
  G.console = {
    log: (...args) => natives.log(2, format(args)),
    info: (...args) => natives.log(2, format(args)),
    debug: (...args) => natives.log(1, format(args)),
    warn: (...args) => natives.log(3, format(args)),
    error: (...args) => natives.log(4, format(args)),
  };

  const require = (name) => {
    throw new Error(`module '${String(name)}' is not available: contracts cannot load modules`);
  };

  // ---- Freeze every intrinsic ---------------------------------------------------------
  // Done here, once, into the snapshot. Two objects stay open in the snapshot because V8
  // adds to them each time it makes a context from it (Error.stackTraceLimit, the global
  // WebAssembly); lockdown() closes them per context, before any contract code runs. V8's
  // other per-context installs (recent built-ins) are turned off by flags (platform.rs).
  const hidden = [
    Object.getPrototypeOf(function* () {}),
    Object.getPrototypeOf(async function () {}),
    Object.getPrototypeOf(async function* () {}),
    Object.getPrototypeOf([][Symbol.iterator]()),
    Object.getPrototypeOf(new Map()[Symbol.iterator]()),
    Object.getPrototypeOf(new Set()[Symbol.iterator]()),
    Object.getPrototypeOf(""[Symbol.iterator]()),
    Object.getPrototypeOf(/a/[Symbol.matchAll]("")),
    Object.getPrototypeOf([].values().map((x) => x)),
    Object.getPrototypeOf(Iterator.from({ next() { return { done: true }; } })),
    Object.getPrototypeOf(Int8Array),
    Object.getPrototypeOf((function* () {})()),
    Object.getPrototypeOf((async function* () {})()),
    Object.getOwnPropertyDescriptor(Function.prototype, "caller").get,
  ];
  // RegExp's legacy static properties ($1, lastMatch, ...) would carry the last match of one
  // call into the next; nothing needs them.
  for (const key of Reflect.ownKeys(RegExp)) {
    if (typeof key === "string" && (key.startsWith("$") || ["input", "lastMatch", "lastParen", "leftContext", "rightContext"].includes(key))) {
      delete RegExp[key];
    }
  }
  const openInSnapshot = new Set([G, Error]);
  const seen = new Set();
  const pending = [G, ...hidden];
  while (pending.length > 0) {
    const value = pending.pop();
    if ((typeof value !== "object" && typeof value !== "function") || value === null || seen.has(value)) {
      continue;
    }
    seen.add(value);
    if (!openInSnapshot.has(value)) {
      freeze(value);
    }
    pending.push(Object.getPrototypeOf(value));
    for (const key of Reflect.ownKeys(value)) {
      const desc = Object.getOwnPropertyDescriptor(value, key);
      pending.push(desc.value, desc.get, desc.set);
    }
  }
  const lockdown = () => {
    delete G.WebAssembly;
    freeze(Error);
    freeze(G);
  };

  // ---- What the engine calls ------------------------------------------------------------
  // Call depth is counted by the instrumented code, not measured on the real stack: where a
  // real stack overflow strikes depends on how V8 happened to compile the frames above it,
  // which differs between nodes; this limit is the same everywhere.
  const MAX_CALL_DEPTH = 1000;
  const DEPTH_ERROR_GAS = 10000;
  const DepthError = RangeError;
  return freeze({
    // Loads a contract and calls one of its methods. `wrapper` is the compiled contract:
    // `(gas, enter, exit, frame, module, exports, require, block, tx) => { ...contract... }`.
    // `cell` holds [gas used, gas limit]. The metering functions are made here, per call, so
    // no contract can reach them or their counters.
    call(wrapper, cell, blockInfo, txInfo, method, args, abiMethods) {
      let depth = 0;
      const gas = (n) => {
        if ((cell[0] += n) > cell[1]) natives.outOfGas();
      };
      const enter = (n) => {
        if ((cell[0] += n) > cell[1]) natives.outOfGas();
        if (depth >= MAX_CALL_DEPTH) {
          // Building the error captures a stack trace: far more work than a call.
          if ((cell[0] += DEPTH_ERROR_GAS) > cell[1]) natives.outOfGas();
          throw new DepthError(`Maximum call stack size exceeded: contracts may nest calls ${MAX_CALL_DEPTH} deep`);
        }
        depth++;
      };
      const exit = () => {
        depth--;
      };
      const frame = (n, value) => {
        enter(n);
        try {
          return value();
        } finally {
          depth--;
        }
      };
      const module = { exports: {} };
      wrapper(gas, enter, exit, frame, module, module.exports, require, freeze(blockInfo), freeze(txInfo));
      const Contract = module.exports;
      if (typeof Contract !== "function") {
        throw new TypeError("a contract must end with `module.exports = ClassName;`");
      }
      const instance = new Contract();
      if (abiMethods !== undefined) {
        for (const name of abiMethods) {
          if (typeof instance[name] !== "function") {
            throw new TypeError(`ABI method '${name}' is not a method of the contract class`);
          }
        }
      }
      const fn = instance[method];
      if (typeof fn !== "function") {
        throw new TypeError(`'${method}' is not a method of the contract class`);
      }
      return fn.apply(instance, args);
    },
    lockdown,
  });
})
