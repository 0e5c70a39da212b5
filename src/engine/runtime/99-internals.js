// What the engine calls: `call` (load a contract and run one method under the metering
// functions), `encode`, `lockdown`, `inventory` and `survivors`. Returned from the library's function, so only the
// engine has them.

// The functions the instrumented code calls by the wrapper's parameter names
// (src/contract/instrument.rs, WRAPPER_PARAMS, in that order). No contract can name them:
// the instrumenter refuses every `__isovm` identifier.
//   gas(n, m)      n gas and m memory units, before a straight-line run of statements
//   enter(n, s, m) a function's entry: n gas, one level of depth, s stack units, m memory
//   exit(s)        leaving it
//   frame(n, s, f, m) an inline value (default, field initializer) run as a frame, with the
//                  memory m it allocates
const gasFn = (n, m) => {
  if ((cell[0] += n) > cell[1]) natives.outOfGas();
  if (m !== undefined && (cell[2] += m) > cell[3]) natives.memoryLimit();
};
const enterFn = (n, s, m) => {
  if ((cell[0] += n) > cell[1]) natives.outOfGas();
  if (m !== undefined && (cell[2] += m) > cell[3]) natives.memoryLimit();
  enterFrame(s);
};
const exitFn = (s) => {
  exitFrame(s);
};
const frameFn = (n, s, value, m) => {
  enterFn(n, s, m);
  try {
    return value();
  } finally {
    exitFrame(s);
  }
};

const require = (name) => {
  throw new Error(`module '${toStr(name)}' is not available: contracts cannot load modules`);
};

return freeze({
  // Loads a contract and calls one of its methods. `wrapper` is the compiled contract, a
  // function of WRAPPER_PARAMS; `counters` is the call's cell (01-meter.js).
  call(wrapper, counters, blockInfo, txInfo, method, args, abiMethods) {
    cell = counters;
    depth = 0;
    stack = 0;
    resetRegExpCaches();
    const module = { exports: {} };
    wrapper(
      gasFn, enterFn, exitFn, frameFn,
      guards.num, guards.str, guards.key, guards.cat, guards.eq, guards.case, guards.forin,
      guards.spread, guards.args, guards.rest,
      module, module.exports, require, freeze(blockInfo), freeze(txInfo),
    );
    const Contract = module.exports;
    if (typeof Contract !== "function") {
      throw new TypeError("a contract must end with `module.exports = ClassName;`");
    }
    const instance = new Contract();
    if (abiMethods !== undefined) {
      for (let i = 0; i < abiMethods.length; i++) {
        const name = abiMethods[i];
        if (typeof instance[name] !== "function") {
          throw new TypeError(`ABI method '${name}' is not a method of the contract class`);
        }
      }
    }
    const fn = instance[method];
    if (typeof fn !== "function") {
      throw new TypeError(`'${method}' is not a method of the contract class`);
    }
    return reflectApply(fn, instance, args);
  },
  // The JSON text of a call's result (after a returned promise settled): the contract's
  // JSON.stringify, metered; `null` for what JSON has no text for (undefined, functions).
  encode(value) {
    const text = value === undefined ? undefined : G.JSON.stringify(value);
    return text === undefined ? "null" : text;
  },
  lockdown,
  // Paths of reachable functions no file classified (80-inventory.js): empty, or the engine
  // refuses to start.
  inventory() {
    return unclassified;
  },
  // Everything a call can reach without making it (the global object and the hidden
  // intrinsics, walked as the inventory walks them): `[values, paths, frozen]`, for the test that
  // checks each is frozen and holds no mutable internal state (docs/warm-context.md).
  survivors() {
    const values = [];
    const paths = [];
    const frozen = [];
    forEachReachable((value, path) => {
      reflectApply(arrayPush, values, [value]);
      reflectApply(arrayPush, paths, [path]);
      reflectApply(arrayPush, frozen, [isFrozen(value)]);
    });
    return [values, paths, frozen];
  },
});
