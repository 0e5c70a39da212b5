// Metering, the JavaScript side: the counters of the call in progress, and the helpers every
// metered built-in (the `30-*.js` files) and every instrumentation guard (`70-guards.js`) use.
// `docs/determinism.md` is the model; `docs/gas.md` has the numbers, which come from the
// consensus table (`params`, src/consensus/).
//
// The counters of a call live in `cell`, a Float64Array the engine shares with the natives:
//   [0] gas used   [1] gas limit   [2] memory used   [3] memory limit
// (f64 counts exactly up to 2^53, far above any limit). Call depth and stack units are plain
// variables: only JavaScript moves them. `call` (99-internals.js) sets all of them at the
// start of every call.

const LIMITS = freeze(params.limits);
const COSTS = freeze(params.builtins);
const NATIVE_TOKEN = freeze(params.native_token);
const CODE = freeze(params.code);
const SHORT_STRING = LIMITS.short_string;

// Intrinsics, captured before any file replaces one: the runtime's own work must not go
// through a metered wrapper (nor be disturbed by what a contract can reach).
const reflectApply = Reflect.apply;
const reflectConstruct = Reflect.construct;
const reflectOwnKeys = Reflect.ownKeys;
const reflectGetPrototypeOf = Reflect.getPrototypeOf;
const reflectDefineProperty = Reflect.defineProperty;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const objectCreate = Object.create;
const isArray = Array.isArray;
const mathCeil = Math.ceil;
const mathLog2 = Math.log2;
const symbolIterator = Symbol.iterator;
const symbolToPrimitive = Symbol.toPrimitive;
const NativeTypeError = TypeError;
const NativeString = String;
const NativeRangeError = RangeError;
const NativeWeakMap = WeakMap;
const NativeWeakSet = WeakSet;
const NativeMap = Map;
const NativeSet = Set;
const weakMapGet = WeakMap.prototype.get;
const weakMapSet = WeakMap.prototype.set;
const weakMapHas = WeakMap.prototype.has;
const weakSetHas = WeakSet.prototype.has;
const weakSetAdd = WeakSet.prototype.add;
const mapGet = Map.prototype.get;
const mapSet = Map.prototype.set;
const mapHas = Map.prototype.has;
const mapClear = Map.prototype.clear;
const setHas = Set.prototype.has;
const setAdd = Set.prototype.add;
const arrayPush = Array.prototype.push;
const hasOwn = Object.hasOwn;
const isFrozen = Object.isFrozen;

// Intrinsics not reachable by name from the global object (found through instances); the
// inventory and the freezing walk start from these as well as from the global object.
const hiddenIntrinsics = [
  reflectGetPrototypeOf(function* () {}),
  reflectGetPrototypeOf(async function () {}),
  reflectGetPrototypeOf(async function* () {}),
  reflectGetPrototypeOf([][Symbol.iterator]()),
  reflectGetPrototypeOf(new Map()[Symbol.iterator]()),
  reflectGetPrototypeOf(new Set()[Symbol.iterator]()),
  reflectGetPrototypeOf(""[Symbol.iterator]()),
  reflectGetPrototypeOf(/a/[Symbol.matchAll]("")),
  reflectGetPrototypeOf([].values().map((x) => x)),
  reflectGetPrototypeOf(Iterator.from({ next() { return { done: true }; } })),
  reflectGetPrototypeOf(Int8Array),
  reflectGetPrototypeOf((function* () {})()),
  reflectGetPrototypeOf((async function* () {})()),
  getOwnPropertyDescriptor(Function.prototype, "caller").get,
];

