// Metered built-ins: Iterator and its helpers, generators, Promise.
//
// A native that drives an iterator (the helpers' `next`, `toArray`, `reduce`, …) is given it
// wrapped so that each step is paid (`meteredIterator`): a helper over a Map iterator, a
// `drop(n)` skipping, would otherwise loop in V8 unpaid. The iterators of Array, Map and Set
// are the intrinsic ones (constant per step: what drives them pays). Natives that resume
// contract code (a generator's `next`, a helper's `next`, a promise's `then` with a species
// constructor) run as one built-in frame.

// The intrinsics 01-meter.js found before anything was wrapped (`hiddenIntrinsics`, in its
// order).
const GeneratorPrototype = hiddenIntrinsics[0].prototype;
const AsyncGeneratorPrototype = hiddenIntrinsics[2].prototype;
const AsyncIteratorPrototype = reflectGetPrototypeOf(AsyncGeneratorPrototype);
const ArrayIteratorPrototype = hiddenIntrinsics[3];
const MapIteratorPrototype = hiddenIntrinsics[4];
const SetIteratorPrototype = hiddenIntrinsics[5];
const IteratorHelperPrototype = hiddenIntrinsics[8];
const WrapForValidIteratorPrototype = hiddenIntrinsics[9];
const NativeIterator = Iterator;
const IteratorProto = Iterator.prototype;

// ---- Constant ---------------------------------------------------------------------------------
// One step of an intrinsic iterator over an array, a typed array, a Map or a Set: O(1). A
// step of an entries iterator of a Map or a Set makes a `[key, value]` array: counted.
constant(ArrayIteratorPrototype, ["next"]);
for (const proto of [MapIteratorPrototype, SetIteratorPrototype]) {
  meter(proto, "next", (next) => ({
    next() {
      const result = reflectApply(next, this, []);
      if (!result.done && reflectApply(weakMapHas, pairIterators, [this])) count(PAIR_MEMORY);
      return result;
    },
  }).next);
}
// `Iterator` is abstract (it only checks new.target); the prototype's accessors and
// [Symbol.iterator] (which returns `this`) are O(1).
classify(NativeIterator, "constant", "Iterator");
constant(IteratorProto, [symbolIterator, "constructor", Symbol.toStringTag]);
constant(AsyncIteratorPrototype, [symbolAsyncIterator]);

// ---- Resuming contract code -------------------------------------------------------------------
// A generator's next/return/throw resumes its body; a helper's or an Iterator.from wrapper's
// next/return calls the underlying iterator (paid per step when a helper made it, below).
const resuming = (proto, names) => {
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    meter(proto, name, (original) => ({
      [name]() {
        pay(0);
        return framed(original, this, arguments);
      },
    }[name]));
  }
};
resuming(GeneratorPrototype, ["next", "return", "throw"]);
resuming(AsyncGeneratorPrototype, ["next", "return", "throw"]);
resuming(IteratorHelperPrototype, ["next", "return"]);
resuming(WrapForValidIteratorPrototype, ["next", "return"]);

meter(NativeIterator, "from", (from) => ({
  from(o) {
    count(COSTS.memory_object);
    pay(0);
    return framed(from, this, [o]);
  },
}).from);

// ---- Iterator helpers ---------------------------------------------------------------------------
// The lazy ones (map, filter, flatMap, take, drop) make a helper over `this`, wrapped so
// that each step the helper takes is paid; each callback call is paid too. Invalid
// arguments go to the native as they are: it closes the iterator and throws, in its order.
const underlying = (iterator, memory) => meteredIterator(iterator, COSTS.element, memory);

for (const name of ["map", "filter", "flatMap"]) {
  meter(IteratorProto, name, (original) => ({
    [name](callback) {
      if (!isObject(this) || typeof callback !== "function") return reflectApply(original, this, arguments);
      count(COSTS.memory_object);
      pay(0);
      return reflectApply(original, underlying(this, 0), [meteredCallback(callback)]);
    },
  }[name]));
}
for (const name of ["take", "drop"]) {
  meter(IteratorProto, name, (original) => ({
    [name](limit) {
      if (!isObject(this)) return reflectApply(original, this, arguments);
      let p;
      try {
        p = numArg(limit);
      } catch (e) {
        // The native closes the iterator before it rethrows: give it the same error.
        return reflectApply(original, this, [{ valueOf() { throw e; } }]);
      }
      const n = +p;
      if (n !== n || toInt(n) < 0) return reflectApply(original, this, [p]);
      count(COSTS.memory_object);
      pay(0);
      return reflectApply(original, underlying(this, 0), [p]);
    },
  }[name]));
}

// The eager ones drive `this` to its end (or until a callback decides): each step paid;
// toArray counts each element it keeps.
for (const name of ["reduce", "forEach", "some", "every", "find", "toArray"]) {
  const takesCallback = name !== "toArray";
  meter(IteratorProto, name, (original) => ({
    [name](callback, initialValue) {
      if (!isObject(this) || (takesCallback && typeof callback !== "function")) {
        return reflectApply(original, this, arguments);
      }
      pay(0);
      if (!takesCallback) {
        count(COSTS.memory_object);
        return framed(original, underlying(this, COSTS.memory_element), []);
      }
      const args = [meteredCallback(callback)];
      if (name === "reduce" && arguments.length > 1) args[1] = initialValue;
      return framed(original, underlying(this, 0), args);
    },
  }[name]));
}

// ---- Promise ------------------------------------------------------------------------------------
// The constructor stays the intrinsic: `await` resolves a promise without a new one only
// when its `constructor` is %Promise%, so a wrapper would change the ticks every `await`
// takes. Its work is O(1); the executor it calls is contract code with a frame of its own.
classify(NativePromise, "constant", "Promise");
constant(NativePromise, [symbolSpecies]);

// A new promise (and a reaction): O(1), but a species constructor, a thenable's `then`
// getter, or a callback may be contract code.
const promising = (target, name, objects) => meter(target, name, (original) => ({
  [name]() {
    count(objects * COSTS.memory_object);
    pay(0);
    return framed(original, this, arguments);
  },
}[name]));
promising(NativePromise, "resolve", 1);
promising(NativePromise, "reject", 1);
promising(NativePromise, "withResolvers", 3);
promising(NativePromise.prototype, "then", 2);
promising(NativePromise.prototype, "catch", 2);
promising(NativePromise.prototype, "finally", 4);

// all, allSettled, any, race: each element of the iterable is a step (paid), a promise and
// a reaction (made through the metered resolve and then).
for (const name of ["all", "allSettled", "any", "race"]) {
  meter(NativePromise, name, (original) => ({
    [name](iterable) {
      count(COSTS.memory_object);
      pay(0);
      return framed(original, this, [meteredIterable(iterable, COSTS.element, COSTS.memory_element)]);
    },
  }[name]));
}
