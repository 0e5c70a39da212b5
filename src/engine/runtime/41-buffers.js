// Metered built-ins: ArrayBuffer, the typed arrays, DataView; and no BigInt.
//
// Buffer bytes are counted as memory by the ArrayBuffer allocator (src/engine/buffers.rs),
// whichever built-in allocates them; the wrappers here never count them again. They pay gas
// for the bytes a buffer's allocation zero-fills (`buffer_byte` each) and for the elements
// a method visits, converts or copies (`element` each), and check before an allocation
// that the allocator will grant it, so that a buffer past the budget ends the call as over
// its memory limit whatever gas is left.

// ---- No BigInt ---------------------------------------------------------------------------
// No bigint value can exist (docs/determinism.md): no constructor (literals are refused at
// deploy), and nothing that makes one.
remove(G, ["BigInt", "BigInt64Array", "BigUint64Array"]);
remove(DataView.prototype, ["getBigInt64", "setBigInt64", "getBigUint64", "setBigUint64"]);

const NativeArrayBuffer = ArrayBuffer;
const NativeDataView = DataView;
const NativeUint8Array = Uint8Array;
const typedArraySet = TypedArrayProto.set;
const typedArrayBuffer = getOwnPropertyDescriptor(TypedArrayProto, "buffer").get;
const typedArrayByteOffset = getOwnPropertyDescriptor(TypedArrayProto, "byteOffset").get;
const arrayBufferDetached = getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached").get;
const arrayBufferByteLength = getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get;
const dataViewBuffer = getOwnPropertyDescriptor(DataView.prototype, "buffer").get;

const isArrayBuffer = (x) => internalSize(arrayBufferByteLength, x) >= 0;
const isDataView = (x) => {
  try {
    reflectApply(dataViewBuffer, x, []);
    return true;
  } catch (e) {
    return false;
  }
};

// Before the allocator is asked for `bytes`: refused first if it will be refused, then the
// zero-filling paid.
const allocation = (bytes) => {
  if (bytes > 0) {
    if (cell[2] + bytes > cell[3]) natives.memoryLimit();
    chargeMilli(bytes, COSTS.buffer_byte);
  }
};
// ToIndex of a primitive, or -1 when the native will throw its RangeError.
const toIndex = (p) => {
  const n = toInt(p);
  return n >= 0 && n <= MAX_SAFE_LENGTH ? n : -1;
};

// The wrappers of constructors. Each is a function of its own name, from a literal (V8
// names an object in its messages, `#<Map>`, by its constructor's own name, which only a
// literal gives a function); it hands the intrinsic to construct with (the wrapper itself
// as `new.target` constructs the intrinsic, a subclass itself; undefined when called
// without `new`) and its arguments to the implementation installed by `wrapConstructor`,
// and has the intrinsic's prototype and statics.
const constructors = {};
const constructorShells = {
  ArrayBuffer: function (length, options) { return constructors.ArrayBuffer(new.target, arguments); },
  DataView: function (buffer, byteOffset, byteLength) { return constructors.DataView(new.target, arguments); },
  Int8Array: function (a, b, c) { return constructors.Int8Array(new.target, arguments); },
  Uint8Array: function (a, b, c) { return constructors.Uint8Array(new.target, arguments); },
  Uint8ClampedArray: function (a, b, c) { return constructors.Uint8ClampedArray(new.target, arguments); },
  Int16Array: function (a, b, c) { return constructors.Int16Array(new.target, arguments); },
  Uint16Array: function (a, b, c) { return constructors.Uint16Array(new.target, arguments); },
  Int32Array: function (a, b, c) { return constructors.Int32Array(new.target, arguments); },
  Uint32Array: function (a, b, c) { return constructors.Uint32Array(new.target, arguments); },
  Float32Array: function (a, b, c) { return constructors.Float32Array(new.target, arguments); },
  Float64Array: function (a, b, c) { return constructors.Float64Array(new.target, arguments); },
  Map: function (iterable) { return constructors.Map(new.target, arguments); },
  Set: function (iterable) { return constructors.Set(new.target, arguments); },
  WeakMap: function (iterable) { return constructors.WeakMap(new.target, arguments); },
  WeakSet: function (iterable) { return constructors.WeakSet(new.target, arguments); },
};
const wrapConstructor = (Original, construct) => {
  const name = Original.name;
  const Wrapper = constructorShells[name];
  constructors[name] = (newTarget, args) =>
    construct(newTarget === Wrapper ? Original : newTarget, args);
  meter(G, name, () => Wrapper);
  const keys = reflectOwnKeys(Original);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key !== "length" && key !== "name") {
      reflectDefineProperty(Wrapper, key, getOwnPropertyDescriptor(Original, key));
    }
  }
  reflectSetPrototypeOf(Wrapper, reflectGetPrototypeOf(Original));
  reflectDefineProperty(Original.prototype, "constructor", {
    value: Wrapper, writable: true, enumerable: false, configurable: true,
  });
  return Wrapper;
};

