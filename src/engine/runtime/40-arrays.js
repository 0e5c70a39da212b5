// Metered built-ins, first part: `Array`, `Array.prototype`, and the helpers that the files
// 41-44 (typed arrays and buffers, objects, collections, iterators and promises) share.
//
// Every wrapper pays `COSTS.call` plus what it can size before the work: the length of
// `this` (read once; see `lengthOf`), the counts its arguments give, one comparison per
// `n * ceil(log2 n)` for a sort; calls back into contract code pay `COSTS.callback` each,
// as they happen, and run inside one built-in frame (depth and stack units). What a wrapper
// makes is counted as memory before it is made. `docs/gas.md` ("Built-ins: arrays, objects,
// collections, buffers") lists every formula.

// ---- Intrinsics this part uses (captured before anything is replaced) -----------------
const NativeArray = Array;
const NativeObject = Object;
const ArrayProto = Array.prototype;
const arrayValues = ArrayProto.values;
const nativeSort = ArrayProto.sort;
const nativeJoin = ArrayProto.join;
const objectToString = Object.prototype.toString;
const symbolIsConcatSpreadable = Symbol.isConcatSpreadable;
const symbolAsyncIterator = Symbol.asyncIterator;
const NativePromise = Promise;
const promiseReject = Promise.reject;
const TypedArray = reflectGetPrototypeOf(Int8Array);
const TypedArrayProto = TypedArray.prototype;
const typedArrayValues = TypedArrayProto.values;
const typedArrayLength = getOwnPropertyDescriptor(TypedArrayProto, "length").get;
const typedArrayTag = getOwnPropertyDescriptor(TypedArrayProto, Symbol.toStringTag).get;
const mapEntries = Map.prototype.entries;
const mapSize = getOwnPropertyDescriptor(Map.prototype, "size").get;
const setValues = Set.prototype.values;
const setSize = getOwnPropertyDescriptor(Set.prototype, "size").get;

const SLOTS = LIMITS.builtin_frame_slots;
const MAX_SAFE_LENGTH = 2 ** 53 - 1;
const MAX_ARRAY_LENGTH = 2 ** 32 - 1;

// ---- Paying --------------------------------------------------------------------------
// One call of a metered built-in, plus `milligas` (rounded up to whole gas).
const pay = (milligas) => {
  charge(milligas > 0 ? COSTS.call + mathCeil(milligas / 1000) : COSTS.call);
};
// A meter for work paid one unit at a time as it happens (callbacks, iteration steps): each
// unit costs `rate` milligas, paid before it, in whole gas bought ahead (so a unit cheaper
// than one gas is not rounded up each time).
const meterEach = (rate) => {
  let credit = 0;
  return () => {
    credit -= rate;
    if (credit < 0) {
      const gas = mathCeil(-credit / 1000);
      credit += gas * 1000;
      charge(gas);
    }
  };
};

// Calls a native that may run contract code (a callback, a getter, `valueOf`, a species
// constructor, an iterator) as one built-in frame: one level of call depth and
// `builtin_frame_slots` stack units while it runs. (`builtinFrame` without the closure.)
const framed = (fn, self, args) => {
  enterFrame(SLOTS);
  try {
    return reflectApply(fn, self, args);
  } finally {
    exitFrame(SLOTS);
  }
};

// A contract callback as a native calls it: `COSTS.callback` per call (the callback pays
// for its own code), `this` and the arguments passed on as they are.
const meteredCallback = (callback) => {
  const step = meterEach(COSTS.callback);
  return function () {
    step();
    return reflectApply(callback, this, arguments);
  };
};

// ---- Reading without running contract code ---------------------------------------------
// The descriptor of `key` as `o`'s prototype chain resolves it, found without running any
// contract code (every object is ordinary or a built-in exotic: there is no Proxy), or
// undefined.
const lookup = (o, key) => {
  for (let p = o; p !== null; p = reflectGetPrototypeOf(p)) {
    const desc = getOwnPropertyDescriptor(p, key);
    if (desc !== undefined) return desc;
  }
  return undefined;
};
// A data property's value as `lookup` finds it; `absent` when there is none or it is an
// accessor.
const NO_DATA = freeze({});
const lookupData = (o, key) => {
  const desc = lookup(o, key);
  return desc !== undefined && hasOwn(desc, "value") ? desc.value : NO_DATA;
};

const isTypedArray = (x) => isObject(x) && reflectApply(typedArrayTag, x, []) !== undefined;
const internalSize = (getter, x) => {
  try {
    return reflectApply(getter, x, []);
  } catch (e) {
    return -1;
  }
};

// ToIntegerOrInfinity and ToLength of a primitive (converted by `numArg`, so nothing here
// runs contract code; a symbol throws the TypeError the native would).
const toInt = (p) => {
  const n = +p;
  return n !== n ? 0 : mathTrunc(n) + 0;
};
// (ToLength is 30-strings.js's `toLength`.)
// A relative index (`start`, `end`, `target`) clamped to [0, len]; `undefined` is `dflt`.
const relIndex = (p, len, dflt) => {
  if (p === undefined && dflt !== undefined) return dflt;
  const r = toInt(p);
  return r < 0 ? mathMax(len + r, 0) : mathMin(r, len);
};