// Calls `visit(value, path)` once for every object and function reachable from the global
// object and the hidden intrinsics, through prototypes and property values, getters and
// setters; `path` is the first way it was found (`Array.prototype.map`, `get RegExp.prototype.flags`).
const forEachReachable = (visit) => {
  const seen = new NativeSet();
  // A stack: the global object is pushed last so that it is walked first, and paths read
  // from it wherever they can.
  const values = [];
  const paths = [];
  for (let i = hiddenIntrinsics.length - 1; i >= 0; i--) {
    values[values.length] = hiddenIntrinsics[i];
    paths[paths.length] = `%hidden${i}%`;
  }
  values[values.length] = G;
  paths[paths.length] = "globalThis";
  const add = (value, path) => {
    values[values.length] = value;
    paths[paths.length] = path;
  };
  // Index loops and captured intrinsics only: this also runs after the public ones are
  // wrapped, outside any call.
  while (values.length > 0) {
    const value = values[values.length - 1];
    const path = paths[paths.length - 1];
    values.length--;
    paths.length--;
    if (!isObject(value) || reflectApply(setHas, seen, [value])) continue;
    reflectApply(setAdd, seen, [value]);
    visit(value, path);
    add(reflectGetPrototypeOf(value), `${path}.[[Prototype]]`);
    const keys = reflectOwnKeys(value);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const desc = getOwnPropertyDescriptor(value, key);
      const name = typeof key === "symbol" ? `[${key.description}]` : key;
      add(desc.value, `${path}.${name}`);
      add(desc.get, `get ${path}.${name}`);
      add(desc.set, `set ${path}.${name}`);
    }
  }
};

// ---- The counters ---------------------------------------------------------------------
let cell = null;
let depth = 0;
let stack = 0;

// Gas: out of gas terminates the call (no contract can catch it).
const charge = (gas) => {
  if ((cell[0] += gas) > cell[1]) natives.outOfGas();
};
// `units` at `rate` milligas each, rounded up to whole gas.
const chargeMilli = (units, rate) => {
  if (units > 0) charge(mathCeil((units * rate) / 1000));
};
// Memory: counted, never given back; past the budget terminates the call.
const count = (units) => {
  if ((cell[2] += units) > cell[3]) natives.memoryLimit();
};

// What a built-in pays for characters it reads: nothing up to SHORT_STRING.
const readChars = (n) => {
  if (n > SHORT_STRING) chargeMilli(n, COSTS.string_read);
};
// A string V8 hashes (a property key, a Map/Set key, a registry key): read whole, and refused
// past `max_key_chars` (a longer one is hashed by its length alone: keys of one length would
// all collide, and every lookup would compare against every one of them).
const hashChars = (s) => {
  if (s.length > LIMITS.max_key_chars) {
    throw new NativeRangeError(
      `a key may have at most ${LIMITS.max_key_chars} characters; this one has ${s.length}`);
  }
  if (s.length > SHORT_STRING) chargeMilli(s.length, COSTS.string_hash);
};
// What a new string of `n` characters costs: its memory, and beyond SHORT_STRING its writing.
const newString = (n) => {
  count(COSTS.memory_string + n);
  if (n > SHORT_STRING) chargeMilli(n, COSTS.string_write);
};

// ---- Depth and stack --------------------------------------------------------------------
const depthError = () => {
  charge(CODE.depth_error);
  throw new NativeRangeError(
    `Maximum call stack size exceeded: contracts may nest calls ${LIMITS.max_call_depth} deep`);
};
// One level of call depth and `slots` stack units, refused past either limit.
const enterFrame = (slots) => {
  if (depth >= LIMITS.max_call_depth || stack + slots > LIMITS.stack_budget) depthError();
  depth++;
  stack += slots;
};
const exitFrame = (slots) => {
  depth--;
  stack -= slots;
};
// Runs `f` as a built-in frame that may call back into contract code (a callback, a getter,
// `toString`): one level of depth and `builtin_frame_slots` units while it runs.
const builtinFrame = (f) => {
  const slots = LIMITS.builtin_frame_slots;
  enterFrame(slots);
  try {
    return f();
  } finally {
    exitFrame(slots);
  }
};

// ---- Conversions, done once and charged ------------------------------------------------
const isObject = (x) => x !== null && (typeof x === "object" || typeof x === "function");