// ---- ArrayBuffer --------------------------------------------------------------------------
const RESIZABLE_REFUSED =
  "ArrayBuffer: resizable buffers (the maxByteLength option) are not available to contracts: V8 reserves their memory outside the transaction's memory budget";
const ArrayBufferWrapper = wrapConstructor(NativeArrayBuffer, (target, args) => {
  if (target === undefined) return reflectApply(NativeArrayBuffer, undefined, []);
  const options = args[1];
  const p = numArg(args[0]);
  const n = toIndex(p);
  if (n < 0) return reflectConstruct(NativeArrayBuffer, [p], target);
  if (isObject(options) && options.maxByteLength !== undefined) {
    throw new NativeTypeError(RESIZABLE_REFUSED);
  }
  pay(0);
  allocation(n);
  return reflectConstruct(NativeArrayBuffer, [p], target);
});
constant(ArrayBufferWrapper, ["isView", symbolSpecies]);
{
  const proto = NativeArrayBuffer.prototype;
  // resize throws for every buffer a contract can have (none is resizable).
  constant(proto, ["byteLength", "maxByteLength", "resizable", "detached", "resize"]);
  // slice: the new buffer is made by the species constructor; for a plain buffer (whose
  // species is the wrapper: see "Arrays made from arrays", 40-arrays.js) here, with the
  // intrinsic; otherwise by the native (the wrapper pays its filling).
  meter(proto, "slice", (slice) => ({
    slice(start, end) {
      const len = internalSize(arrayBufferByteLength, this);
      if (len < 0 || reflectApply(arrayBufferDetached, this, [])) return reflectApply(slice, this, arguments);
      const s = numArg(start);
      const e = numArg(end);
      const first = relIndex(s, len);
      const n = mathMax(relIndex(e, len, len) - first, 0);
      pay(n * COSTS.buffer_byte);
      const plain = reflectGetPrototypeOf(this) === proto && !hasOwn(this, "constructor");
      if (!plain || reflectApply(arrayBufferDetached, this, [])) {
        charge(COSTS.species_create);
        return framed(slice, this, [s, e]);
      }
      allocation(n);
      const copy = new NativeArrayBuffer(n);
      if (n > 0) reflectApply(typedArraySet, new NativeUint8Array(copy), [new NativeUint8Array(this, first, n)]);
      return copy;
    },
  }).slice);
  // A copy into a new fixed-length buffer of the length asked for (counted by the
  // allocator; moving a buffer of the same length allocates nothing).
  for (const name of ["transfer", "transferToFixedLength"]) {
    meter(proto, name, (original) => ({
      [name](newLength) {
        const len = internalSize(arrayBufferByteLength, this);
        if (len < 0) return reflectApply(original, this, arguments);
        const p = numArg(newLength);
        const n = p === undefined ? len : toIndex(p);
        pay(0);
        if (n > len) allocation(n);
        chargeMilli(mathMin(n, len), COSTS.buffer_byte);
        return reflectApply(original, this, arguments.length === 0 ? [] : [p]);
      },
    }[name]));
  }
}