// The length of `o` (the `this` of an array method, or an array-like argument), as the
// native will read it, read here without running contract code: arrays and typed arrays
// directly, other objects through their `length` data property. A `length` that is a getter
// or an object would run contract code once here and once more in the native, which could
// see another value: such array-likes are refused (a TypeError naming `what`).
const lengthOf = (o, what) => {
  if (isArray(o)) return o.length;
  if (!isObject(o)) {
    if (typeof o === "string") return o.length;
    o = NativeObject(o);
  }
  const desc = lookup(o, "length");
  if (desc === undefined) return 0;
  if (!hasOwn(desc, "value")) {
    if (desc.get === typedArrayLength) return reflectApply(typedArrayLength, o, []);
    refuseLength(what);
  }
  const v = desc.value;
  if (typeof v === "number") return toLength(v);
  if (isObject(v)) refuseLength(what);
  // The native converts it again: a long string is read twice.
  if (typeof v === "string") readChars(2 * v.length);
  return toLength(v);
};
const refuseLength = (what) => {
  throw new NativeTypeError(
    `${what}: the length of an array-like must be a plain value, not a getter or an object (isovm sizes the work from it before the work)`);
};

// IsConstructor, without running contract code (a Proxy's [[Construct]] exists exactly when
// its target's does, and this one's trap makes nothing).
const constructTrap = freeze({
  construct() {
    return constructTrap;
  },
});
const isConstructor = (f) => {
  if (typeof f !== "function") return false;
  try {
    reflectConstruct(new NativeProxy(f, constructTrap), []);
    return true;
  } catch (e) {
    return false;
  }
};

// An array whose prototype is Array.prototype: with `hasOwn` checks for what it may have
// of its own, nothing on its chain needs looking up (Array.prototype and Object.prototype
// are frozen, and hold no index, no Symbol.isConcatSpreadable, the intrinsic iterator and
// the Array wrapper as constructor).
const plainArray = (x) => isArray(x) && reflectGetPrototypeOf(x) === ArrayProto;

// ---- Iterables a native loop walks -----------------------------------------------------
// How many steps iterating `x` takes when that is known without running contract code: a
// plain array, a typed array, a Map or a Set, iterated by the intrinsic iterator (whose
// steps cannot be observed); -1 otherwise.
const knownSteps = (x) => {
  if (plainArray(x) && !hasOwn(x, symbolIterator)) return x.length;
  const method = lookupData(x, symbolIterator);
  if (method === arrayValues) {
    if (isArray(x)) return x.length;
    const length = lookupData(x, "length");
    return typeof length === "number" ? toLength(length) : -1;
  }
  if (method === typedArrayValues && isTypedArray(x)) return reflectApply(typedArrayLength, x, []);
  if (method === mapEntries) return internalSize(mapSize, x);
  if (method === setValues) return internalSize(setSize, x);
  return -1;
};

// `iterator` with each step paid before it: `perStep` milligas (plus a callback's) and
// `memory` units. Its
// `next` is read once, now (as GetIteratorFromMethod does); `return` is looked up when the
// native closes it, and absent if the iterator has none.
const meteredIterator = (iterator, perStep, memory) => {
  if (!isObject(iterator)) return iterator;
  const next = iterator.next;
  // Each step is also a call from the native into this wrapper and back: a callback's cost.
  const step = meterEach(perStep + COSTS.callback);
  return {
    next() {
      step();
      if (memory > 0) count(memory);
      if (typeof next !== "function") throw notAFunction(next);
      return reflectApply(next, iterator, arguments);
    },
    return() {
      return forwardReturn(iterator, arguments);
    },
  };
};
// A wrapper's `return`: the wrapped iterator's, or done when it has none.
const forwardReturn = (iterator, args) => {
  const method = iterator.return;
  if (method === undefined || method === null) return { done: true, value: undefined };
  return reflectApply(method, iterator, args);
};

// The TypeError V8 throws when it calls `value`, which is not a function.
const notAFunction = (value) => {
  const what = value === undefined || value === null ? `${value}`
    : isObject(value) ? "object" : `${typeof value} ${typeof value === "symbol" ? "Symbol()" : value}`;
  return new NativeTypeError(`${what} is not a function`);
};

// An iterable for a native that calls `method` of `items` (already read): what it yields,
// paid per step.
const iterableFrom = (items, method, key, perStep, memory) => {
  if (typeof method !== "function") return { [key]: method };
  return {
    [key]() {
      return meteredIterator(reflectApply(method, items, []), perStep, memory);
    },
  };
};

// What a native that takes an iterable (the Map and Set constructors, `Promise.all`,
// `Object.fromEntries`, `groupBy`) should be given for `items`, so that every step of its
// loop is paid (`perStep` milligas, `memory` units): strings and the iterables of
// `knownSteps` pay up front and pass through; anything else is read lazily, when the
// native asks for its iterator, so contract getters run in the order they would natively.
const meteredIterable = (items, perStep, memory) => {
  if (typeof items === "string") {
    count(items.length * memory);
    chargeMilli(items.length, perStep);
    return items;
  }
  if (!isObject(items)) return items;
  const steps = knownSteps(items);
  if (steps >= 0) {
    count(steps * memory);
    chargeMilli(steps, perStep);
    return items;
  }
  const iterable = {};
  reflectDefineProperty(iterable, symbolIterator, {
    get() {
      const method = items[symbolIterator];
      if (typeof method !== "function") return method;
      return () => meteredIterator(reflectApply(method, items, []), perStep, memory);
    },
  });
  return iterable;
};

