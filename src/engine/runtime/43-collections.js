// Metered built-ins: Map, Set, WeakMap, WeakSet.
//
// Each lookup, insertion or deletion pays `collection_op` (and a long string key the
// characters hashing and comparing it reads); an insertion counts the entry it may add. The
// constructors take an iterable whose every step is paid (a native loop over a Map or a
// built-in iterator would otherwise be free: the adder a subclass gives could be a native
// that does nothing), and add through the metered `set`/`add`.

const NativeWeakMapCtor = WeakMap;
const NativeWeakSetCtor = WeakSet;

const collectionConstructor = (Original) => wrapConstructor(Original, (target, args) => {
  if (target === undefined) return reflectApply(Original, undefined, []);
  const iterable = args[0];
  count(COSTS.memory_object);
  pay(0);
  if (iterable === undefined || iterable === null) return reflectConstruct(Original, [], target);
  enterFrame(SLOTS);
  try {
    return reflectConstruct(Original, [meteredIterable(iterable, COSTS.element, 0)], target);
  } finally {
    exitFrame(SLOTS);
  }
});
const MapWrapper = collectionConstructor(NativeMap);
const SetWrapper = collectionConstructor(NativeSet);
collectionConstructor(NativeWeakMapCtor);
collectionConstructor(NativeWeakSetCtor);
constant(MapWrapper, [symbolSpecies]);
constant(SetWrapper, [symbolSpecies]);
grouping(MapWrapper, "groupBy", COSTS.memory_entry, false);

// One operation on a key: `collection_op`, and a long string key read whole.
const keyed = (proto, name, memory) => meter(proto, name, (original) => ({
  [name](key, value) {
    charge(COSTS.call + COSTS.collection_op);
    if (typeof key === "string") hashChars(key);
    if (memory > 0) count(memory);
    return reflectApply(original, this, arguments.length < 2 ? [key] : [key, value]);
  },
}[name]));

// Iterators that make a `[key, value]` array per step (`entries` of Map and Set, and Map's
// [Symbol.iterator], the same function): each of their steps counts it (44-iterators.js).
const pairIterators = new NativeWeakMap();
const PAIR_MEMORY = COSTS.memory_object + 2 * COSTS.memory_element;

for (const [proto, sizeGetter] of [[NativeMap.prototype, mapSize], [NativeSet.prototype, setSize]]) {
  const isMapProto = proto === NativeMap.prototype;
  // Creating an iterator, reading the size, clearing (V8 swaps in an empty table): O(1).
  constant(proto, ["keys", "values", "size", "clear"]);
  meter(proto, "entries", (original) => ({
    entries() {
      charge(COSTS.call);
      const iterator = reflectApply(original, this, []);
      reflectApply(weakMapSet, pairIterators, [iterator, true]);
      return iterator;
    },
  }).entries);
  if (isMapProto) {
    // Map.prototype[Symbol.iterator] is Map.prototype.entries: it stays the same function.
    reflectDefineProperty(proto, symbolIterator, { value: proto.entries });
  } else {
    constant(proto, [symbolIterator]);
  }
  keyed(proto, "has", 0);
  keyed(proto, "delete", 0);
  if (isMapProto) {
    keyed(proto, "get", 0);
    keyed(proto, "set", COSTS.memory_entry);
  } else {
    keyed(proto, "add", COSTS.memory_entry);
  }
  // forEach: the entries (those added during it were paid by their set/add), and each call.
  meter(proto, "forEach", (forEach) => ({
    forEach(callback, thisArg) {
      const size = internalSize(sizeGetter, this);
      if (size < 0 || typeof callback !== "function") return reflectApply(forEach, this, arguments);
      pay(size * COSTS.element);
      return framed(forEach, this, [meteredCallback(callback), thisArg]);
    },
  }).forEach);
}
keyed(NativeWeakMapCtor.prototype, "get", 0);
keyed(NativeWeakMapCtor.prototype, "has", 0);
keyed(NativeWeakMapCtor.prototype, "delete", 0);
keyed(NativeWeakMapCtor.prototype, "set", COSTS.memory_entry);
keyed(NativeWeakSetCtor.prototype, "has", 0);
keyed(NativeWeakSetCtor.prototype, "delete", 0);
keyed(NativeWeakSetCtor.prototype, "add", COSTS.memory_entry);

// ---- Set methods (union, intersection, …) ---------------------------------------------------
// They walk `this` and the other set: its `size`, `has` and `keys` as GetSetRecord reads
// them. A Set or a Map with the intrinsic ones has a known size: both sizes are paid up
// front. Any other set-like is given to the native through a record that reads the same
// properties, in the same order, and pays for each `has` call and each step of `keys`.
const setHasWrapper = NativeSet.prototype.has;
const mapHasWrapper = NativeMap.prototype.has;
const mapKeys = NativeMap.prototype.keys;
const knownSetSize = (other) => {
  const sizeDesc = lookup(other, "size");
  if (sizeDesc === undefined || hasOwn(sizeDesc, "value")) return -1;
  const has = lookupData(other, "has");
  const keys = lookupData(other, "keys");
  if (sizeDesc.get === setSize && has === setHasWrapper && keys === setValues) return internalSize(setSize, other);
  if (sizeDesc.get === mapSize && has === mapHasWrapper && keys === mapKeys) return internalSize(mapSize, other);
  return -1;
};
const setLikeRecord = (other, memory) => {
  const record = {};
  reflectDefineProperty(record, "size", {
    get() {
      return other.size;
    },
  });
  reflectDefineProperty(record, "has", {
    get() {
      const has = other.has;
      if (typeof has !== "function") return has;
      // Each call: a lookup, and a call from the native into this wrapper and back.
      const step = meterEach(COSTS.callback);
      return (value) => {
        charge(COSTS.collection_op);
        step();
        return reflectApply(has, other, [value]);
      };
    },
  });
  reflectDefineProperty(record, "keys", {
    get() {
      const keys = other.keys;
      if (typeof keys !== "function") return keys;
      return () => meteredIterator(reflectApply(keys, other, []), COSTS.element, memory);
    },
  });
  return record;
};
// The result (if any) holds at most this set's entries (`copies`: a copy of it, or a part
// of it) plus, when it `grows`, the other's keys.
for (const [name, makes, grows] of [
  ["union", true, true], ["intersection", true, false], ["difference", true, false],
  ["symmetricDifference", true, true], ["isSubsetOf", false, false],
  ["isSupersetOf", false, false], ["isDisjointFrom", false, false],
]) {
  meter(NativeSet.prototype, name, (original) => ({
    [name](other) {
      const size = internalSize(setSize, this);
      if (size < 0 || !isObject(other)) return reflectApply(original, this, arguments);
      pay(size * COSTS.element);
      if (makes) count(COSTS.memory_object + size * COSTS.memory_entry);
      const otherSize = knownSetSize(other);
      if (otherSize >= 0) {
        chargeMilli(otherSize, COSTS.element);
        if (grows) count(otherSize * COSTS.memory_entry);
        return framed(original, this, [other]);
      }
      return framed(original, this, [setLikeRecord(other, grows ? COSTS.memory_entry : 0)]);
    },
  }[name]));
}