// ---- Typed arrays ---------------------------------------------------------------------------
const BYTES_PER_ELEMENT = {
  Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 2, Uint16Array: 2,
  Int32Array: 4, Uint32Array: 4, Float32Array: 4, Float64Array: 8,
};
// The most characters an element's ToString can have (join, toLocaleString).
const ELEMENT_CHARS = {
  Int8Array: 4, Uint8Array: 3, Uint8ClampedArray: 3, Int16Array: 6, Uint16Array: 5,
  Int32Array: 11, Uint32Array: 10, Float32Array: 24, Float64Array: 24,
};
// The length of typed array `x`, or -1 when `x` is none (the method's own TypeError then).
const typedLength = (x) => (isTypedArray(x) ? reflectApply(typedArrayLength, x, []) : -1);
const typedName = (x) => reflectApply(typedArrayTag, x, []);

const typedWrappers = new NativeWeakSet();
// The intrinsic constructor of each kind, by its name.
const typedIntrinsics = {};
for (const name of ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
  "Int32Array", "Uint32Array", "Float32Array", "Float64Array"]) {
  const Original = G[name];
  typedIntrinsics[name] = Original;
  const size = BYTES_PER_ELEMENT[name];
  const Wrapper = wrapConstructor(Original, (target, args) => {
    if (target === undefined) return reflectApply(Original, undefined, []);
    const first = args[0];
    pay(0);
    if (!isObject(first)) {
      // A length (nothing, or undefined, is 0).
      const p = numArg(first);
      const n = toIndex(p);
      if (n >= 0) allocation(n * size);
      return reflectConstruct(Original, args.length === 0 ? [] : [p], target);
    }
    if (isArrayBuffer(first)) {
      // A view: nothing is copied.
      const o = numArg(args[1]);
      const l = args[2] === undefined ? undefined : numArg(args[2]);
      return reflectConstruct(Original, [first, o, l], target);
    }
    let source = first;
    let n = typedLength(first);
    if (n < 0) n = knownSteps(first);
    if (n < 0) {
      // An iterable is collected first (each step paid), an array-like read by its length.
      const method = first[symbolIterator];
      if (method === undefined || method === null) {
        n = lengthOf(first, `${name} constructor`);
      } else {
        source = iterableFrom(first, method, symbolIterator,
          COSTS.element + size * COSTS.buffer_byte, COSTS.memory_element);
        n = 0;
      }
    }
    chargeMilli(n, COSTS.element);
    allocation(n * size);
    enterFrame(SLOTS);
    try {
      return reflectConstruct(Original, [source], target);
    } finally {
      exitFrame(SLOTS);
    }
  });
  reflectApply(weakSetAdd, typedWrappers, [Wrapper]);
}

const typedIsConstructor = (C) => reflectApply(weakSetHas, typedWrappers, [C]) || isConstructor(C);

// %TypedArray%: abstract (it throws however it is called), its species getter returns
// `this`, and its prototype's getters read internal slots.
classify(TypedArray, "constant", "%TypedArray%");
constant(TypedArray, [symbolSpecies]);
constant(TypedArrayProto, ["buffer", "byteLength", "byteOffset", "length", Symbol.toStringTag,
  "entries", "keys", "values", symbolIterator]);
reflectDefineProperty(TypedArrayProto, "toString", {
  value: arrayToString, writable: true, enumerable: false, configurable: true,
});