// ---- Array -----------------------------------------------------------------------------
// Arrays made by `Array(n)` already counted `n` elements: `fill` does not count them again.
const preallocated = new NativeWeakMap();
const PREALLOCATED_MIN = 64;

let ArrayWrapper;
meter(G, "Array", () => {
  ArrayWrapper = function Array(length) {
    const n = arguments.length;
    let elements = n;
    if (n === 1 && typeof length === "number") {
      // An invalid length throws the native RangeError, unpaid.
      elements = length >>> 0 === length ? length : 0;
    }
    count(COSTS.memory_object + elements * COSTS.memory_element);
    pay(elements * COSTS.element);
    const target = new.target === undefined || new.target === ArrayWrapper ? NativeArray : new.target;
    const array = reflectConstruct(NativeArray, arguments, target);
    if (n === 1 && elements >= PREALLOCATED_MIN) {
      reflectApply(weakMapSet, preallocated, [array, elements]);
    }
    return array;
  };
  return ArrayWrapper;
});
// Its statics, the species getter (which returns `this`), and the prototype: a subclass
// (`class X extends Array`) inherits them from the wrapper, and `[].constructor` is it.
{
  const keys = reflectOwnKeys(NativeArray);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === "length" || key === "name") continue;
    reflectDefineProperty(ArrayWrapper, key, getOwnPropertyDescriptor(NativeArray, key));
  }
  reflectDefineProperty(ArrayProto, "constructor", {
    value: ArrayWrapper, writable: true, enumerable: false, configurable: true,
  });
}
constant(ArrayWrapper, ["isArray", symbolSpecies]);

// The intrinsic for `this` of a static: the wrapper itself constructs through it.
const intrinsicArray = (C) => (C === ArrayWrapper ? NativeArray : C);

// ---- Arrays made from arrays ----------------------------------------------------------------
// ArraySpeciesCreate on an array constructs through its species constructor, and V8 does
// that from its runtime, out of C++ into JavaScript and back: for a small array far dearer
// than the work itself. The species of a plain array (`speciesPlain`) is the Array wrapper,
// which would make a plain array: for those the methods that make an array (map, filter,
// flatMap, concat, slice, splice) take the specification's steps here, element by element
// (`element_access` each), into a plain array. Any other array goes to the native, which pays
// `species_create` for the construction; an array-like is made an array by ArrayCreate.
const speciesPlain = (o) => plainArray(o) && !hasOwn(o, "constructor");
const nativeSpecies = (o) => {
  if (isArray(o)) charge(COSTS.species_create);
};
// Whether the species constructor of `o` is the Array wrapper, found without running
// contract code: it counts what it makes; anything else is counted by the method.
const speciesIsWrapper = (o) => isArray(o) && lookupData(o, "constructor") === ArrayWrapper;
const countCreated = (o, n) => {
  if (!speciesIsWrapper(o)) count(COSTS.memory_object + n * COSTS.memory_element);
};
const isExtensible = NativeObject.isExtensible;

meter(ArrayWrapper, "from", (from) => ({
  from(items, mapFn, thisArg) {
    const C = intrinsicArray(this);
    if ((mapFn !== undefined && typeof mapFn !== "function") || items === undefined || items === null) {
      return reflectApply(from, C, arguments);
    }
    pay(0);
    const perStep = COSTS.element;
    const memory = COSTS.memory_element;
    let source = items;
    if (typeof items === "string") {
      count(items.length * memory);
      chargeMilli(items.length, perStep);
    } else if (isObject(items)) {
      const steps = knownSteps(items);
      if (steps >= 0) {
        count(steps * memory);
        chargeMilli(steps, perStep);
      } else {
        const method = items[symbolIterator];
        if (method === undefined || method === null) {
          const len = lengthOf(items, "Array.from");
          count(len * memory);
          chargeMilli(len, perStep);
        } else {
          source = iterableFrom(items, method, symbolIterator, perStep, memory);
        }
      }
    }
    count(COSTS.memory_object);
    const args = mapFn === undefined ? [source] : [source, meteredCallback(mapFn), thisArg];
    return framed(from, C, args);
  },
}).from);

meter(ArrayWrapper, "of", (of) => ({
  of(...items) {
    count(COSTS.memory_object + items.length * COSTS.memory_element);
    pay(items.length * COSTS.element);
    return framed(of, intrinsicArray(this), items);
  },
}).of);

