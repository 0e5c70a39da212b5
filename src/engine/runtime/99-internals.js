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

// The `block` and `tx` objects of the call in progress (frozen; nested calls see them too).
let callBlock = null;
let callTx = null;

// A fresh module instance of a contract: its top-level code run anew, its class, an instance.
const instantiate = (wrapper) => {
  const module = { exports: {} };
  wrapper(
    gasFn, enterFn, exitFn, frameFn,
    guards.num, guards.str, guards.key, guards.cat, guards.eq, guards.case, guards.forin,
    guards.spread, guards.args, guards.rest,
    module, module.exports, require, callBlock, callTx,
  );
  const Contract = module.exports;
  if (typeof Contract !== "function") {
    throw new TypeError("a contract must end with `module.exports = ClassName;`");
  }
  return new Contract();
};

const method = (instance, name) => {
  const fn = instance[name];
  if (typeof fn !== "function") {
    throw new TypeError(`'${name}' is not a method of the contract class`);
  }
  return fn;
};

// A value as IOST's sandbox returns it from a call: a string as itself, a number or boolean
// as its text, undefined (and what JSON has no text for) as "", anything else as its JSON.
const iostText = (value) => {
  const type = typeof value;
  if (type === "string") return value;
  if (type === "number" || type === "boolean") {
    const text = `${value}`;
    newString(text.length);
    return text;
  }
  if (value === undefined || type === "symbol") return "";
  const text = G.JSON.stringify(value);
  return text === undefined ? "" : text;
};

// `blockchain.call` / `callWithAuth` (natives/call.rs has the rules): the callee runs here,
// in this context, as a fresh module instance under its own frame, on the transaction's gas
// and depth. If it throws, the whole transaction fails with what it threw: `callFailed`
// terminates, so no caller can catch it and carry on with the callee's writes half made.
const callNested = (contract, api, args, withAuth) => {
  if (typeof args === "object") args = G.JSON.stringify(args);
  const entered = natives.callEnter(contract, api, args, withAuth);
  // A native contract (the token) has run already: its returns, as IOST's natives give them.
  if (entered[0] === undefined) return entered[1];
  let text;
  try {
    const instance = instantiate(entered[0]);
    const fn = method(instance, api);
    text = iostText(natives.callSettle(reflectApply(fn, instance, entered[1])));
  } catch (e) {
    natives.callFailed(e);
  }
  natives.callLeave();
  count(COSTS.memory_object);
  return [text];
};

return freeze({
  // Loads a contract and calls one of its methods. `wrapper` is the compiled contract, a
  // function of WRAPPER_PARAMS; `counters` is the call's cell (01-meter.js).
  call(wrapper, counters, blockInfo, txInfo, name, args, abiMethods) {
    cell = counters;
    depth = 0;
    stack = 0;
    resetRegExpCaches();
    callBlock = freeze(blockInfo);
    callTx = freeze(txInfo);
    const instance = instantiate(wrapper);
    if (abiMethods !== undefined) {
      for (let i = 0; i < abiMethods.length; i++) {
        const abiMethod = abiMethods[i];
        if (typeof instance[abiMethod] !== "function") {
          throw new TypeError(`ABI method '${abiMethod}' is not a method of the contract class`);
        }
      }
    }
    return reflectApply(method(instance, name), instance, args);
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