meter(TypedArray, "from", (from) => ({
  from(source, mapFn, thisArg) {
    if (!typedIsConstructor(this) || (mapFn !== undefined && typeof mapFn !== "function") ||
        source === undefined || source === null) {
      return reflectApply(from, this, arguments);
    }
    pay(0);
    // The new typed array is made by `this` (a wrapper pays its allocation); here, the
    // elements read and converted.
    let items = source;
    if (typeof source === "string") {
      chargeMilli(source.length, COSTS.element);
    } else if (isObject(source)) {
      const steps = knownSteps(source);
      if (steps >= 0) {
        chargeMilli(steps, COSTS.element);
      } else {
        const method = source[symbolIterator];
        if (method === undefined || method === null) {
          chargeMilli(lengthOf(source, "TypedArray.from"), COSTS.element);
        } else {
          items = iterableFrom(source, method, symbolIterator, COSTS.element, COSTS.memory_element);
        }
      }
    }
    const args = mapFn === undefined ? [items] : [items, meteredCallback(mapFn), thisArg];
    return framed(from, this, args);
  },
}).from);
meter(TypedArray, "of", (of) => ({
  of(...items) {
    pay(items.length * COSTS.element);
    return framed(of, this, items);
  },
}).of);

// The prototype's methods: `this` must be a typed array on a buffer that is not detached
// (else the native's TypeError, before any argument is converted), whose length is its
// internal one.
const typedMethod = (name, body) => meter(TypedArrayProto, name, (original) => ({
  [name]() {
    const len = typedLength(this);
    // (A detached buffer reads as length 0: the native throws its TypeError.)
    if (len < 0 || (len === 0 && reflectApply(arrayBufferDetached, reflectApply(typedArrayBuffer, this, []), []))) {
      return reflectApply(original, this, arguments);
    }
    return body(original, this, len, arguments);
  },
}[name]));