meter(ArrayWrapper, "fromAsync", (fromAsync) => ({
  fromAsync(items, mapFn, thisArg) {
    const C = intrinsicArray(this);
    const badMapFn = mapFn !== undefined && typeof mapFn !== "function";
    if (badMapFn || !isObject(items)) {
      // A string's characters become the elements (mapFn wrong: a rejection, nothing made).
      if (typeof items === "string" && !badMapFn) {
        count(COSTS.memory_object + items.length * COSTS.memory_element);
      }
      pay(typeof items === "string" ? items.length * COSTS.element : 0);
      return framed(fromAsync, C, arguments);
    }
    pay(0);
    const perStep = COSTS.element;
    const memory = COSTS.memory_element;
    let source = items;
    // Errors before the first step reject the promise, as they do natively.
    try {
      const asyncMethod = items[symbolAsyncIterator];
      if (asyncMethod !== undefined && asyncMethod !== null) {
        source = iterableFrom(items, asyncMethod, symbolAsyncIterator, perStep, memory);
      } else {
        const method = items[symbolIterator];
        if (method !== undefined && method !== null) {
          source = iterableFrom(items, method, symbolIterator, perStep, memory);
        } else {
          const len = lengthOf(items, "Array.fromAsync");
          count(len * memory);
          chargeMilli(len, perStep);
        }
      }
    } catch (e) {
      return reflectApply(promiseReject, NativePromise, [e]);
    }
    count(COSTS.memory_object);
    const args = mapFn === undefined ? [source] : [source, meteredCallback(mapFn), thisArg];
    return framed(fromAsync, C, args);
  },
}).fromAsync);

// ---- Array.prototype ---------------------------------------------------------------------
// O(1) work whatever the array: creating an iterator (its steps are paid by whatever drives
// it: a loop, a guard, or a metered built-in). Wrapping them would also turn off V8's fast
// for-of over arrays in every contract.
constant(ArrayProto, ["entries", "keys", "values", symbolIterator]);

const nullThis = (x) => x === undefined || x === null;

// push(...items): k elements written and counted; the length is not needed.
meter(ArrayProto, "push", (push) => ({
  push(...items) {
    const k = items.length;
    count(k * COSTS.memory_element);
    pay(k * COSTS.element);
    // A plain array has no setter a push could reach (an index past the length cannot
    // exist, and Array.prototype and Object.prototype are frozen without any).
    if (plainArray(this)) return reflectApply(push, this, items);
    return framed(push, this, items);
  },
}).push);

meter(ArrayProto, "pop", (pop) => ({
  pop() {
    pay(0);
    return framed(pop, this, []);
  },
}).pop);

meter(ArrayProto, "at", (at) => ({
  at(index) {
    pay(0);
    if (typeof index !== "number" && !nullThis(this)) {
      lengthOf(this, "Array.prototype.at");
      index = numArg(index);
    }
    return framed(at, this, [index]);
  },
}).at);

// The methods that walk the whole array: `len` elements, read once up front.
const walking = (name, extra) => meter(ArrayProto, name, (original) => ({
  [name]() {
    if (nullThis(this)) return reflectApply(original, this, arguments);
    const len = lengthOf(this, `Array.prototype.${name}`);
    if (name === "unshift") count(arguments.length * COSTS.memory_element);
    pay((len + (extra === undefined ? 0 : extra(arguments))) * COSTS.element);
    return framed(original, this, arguments);
  },
}[name]));
walking("reverse");
walking("shift");
walking("unshift", (args) => args.length);

// Methods with a callback per element: `len` elements, and each call of the callback.
// map, filter and flatMap of a plain array are written here (`madeHere`).
const withCallback = (name, onResult, madeHere) => meter(ArrayProto, name, (original) => ({
  [name](callback, thisArg) {
    if (nullThis(this) || typeof callback !== "function") return reflectApply(original, this, arguments);
    const len = lengthOf(this, `Array.prototype.${name}`);
    if (madeHere !== undefined && speciesPlain(this)) {
      pay(len * COSTS.element_access);
      enterFrame(SLOTS);
      try {
        return madeHere(this, len, meteredCallback(callback), thisArg);
      } finally {
        exitFrame(SLOTS);
      }
    }
    if (name === "map") countCreated(this, len);
    if (name === "filter" || name === "flatMap") countCreated(this, 0);
    if (madeHere !== undefined) nativeSpecies(this);
    pay(len * COSTS.element);
    let wrapped = meteredCallback(callback);
    if (onResult !== undefined) {
      const inner = wrapped;
      wrapped = function () {
        const result = reflectApply(inner, this, arguments);
        onResult(result);
        return result;
      };
    }
    const args = arguments.length < 2 ? [wrapped] : [wrapped, thisArg];
    return framed(original, this, args);
  },
}[name]));
for (const name of ["every", "some", "forEach", "find", "findIndex", "findLast", "findLastIndex", "reduce", "reduceRight"]) {
  withCallback(name);
}
withCallback("map", undefined, (O, len, callback, thisArg) => {
  count(COSTS.memory_object + len * COSTS.memory_element);
  const A = new NativeArray(len);
  for (let k = 0; k < len; k++) {
    if (k in O) A[k] = reflectApply(callback, thisArg, [O[k], k, O]);
  }
  return A;
});
// filter: each element kept is a new slot of the result.
const keptSlot = (kept) => {
  if (kept) count(COSTS.memory_element);
};
withCallback("filter", keptSlot, (O, len, callback, thisArg) => {
  count(COSTS.memory_object);
  const A = [];
  let to = 0;
  for (let k = 0; k < len; k++) {
    if (!(k in O)) continue;
    const value = O[k];
    const kept = reflectApply(callback, thisArg, [value, k, O]);
    keptSlot(kept);
    if (kept) A[to++] = value;
  }
  return A;
});
// flatMap: a callback's array result is copied into the result (one level: no recursion).
const flatMapped = (result) => {
  const n = isArray(result) ? result.length : 1;
  count(n * COSTS.memory_element);
  chargeMilli(n, COSTS.element);
  return n;
};
withCallback("flatMap", flatMapped, (O, len, callback, thisArg) => {
  count(COSTS.memory_object);
  const A = [];
  let to = 0;
  for (let k = 0; k < len; k++) {
    if (!(k in O)) continue;
    const mapped = reflectApply(callback, thisArg, [O[k], k, O]);
    if (!isArray(mapped)) {
      count(COSTS.memory_element);
      A[to++] = mapped;
      continue;
    }
    const n = mapped.length;
    count(n * COSTS.memory_element);
    chargeMilli(n, COSTS.element_access);
    for (let j = 0; j < n; j++) {
      if (j in mapped) A[to++] = mapped[j];
    }
  }
  return A;
});