// ECMAScript ToPrimitive (7.1.1): `Symbol.toPrimitive`, else `valueOf`/`toString` in the
// hint's order. Runs contract code (which pays for itself) the way the operator would.
const toPrimitive = (x, hint) => {
  if (!isObject(x)) return x;
  const exotic = x[symbolToPrimitive];
  if (exotic !== undefined && exotic !== null) {
    if (typeof exotic !== "function") {
      throw new NativeTypeError("Symbol.toPrimitive is not a function");
    }
    const result = reflectApply(exotic, x, [hint]);
    if (isObject(result)) throw new NativeTypeError("Cannot convert object to primitive value");
    return result;
  }
  const first = hint === "string" ? "toString" : "valueOf";
  const second = hint === "string" ? "valueOf" : "toString";
  let method = x[first];
  if (typeof method === "function") {
    const result = reflectApply(method, x, []);
    if (!isObject(result)) return result;
  }
  method = x[second];
  if (typeof method === "function") {
    const result = reflectApply(method, x, []);
    if (!isObject(result)) return result;
  }
  throw new NativeTypeError("Cannot convert object to primitive value");
};

// ToString, charging what it reads; symbols throw as natively.
const toStr = (x) => {
  if (typeof x === "string") return x;
  if (typeof x === "symbol") throw new NativeTypeError("Cannot convert a Symbol value to a string");
  if (isObject(x)) return toStr(toPrimitive(x, "string"));
  return `${x}`;
};

// An argument a built-in converts to a number (ToNumber, ToIntegerOrInfinity, ToLength, …):
// converted to a primitive here, once (objects with the number hint), its characters paid
// for if it is a long string. The original then converts the primitive, which runs no
// contract code and reads no more than was paid for.
const numArg = (x) => {
  if (typeof x === "number") return x;
  const p = isObject(x) ? toPrimitive(x, "number") : x;
  if (typeof p === "string") readChars(p.length);
  return p;
};

// An argument a built-in converts to a string: ToString here, once. Reading the characters
// is the built-in's to pay (it knows how many it reads).
const strArg = (x) => (typeof x === "string" ? x : toStr(x));

// ---- The inventory ---------------------------------------------------------------------
// Every function reachable from the global object is classified (80-inventory.js checks):
//   "metered"  a wrapper installed by `meter`, which charges for the work;
//   "constant" the original, whose work does not depend on its input (listed by `constant`);
//   "runtime"  a function of the runtime library itself (the API objects, Date).
const classified = new NativeWeakMap();
// Wrapper -> name, for Function.prototype.toString (30-functions.js).
const wrapperNames = new NativeWeakMap();

const classify = (fn, kind, path) => {
  // Only whether it is classified is kept: a string per function would be deserialized into
  // every context. (`kind` and `path` document the call.)
  if (typeof fn === "function") reflectApply(weakMapSet, classified, [fn, true]);
};

// Replaces `target[key]` (a data property, or `getter` of an accessor when `part` is "get")
// with `make(original)`. The wrapper gets the original's name and length and reads as native
// code. Returns the original.
const meter = (target, key, make, part) => {
  const desc = getOwnPropertyDescriptor(target, key);
  if (desc === undefined) throw new NativeTypeError(`meter: no property ${NativeString(key)}`);
  const slot = part === "get" ? "get" : part === "set" ? "set" : "value";
  const original = desc[slot];
  if (typeof original !== "function") throw new NativeTypeError(`meter: ${NativeString(key)} is not a function`);
  const wrapper = make(original);
  // Redefined only where they differ: a function whose `name` or `length` was redefined
  // gets a map of its own, and every such map is deserialized into every context.
  if (wrapper.name !== original.name) {
    reflectDefineProperty(wrapper, "name", { value: original.name, configurable: true });
  }
  if (wrapper.length !== original.length) {
    reflectDefineProperty(wrapper, "length", { value: original.length, configurable: true });
  }
  reflectApply(weakMapSet, wrapperNames, [wrapper, original.name]);
  classify(wrapper, "metered", NativeString(key));
  desc[slot] = wrapper;
  reflectDefineProperty(target, key, desc);
  return original;
};

// Marks the functions at `target[key]` for each key as constant-cost.
const constant = (target, keys) => {
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const desc = getOwnPropertyDescriptor(target, key);
    if (desc === undefined) throw new NativeTypeError(`constant: no property ${NativeString(key)}`);
    classify(desc.value, "constant", NativeString(key));
    classify(desc.get, "constant", NativeString(key));
    classify(desc.set, "constant", NativeString(key));
  }
};

// Deletes `target[key]` for each key (what contracts may not have).
const remove = (target, keys) => {
  for (let i = 0; i < keys.length; i++) delete target[keys[i]];
};