typedMethod("at", (at, ta, len, args) => {
  pay(0);
  return reflectApply(at, ta, [numArg(args[0])]);
});
typedMethod("copyWithin", (copyWithin, ta, len, args) => {
  const t = numArg(args[0]);
  const s = numArg(args[1]);
  const e = numArg(args[2]);
  const moved = mathMin(relIndex(e, len, len) - relIndex(s, len), len - relIndex(t, len));
  pay(mathMax(moved, 0) * COSTS.typed_element);
  return framed(copyWithin, ta, [t, s, e]);
});
typedMethod("fill", (fill, ta, len, args) => {
  const v = numArg(args[0]);
  const s = numArg(args[1]);
  const e = numArg(args[2]);
  pay(mathMax(relIndex(e, len, len) - relIndex(s, len), 0) * COSTS.typed_element);
  return framed(fill, ta, [v, s, e]);
});
for (const name of ["includes", "indexOf"]) {
  typedMethod(name, (original, ta, len, args) => {
    if (len === 0) {
      pay(0);
      return reflectApply(original, ta, args);
    }
    const from = numArg(args[1]);
    const n = toInt(from);
    pay(mathMax(len - (n >= 0 ? n : mathMax(len + n, 0)), 0) * COSTS.typed_element);
    return framed(original, ta, [args[0], from]);
  });
}
typedMethod("lastIndexOf", (lastIndexOf, ta, len, args) => {
  if (len === 0 || args.length < 2) {
    pay(len * COSTS.typed_element);
    return framed(lastIndexOf, ta, args);
  }
  const from = numArg(args[1]);
  const n = toInt(from);
  pay(mathMax((n >= 0 ? mathMin(n, len - 1) : len + n) + 1, 0) * COSTS.typed_element);
  return framed(lastIndexOf, ta, [args[0], from]);
});
typedMethod("reverse", (reverse, ta, len) => {
  pay(len * COSTS.typed_element);
  return reflectApply(reverse, ta, []);
});
typedMethod("toReversed", (toReversed, ta, len) => {
  pay(len * COSTS.typed_element);
  allocation(len * BYTES_PER_ELEMENT[typedName(ta)]);
  return reflectApply(toReversed, ta, []);
});
typedMethod("with", (withIndex, ta, len, args) => {
  const i = numArg(args[0]);
  const v = numArg(args[1]);
  pay(len * COSTS.typed_element);
  allocation(len * BYTES_PER_ELEMENT[typedName(ta)]);
  return reflectApply(withIndex, ta, [i, v]);
});
// The methods that make a typed array through the species constructor (slice, subarray,
// map, filter) make it here with the intrinsic when `ta` is plain (its species is the
// wrapper: see "Arrays made from arrays", 40-arrays.js); otherwise the native does, paying
// `species_create`.
const typedIntrinsic = (ta) => {
  const Original = typedIntrinsics[typedName(ta)];
  return reflectGetPrototypeOf(ta) === Original.prototype && !hasOwn(ta, "constructor") ? Original : undefined;
};
typedMethod("slice", (slice, ta, len, args) => {
  const s = numArg(args[0]);
  const e = numArg(args[1]);
  const k = relIndex(s, len);
  const count = mathMax(relIndex(e, len, len) - k, 0);
  pay(count * COSTS.typed_element);
  const Original = typedIntrinsic(ta);
  // (A conversion may have detached or shrunk the buffer: the native's TypeError.)
  if (Original === undefined || typedLength(ta) < k + count) {
    charge(COSTS.species_create);
    return framed(slice, ta, [s, e]);
  }
  const size = BYTES_PER_ELEMENT[typedName(ta)];
  allocation(count * size);
  const copy = new Original(count);
  if (count > 0) {
    const offset = reflectApply(typedArrayByteOffset, ta, []) + k * size;
    reflectApply(typedArraySet, copy, [new Original(reflectApply(typedArrayBuffer, ta, []), offset, count)]);
  }
  return copy;
});
typedMethod("subarray", (subarray, ta, len, args) => {
  const b = numArg(args[0]);
  const e = numArg(args[1]);
  pay(0);
  const Original = typedIntrinsic(ta);
  if (Original === undefined) {
    charge(COSTS.species_create);
    return framed(subarray, ta, [b, e]);
  }
  const begin = relIndex(b, len);
  const size = BYTES_PER_ELEMENT[typedName(ta)];
  const offset = reflectApply(typedArrayByteOffset, ta, []) + begin * size;
  return new Original(reflectApply(typedArrayBuffer, ta, []), offset, mathMax(relIndex(e, len, len) - begin, 0));
});
typedMethod("set", (set, ta, len, args) => {
  const offset = numArg(args[1]);
  const source = args[0];
  const n = typedLength(source);
  // From a typed array a flat copy; from anything else each element is read and converted.
  pay(n >= 0 ? n * COSTS.typed_element : lengthOf(source, "TypedArray.prototype.set") * COSTS.element);
  return framed(set, ta, [source, offset]);
});
// join and toLocaleString: the string is at most the longest ToString of an element per
// element, plus the separators.
typedMethod("join", (join, ta, len, args) => {
  const sep = args[0] === undefined ? "," : strArg(args[0]);
  // Each element is a number formatted.
  pay(len * (COSTS.element + 1000 * COSTS.number_format));
  if (len > 0) newString(len * ELEMENT_CHARS[typedName(ta)] + (len - 1) * sep.length);
  return reflectApply(join, ta, [sep]);
});
typedMethod("toLocaleString", (toLocaleString, ta, len) => {
  pay(len * (COSTS.element + 1000 * COSTS.number_format));
  if (len > 0) newString(len * (ELEMENT_CHARS[typedName(ta)] + 1));
  return framed(toLocaleString, ta, []);
});
for (const name of ["every", "some", "forEach", "map", "find", "findIndex", "findLast", "findLastIndex", "reduce", "reduceRight", "filter"]) {
  const makes = name === "map" || name === "filter";
  typedMethod(name, (original, ta, len, args) => {
    const callback = args[0];
    if (typeof callback !== "function") return reflectApply(original, ta, args);
    pay(len * COSTS.element);
    const Original = makes ? typedIntrinsic(ta) : undefined;
    if (Original !== undefined) {
      enterFrame(SLOTS);
      try {
        return (name === "map" ? typedMapHere : typedFilterHere)(Original, ta, len, meteredCallback(callback), args[1]);
      } finally {
        exitFrame(SLOTS);
      }
    }
    if (makes) charge(COSTS.species_create);
    let wrapped = meteredCallback(callback);
    if (name === "filter") {
      // Each element kept is a slot of the list the result is made from.
      const inner = wrapped;
      wrapped = function () {
        const kept = reflectApply(inner, this, arguments);
        if (kept) count(COSTS.memory_element);
        return kept;
      };
    }
    return framed(original, ta, args.length < 2 ? [wrapped] : [wrapped, args[1]]);
  });
}
// map and filter of a plain typed array, as the specification does them.
const typedMapHere = (Original, ta, len, callback, thisArg) => {
  allocation(len * BYTES_PER_ELEMENT[typedName(ta)]);
  const A = new Original(len);
  for (let k = 0; k < len; k++) A[k] = reflectApply(callback, thisArg, [ta[k], k, ta]);
  return A;
};
const typedFilterHere = (Original, ta, len, callback, thisArg) => {
  const kept = [];
  for (let k = 0; k < len; k++) {
    const value = ta[k];
    if (reflectApply(callback, thisArg, [value, k, ta])) {
      count(COSTS.memory_element);
      kept[kept.length] = value;
    }
  }
  const n = kept.length;
  allocation(n * BYTES_PER_ELEMENT[typedName(ta)]);
  const A = new Original(n);
  for (let i = 0; i < n; i++) A[i] = kept[i];
  return A;
};
for (const name of ["sort", "toSorted"]) {
  typedMethod(name, (original, ta, len, args) => {
    const comparefn = args[0];
    if (comparefn !== undefined && typeof comparefn !== "function") return reflectApply(original, ta, args);
    pay(len * COSTS.element);
    chargeMilli(comparisons(len), COSTS.sort_compare);
    if (name === "toSorted") allocation(len * BYTES_PER_ELEMENT[typedName(ta)]);
    if (comparefn === undefined) return reflectApply(original, ta, []);
    // With a comparator V8 sorts a copy of the elements.
    count(len * COSTS.memory_element);
    return framed(original, ta, [meteredCallback(comparefn)]);
  });
}