meter(ArrayProto, "concat", (concat) => ({
  concat(...items) {
    if (nullThis(this)) return reflectApply(concat, this, items);
    // What each of `this` and the items gives: its length when spread, -1 when it is one
    // element.
    const spread = [spreadLength(NativeObject(this))];
    let total = spread[0] < 0 ? 1 : spread[0];
    for (let i = 0; i < items.length; i++) {
      spread[i + 1] = spreadLength(items[i]);
      total += spread[i + 1] < 0 ? 1 : spread[i + 1];
    }
    count(COSTS.memory_object + total * COSTS.memory_element);
    if (!speciesPlain(this)) {
      nativeSpecies(this);
      pay(total * COSTS.element);
      return framed(concat, this, items);
    }
    pay(total * COSTS.element_access);
    enterFrame(SLOTS);
    try {
      const A = new NativeArray(total);
      let n = 0;
      for (let i = 0; i <= items.length; i++) {
        const E = i === 0 ? this : items[i - 1];
        if (spread[i] < 0) {
          A[n++] = E;
          continue;
        }
        // Read again, as the specification does when it reaches E (an element's getter
        // may have changed it; what it added was paid for by whoever added it).
        const len = isArray(E) ? E.length : lengthOf(E, "Array.prototype.concat");
        if (n + len > MAX_SAFE_LENGTH) throw new NativeTypeError("Invalid array length");
        for (let k = 0; k < len; k++, n++) {
          if (k in E) A[n] = E[k];
        }
      }
      if (n !== total) A.length = n;
      return A;
    } finally {
      exitFrame(SLOTS);
    }
  },
}).concat);
// How many elements `concat` takes from `e`: its length if it is spread, else -1 (it is
// one element).
const spreadLength = (e) => {
  if (!isObject(e)) return -1;
  if (plainArray(e) && !hasOwn(e, symbolIsConcatSpreadable)) return e.length;
  const desc = lookup(e, symbolIsConcatSpreadable);
  let spread = desc === undefined ? undefined : desc.value;
  if (desc !== undefined && !hasOwn(desc, "value")) {
    throw new NativeTypeError(
      "Array.prototype.concat: Symbol.isConcatSpreadable must be a plain value, not a getter (isovm sizes the work from it before the work)");
  }
  if (spread === undefined) spread = isArray(e);
  return spread ? lengthOf(e, "Array.prototype.concat") : -1;
};

meter(ArrayProto, "copyWithin", (copyWithin) => ({
  copyWithin(target, start, end) {
    if (nullThis(this)) return reflectApply(copyWithin, this, arguments);
    const len = lengthOf(this, "Array.prototype.copyWithin");
    const t = numArg(target);
    const s = numArg(start);
    const e = numArg(end);
    const to = relIndex(t, len);
    const from = relIndex(s, len);
    const final = relIndex(e, len, len);
    pay(mathMax(mathMin(final - from, len - to), 0) * COSTS.element);
    return framed(copyWithin, this, [t, s, e]);
  },
}).copyWithin);

meter(ArrayProto, "fill", (fill) => ({
  fill(value, start, end) {
    if (nullThis(this)) return reflectApply(fill, this, arguments);
    const len = lengthOf(this, "Array.prototype.fill");
    const s = numArg(start);
    const e = numArg(end);
    const k = relIndex(s, len);
    const final = relIndex(e, len, len);
    // The slots it writes may be new (holes, or an object's elements): counted, except
    // those `Array(n)` counted already.
    const counted = isObject(this) ? reflectApply(weakMapGet, preallocated, [this]) : undefined;
    const from = counted === undefined ? k : mathMax(k, counted);
    if (final > from) {
      count((final - from) * COSTS.memory_element);
      if (counted !== undefined) reflectApply(weakMapSet, preallocated, [this, final]);
    }
    pay(mathMax(final - k, 0) * COSTS.element);
    return framed(fill, this, [value, s, e]);
  },
}).fill);

// Searches: the elements scanned, and the characters of a long string searched for
// (comparing it with each string element may read it whole).
const searchCost = (scanned, search) => {
  let milligas = scanned * COSTS.element;
  if (typeof search === "string" && search.length > SHORT_STRING) {
    milligas += scanned * search.length * COSTS.string_read;
  }
  pay(milligas);
};
for (const name of ["includes", "indexOf"]) {
  meter(ArrayProto, name, (original) => ({
    [name](search, fromIndex) {
      if (nullThis(this)) return reflectApply(original, this, arguments);
      const len = lengthOf(this, `Array.prototype.${name}`);
      // An empty array answers before converting fromIndex.
      if (len === 0) {
        pay(0);
        return reflectApply(original, this, arguments);
      }
      const from = numArg(fromIndex);
      const n = toInt(from);
      const k = n >= 0 ? n : mathMax(len + n, 0);
      searchCost(mathMax(len - k, 0), search);
      return framed(original, this, [search, from]);
    },
  }[name]));
}
meter(ArrayProto, "lastIndexOf", (lastIndexOf) => ({
  lastIndexOf(search, fromIndex) {
    if (nullThis(this)) return reflectApply(lastIndexOf, this, arguments);
    const len = lengthOf(this, "Array.prototype.lastIndexOf");
    if (len === 0 || arguments.length < 2) {
      searchCost(len, search);
      return framed(lastIndexOf, this, arguments);
    }
    const from = numArg(fromIndex);
    const n = toInt(from);
    const k = n >= 0 ? mathMin(n, len - 1) : len + n;
    searchCost(mathMax(k + 1, 0), search);
    return framed(lastIndexOf, this, [search, from]);
  },
}).lastIndexOf);

meter(ArrayProto, "slice", (slice) => ({
  slice(start, end) {
    if (nullThis(this)) return reflectApply(slice, this, arguments);
    const len = lengthOf(this, "Array.prototype.slice");
    const s = numArg(start);
    const e = numArg(end);
    const k = relIndex(s, len);
    const final = relIndex(e, len, len);
    const n = mathMax(final - k, 0);
    if (!speciesPlain(this)) {
      countCreated(this, n);
      nativeSpecies(this);
      pay(n * COSTS.element);
      return framed(slice, this, [s, e]);
    }
    count(COSTS.memory_object + n * COSTS.memory_element);
    pay(n * COSTS.element_access);
    enterFrame(SLOTS);
    try {
      const A = new NativeArray(n);
      for (let i = 0; i < n; i++) {
        if (k + i in this) A[i] = this[k + i];
      }
      return A;
    } finally {
      exitFrame(SLOTS);
    }
  },
}).slice);

// The arguments of splice/toSpliced, converted once, and what they select.
const spliceArgs = (args, len) => {
  const n = args.length;
  const converted = [];
  let start = 0;
  let skip = 0;
  if (n > 0) {
    converted[0] = numArg(args[0]);
    start = relIndex(converted[0], len);
    skip = len - start;
  }
  if (n > 1) {
    converted[1] = numArg(args[1]);
    skip = mathMin(mathMax(toInt(converted[1]), 0), len - start);
  }
  for (let i = 2; i < n; i++) converted[i] = args[i];
  return { converted, start, skip, items: mathMax(n - 2, 0) };
};
meter(ArrayProto, "splice", (splice) => ({
  splice() {
    if (nullThis(this)) return reflectApply(splice, this, arguments);
    const len = lengthOf(this, "Array.prototype.splice");
    const a = spliceArgs(arguments, len);
    count(mathMax(a.items - a.skip, 0) * COSTS.memory_element);
    // A plain array that is extensible (a sealed or frozen one gets the native's errors).
    if (!speciesPlain(this) || !isExtensible(this)) {
      countCreated(this, a.skip);
      nativeSpecies(this);
      pay((len - a.start + a.items) * COSTS.element);
      return framed(splice, this, a.converted);
    }
    count(COSTS.memory_object + a.skip * COSTS.memory_element);
    pay((len - a.start + a.items) * COSTS.element_access);
    enterFrame(SLOTS);
    try {
      return spliceHere(this, len, a);
    } finally {
      exitFrame(SLOTS);
    }
  },
}).splice);
// Array.prototype.splice's steps, on a plain extensible array.
const spliceHere = (O, len, a) => {
  const start = a.start;
  const skip = a.skip;
  const itemCount = a.items;
  const A = new NativeArray(skip);
  for (let k = 0; k < skip; k++) {
    if (start + k in O) A[k] = O[start + k];
  }
  if (itemCount < skip) {
    for (let k = start; k < len - skip; k++) {
      const from = k + skip;
      const to = k + itemCount;
      if (from in O) O[to] = O[from];
      else delete O[to];
    }
    for (let k = len; k > len - skip + itemCount; k--) delete O[k - 1];
  } else if (itemCount > skip) {
    for (let k = len - skip; k > start; k--) {
      const from = k + skip - 1;
      const to = k + itemCount - 1;
      if (from in O) O[to] = O[from];
      else delete O[to];
    }
  }
  for (let i = 0; i < itemCount; i++) O[start + i] = a.converted[i + 2];
  O.length = len - skip + itemCount;
  return A;
};