// ---- DataView -------------------------------------------------------------------------------
wrapConstructor(NativeDataView, (target, args) => {
  if (target === undefined) return reflectApply(NativeDataView, undefined, []);
  const buffer = args[0];
  if (!isArrayBuffer(buffer)) return reflectConstruct(NativeDataView, [buffer], target);
  pay(0);
  const o = numArg(args[1]);
  const l = args[2] === undefined ? undefined : numArg(args[2]);
  return reflectConstruct(NativeDataView, [buffer, o, l], target);
});
{
  const proto = NativeDataView.prototype;
  constant(proto, ["buffer", "byteLength", "byteOffset"]);
  // get*(byteOffset, littleEndian), set*(byteOffset, value, littleEndian): O(1); the
  // offset and the value converted once (a number goes straight through).
  const keys = reflectOwnKeys(proto);
  for (let i = 0; i < keys.length; i++) {
    const name = keys[i];
    // (No String.prototype method here: it may be a wrapper already, and this runs outside
    // any call.)
    const kind = typeof name === "string" && name.length > 3 ? name[0] + name[1] + name[2] : "";
    if (kind !== "get" && kind !== "set") continue;
    if (kind === "get") {
      meter(proto, name, (get) => ({
        [name](byteOffset, littleEndian) {
          pay(0);
          if (typeof byteOffset === "number" || !isDataView(this)) return reflectApply(get, this, arguments);
          return reflectApply(get, this, [numArg(byteOffset), littleEndian]);
        },
      }[name]));
    } else {
      meter(proto, name, (set) => ({
        [name](byteOffset, value, littleEndian) {
          pay(0);
          if ((typeof byteOffset === "number" && typeof value === "number") || !isDataView(this)) {
            return reflectApply(set, this, arguments);
          }
          const o = numArg(byteOffset);
          return reflectApply(set, this, [o, numArg(value), littleEndian]);
        },
      }[name]));
    }
  }
}