// The copying methods make a new array of the length they compute (ArrayCreate: a length
// past 2^32 - 1 is the native's RangeError, before any work).
meter(ArrayProto, "toSpliced", (toSpliced) => ({
  toSpliced() {
    if (nullThis(this)) return reflectApply(toSpliced, this, arguments);
    const len = lengthOf(this, "Array.prototype.toSpliced");
    const a = spliceArgs(arguments, len);
    const newLen = len + a.items - a.skip;
    if (newLen <= MAX_ARRAY_LENGTH) {
      count(COSTS.memory_object + newLen * COSTS.memory_element);
      pay(newLen * COSTS.element);
    }
    return framed(toSpliced, this, a.converted);
  },
}).toSpliced);
meter(ArrayProto, "toReversed", (toReversed) => ({
  toReversed() {
    if (nullThis(this)) return reflectApply(toReversed, this, arguments);
    const len = lengthOf(this, "Array.prototype.toReversed");
    if (len <= MAX_ARRAY_LENGTH) {
      count(COSTS.memory_object + len * COSTS.memory_element);
      pay(len * COSTS.element);
    }
    return framed(toReversed, this, []);
  },
}).toReversed);
meter(ArrayProto, "with", (withIndex) => ({
  with(index, value) {
    if (nullThis(this)) return reflectApply(withIndex, this, arguments);
    const len = lengthOf(this, "Array.prototype.with");
    const i = numArg(index);
    if (len <= MAX_ARRAY_LENGTH) {
      count(COSTS.memory_object + len * COSTS.memory_element);
      pay(len * COSTS.element);
    }
    return framed(withIndex, this, [i, value]);
  },
}).with);

// ---- Sorting -----------------------------------------------------------------------------
// The native sort runs on a plain list of the values, collected and written back here as the
// specification's SortIndexedProperties does (each index read once, in order), so that what
// it compares is known: `n * ceil(log2 n)` comparisons paid up front, plus each call of a
// comparator, or, for the default order, the characters of long strings it compares.
const comparisons = (n) => (n < 2 ? 0 : n * mathCeil(mathLog2(n)));

// The default order (SortCompare with no comparator: ToString of both, every comparison,
// as V8 does) for lists holding objects, whose conversion runs contract code.
const defaultCompare = (x, y) => {
  const xs = toStr(x);
  const ys = toStr(y);
  readChars(mathMin(xs.length, ys.length));
  return xs < ys ? -1 : xs > ys ? 1 : 0;
};

// Sorts `items` (a plain array of values) as `sort(comparefn)` would, paying for it.
const sortList = (items, comparefn) => {
  const n = items.length;
  if (comparefn !== undefined) {
    chargeMilli(comparisons(n), COSTS.sort_compare);
    return reflectApply(nativeSort, items, [meteredCallback(comparefn)]);
  }
  let objects = false;
  let longest = 0;
  for (let i = 0; i < n; i++) {
    const x = items[i];
    if (typeof x === "string") {
      if (x.length > longest) longest = x.length;
    } else if (isObject(x)) {
      objects = true;
    }
  }
  chargeMilli(comparisons(n), COSTS.sort_compare_default);
  if (objects) return reflectApply(nativeSort, items, [defaultCompare]);
  // Numbers convert to short strings; long strings may be read whole by each comparison.
  if (longest > SHORT_STRING) chargeMilli(comparisons(n) * longest, COSTS.string_read);
  return reflectApply(nativeSort, items, []);
};

meter(ArrayProto, "sort", (sort) => ({
  sort(comparefn) {
    if ((comparefn !== undefined && typeof comparefn !== "function") || nullThis(this)) {
      return reflectApply(sort, this, arguments);
    }
    const O = NativeObject(this);
    const len = lengthOf(O, "Array.prototype.sort");
    count(len * COSTS.memory_element);
    pay(2 * len * COSTS.element_access);
    enterFrame(SLOTS);
    try {
      const items = [];
      for (let k = 0; k < len; k++) {
        if (k in O) items[items.length] = O[k];
      }
      sortList(items, comparefn);
      const n = items.length;
      for (let k = 0; k < n; k++) O[k] = items[k];
      for (let k = n; k < len; k++) delete O[k];
      return O;
    } finally {
      exitFrame(SLOTS);
    }
  },
}).sort);

meter(ArrayProto, "toSorted", (toSorted) => ({
  toSorted(comparefn) {
    if ((comparefn !== undefined && typeof comparefn !== "function") || nullThis(this)) {
      return reflectApply(toSorted, this, arguments);
    }
    const O = NativeObject(this);
    const len = lengthOf(O, "Array.prototype.toSorted");
    if (len > MAX_ARRAY_LENGTH) return reflectApply(toSorted, this, arguments);
    count(COSTS.memory_object + len * COSTS.memory_element);
    pay(len * COSTS.element_access);
    enterFrame(SLOTS);
    try {
      const items = [];
      for (let k = 0; k < len; k++) items[k] = O[k];
      return sortList(items, comparefn);
    } finally {
      exitFrame(SLOTS);
    }
  },
}).toSorted);

// ---- Joining ------------------------------------------------------------------------------
// join, toString and toLocaleString convert the elements here, in order, each once, and
// pay for the string before the native joins the pieces (which then runs no contract
// code): its length is only known once every element is converted. Each level of nested
// arrays is a built-in frame (an element's toString is this join again), so depth is
// counted, never the real stack. Arrays already being joined are empty strings, as in V8.
const joinStack = [];
const joining = (o) => {
  for (let i = 0; i < joinStack.length; i++) if (joinStack[i] === o) return true;
  return false;
};

const joinElements = (O, len, sep, convert) => {
  if (len === 0 || joining(O)) return "";
  count(len * COSTS.memory_element);
  pay(len * COSTS.element_access);
  enterFrame(SLOTS);
  joinStack[joinStack.length] = O;
  try {
    const pieces = [];
    let total = (len - 1) * sep.length;
    for (let k = 0; k < len; k++) {
      const e = O[k];
      // A number is formatted (the commonest element, and the dearest to convert).
      if (typeof e === "number") charge(COSTS.number_format);
      const piece = e === undefined || e === null ? "" : convert(e);
      pieces[k] = piece;
      total += piece.length;
    }
    newString(total);
    return reflectApply(nativeJoin, pieces, [sep]);
  } finally {
    joinStack.length--;
    exitFrame(SLOTS);
  }
};

// The length as join reads it: once, through a getter if it is one (join is written here,
// so nothing reads it twice).
const joinLength = (O) => {
  const len = toLength(numArg(O.length));
  if (len > MAX_ARRAY_LENGTH) throw new NativeTypeError("Invalid array length");
  return len;
};

let arrayJoin;
meter(ArrayProto, "join", (join) => ({
  join(separator) {
    if (nullThis(this)) return reflectApply(join, this, arguments);
    const O = NativeObject(this);
    const len = joinLength(O);
    const sep = separator === undefined ? "," : toStr(separator);
    return joinElements(O, len, sep, (e) => (typeof e === "string" ? e : toStr(e)));
  },
}).join);
arrayJoin = ArrayProto.join;

const toLocaleStringOf = (e) => {
  const method = e.toLocaleString;
  if (typeof method !== "function") throw notAFunction(method);
  return toStr(reflectApply(method, e, []));
};
meter(ArrayProto, "toLocaleString", (toLocaleString) => ({
  toLocaleString() {
    if (nullThis(this)) return reflectApply(toLocaleString, this, arguments);
    const O = NativeObject(this);
    return joinElements(O, joinLength(O), ",", toLocaleStringOf);
  },
}).toLocaleString);

// toString: `this.join()` if it has one, else Object.prototype.toString. The typed arrays'
// prototype shares this very function (41-buffers.js).
meter(ArrayProto, "toString", (toString) => ({
  toString() {
    if (nullThis(this)) return reflectApply(toString, this, arguments);
    pay(0);
    const O = NativeObject(this);
    const join = O.join;
    // The metered join is a frame of its own: one level per nested array, not two.
    if (join === arrayJoin) return reflectApply(join, O, []);
    return framed(typeof join === "function" ? join : objectToString, O, []);
  },
}).toString);
const arrayToString = ArrayProto.toString;

// ---- flat ----------------------------------------------------------------------------------
// FlattenIntoArray, here: each nested array flattened is one built-in frame, so depth is
// counted (a nesting deeper than the call-depth limit is the same RangeError everywhere),
// and each level pays for its elements before visiting them.
const arraySpeciesCreate = (O, length) => {
  if (!isArray(O)) return new NativeArray(length);
  let C = O.constructor;
  if (isObject(C)) {
    C = C[symbolSpecies];
    if (C === null) C = undefined;
  }
  if (C === undefined || C === ArrayWrapper) return new NativeArray(length);
  if (!isConstructor(C)) throw new NativeTypeError("object.constructor[Symbol.species] is not a constructor");
  return reflectConstruct(C, [length]);
};
const createDataProperty = (target, index, value) => {
  if (index >= MAX_SAFE_LENGTH) throw new NativeTypeError("Invalid array length");
  if (!reflectDefineProperty(target, index, { value, writable: true, enumerable: true, configurable: true })) {
    throw new NativeTypeError(`Cannot add property ${index}, object is not extensible`);
  }
};
// The elements of `source` (an array, or the array-like `this`) from index 0, appended to
// `target` (`plain`: an array with no setter on its chain, to which assignment defines the
// property). A nested array is flattened in a built-in frame of its own, paid as a call;
// `flat` restores the depth counters if anything throws.
const flattenInto = (target, plain, source, sourceLen, start, levels) => {
  count(sourceLen * COSTS.memory_element);
  chargeMilli(sourceLen, COSTS.element_access);
  let targetIndex = start;
  for (let i = 0; i < sourceLen; i++) {
    if (!(i in source)) continue;
    const element = source[i];
    if (levels > 0 && isArray(element)) {
      chargeMilli(1, COSTS.callback);
      enterFrame(SLOTS);
      targetIndex = flattenInto(target, plain, element, element.length, targetIndex, levels - 1);
      exitFrame(SLOTS);
    } else if (plain && targetIndex < MAX_ARRAY_LENGTH) {
      target[targetIndex++] = element;
    } else {
      createDataProperty(target, targetIndex++, element);
    }
  }
  return targetIndex;
};
meter(ArrayProto, "flat", (flat) => ({
  flat(depthArg) {
    if (nullThis(this)) return reflectApply(flat, this, arguments);
    pay(0);
    const O = NativeObject(this);
    const sourceLen = lengthOf(O, "Array.prototype.flat");
    let depthNum = 1;
    if (depthArg !== undefined) {
      depthNum = toInt(numArg(depthArg));
      if (depthNum < 0) depthNum = 0;
    }
    const savedDepth = depth;
    const savedStack = stack;
    enterFrame(SLOTS);
    try {
      const A = arraySpeciesCreate(O, 0);
      count(COSTS.memory_object);
      const plain = plainArray(A);
      flattenInto(A, plain, O, sourceLen, 0, depthNum);
      return A;
    } finally {
      depth = savedDepth;
      stack = savedStack;
    }
  },
}).flat);
