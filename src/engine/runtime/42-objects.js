// Metered built-ins: Object, Object.prototype, Reflect; and no Proxy.
//
// Key-walking built-ins pay `property` per own key they visit. Keys are counted before the
// work where that is cheap: the index keys of arrays, typed arrays and strings from their
// length (V8 makes a string of each), the keys of other objects by listing them (work of the
// same order as the built-in's, bounded by what the contract paid to make them). Built-ins
// that return the list pay for keys past that count after, from the list: that work is
// bounded by the keys the contract paid for when it made them. Property keys given as
// arguments are converted once (`guards.key`: a long string pays for its characters).

// ---- No Proxy -------------------------------------------------------------------------------
// A chain of proxies recurses inside V8 with no contract code in between: no counter could
// bound its native stack (docs/determinism.md). (`NativeProxy`, kept in 30-strings.js, is
// only the runtime's: `isConstructor`.)
remove(G, ["Proxy"]);

const NativeReflect = Reflect;
const propertyKey = (key) => guards.key(key);

// The own keys a key-walking built-in will visit in `o` (counted as above; 0 for values
// without own keys). Named keys of arrays and typed arrays are not counted: listing them
// would list every index too.
const ownKeyCount = (o) => {
  if (typeof o === "string") return o.length;
  if (!isObject(o)) return 0;
  if (isArray(o)) return o.length;
  const n = typedLength(o);
  return n >= 0 ? n : reflectOwnKeys(o).length;
};
// The index keys V8 makes a string of for `o`: counted as memory before it makes them.
const indexKeys = (o) => {
  if (typeof o === "string") return o.length;
  if (isArray(o)) return o.length;
  return mathMax(typedLength(o), 0);
};

// A built-in that returns a list of `o`'s keys (or of entries): the index keys paid before,
// the rest after, from the list. `perKey` memory units per entry of the result.
const listing = (target, name, perKey, frame, gasPerKey = COSTS.property) => meter(target, name, (original) => ({
  [name](o) {
    if (o === undefined || o === null || (target === NativeReflect && !isObject(o))) {
      return reflectApply(original, this, arguments);
    }
    const before = indexKeys(o);
    count(COSTS.memory_object + before * (COSTS.memory_string + perKey));
    pay(before * gasPerKey);
    const list = frame ? framed(original, this, [o]) : reflectApply(original, this, [o]);
    const n = list.length;
    if (n > before) {
      // Keys past the count: bounded by what the contract paid to make them.
      count((n - before) * perKey);
      chargeMilli(n - before, gasPerKey);
    }
    return list;
  },
}[name]));

// ---- Object -----------------------------------------------------------------------------------
// The constructor is O(1) (ToObject) and calls no contract code.
classify(NativeObject, "constant", "Object");
constant(NativeObject, ["getPrototypeOf", "setPrototypeOf", "isExtensible", "preventExtensions"]);

listing(NativeObject, "keys", COSTS.memory_element, false);
listing(NativeObject, "getOwnPropertyNames", COSTS.memory_element, false);
listing(NativeObject, "getOwnPropertySymbols", COSTS.memory_element, false);
// values and entries run getters.
listing(NativeObject, "values", COSTS.memory_element, true);
// entries makes a pair (an array of two elements) per key.
listing(NativeObject, "entries", COSTS.memory_element + COSTS.memory_object + 2 * COSTS.memory_element, true,
  COSTS.property + 2 * COSTS.element);

// Walks of every own key that return no list.
for (const name of ["freeze", "seal", "isFrozen", "isSealed"]) {
  meter(NativeObject, name, (original) => ({
    [name](o) {
      pay(ownKeyCount(o) * COSTS.property);
      return reflectApply(original, this, arguments);
    },
  }[name]));
}

meter(NativeObject, "assign", (assign) => ({
  assign(target, ...sources) {
    if (target === undefined || target === null) return reflectApply(assign, this, arguments);
    let n = 0;
    for (let i = 0; i < sources.length; i++) n += ownKeyCount(sources[i]);
    count(n * COSTS.memory_property);
    pay(n * COSTS.property);
    return framed(assign, this, arguments);
  },
}).assign);

// create and defineProperties: one property per own key of the descriptors object (whose
// descriptors' getters are contract code).
meter(NativeObject, "create", (create) => ({
  create(proto, properties) {
    const n = properties === undefined ? 0 : ownKeyCount(properties);
    count(COSTS.memory_object + n * COSTS.memory_property);
    pay(n * COSTS.property);
    return framed(create, this, arguments);
  },
}).create);
meter(NativeObject, "defineProperties", (defineProperties) => ({
  defineProperties(o, properties) {
    if (!isObject(o)) return reflectApply(defineProperties, this, arguments);
    const n = ownKeyCount(properties);
    count(n * COSTS.memory_property);
    pay(n * COSTS.property);
    return framed(defineProperties, this, arguments);
  },
}).defineProperties);

// One key converted, one property defined or read.
meter(NativeObject, "defineProperty", (defineProperty) => ({
  defineProperty(o, key, attributes) {
    if (!isObject(o)) return reflectApply(defineProperty, this, arguments);
    const k = propertyKey(key);
    count(COSTS.memory_property);
    pay(COSTS.property);
    return framed(defineProperty, this, [o, k, attributes]);
  },
}).defineProperty);
meter(NativeObject, "getOwnPropertyDescriptor", (getOwnPropertyDescriptor) => ({
  getOwnPropertyDescriptor(o, key) {
    if (o === undefined || o === null) return reflectApply(getOwnPropertyDescriptor, this, arguments);
    const k = propertyKey(key);
    count(COSTS.memory_object);
    pay(0);
    return reflectApply(getOwnPropertyDescriptor, this, [o, k]);
  },
}).getOwnPropertyDescriptor);
meter(NativeObject, "getOwnPropertyDescriptors", (getOwnPropertyDescriptors) => ({
  getOwnPropertyDescriptors(o) {
    if (o === undefined || o === null) return reflectApply(getOwnPropertyDescriptors, this, arguments);
    const n = ownKeyCount(o);
    count(COSTS.memory_object + n * (COSTS.memory_property + COSTS.memory_object));
    pay(n * COSTS.property);
    return reflectApply(getOwnPropertyDescriptors, this, [o]);
  },
}).getOwnPropertyDescriptors);
meter(NativeObject, "hasOwn", (hasOwnOriginal) => ({
  hasOwn(o, key) {
    if (o === undefined || o === null) return reflectApply(hasOwnOriginal, this, arguments);
    pay(0);
    return reflectApply(hasOwnOriginal, this, [o, propertyKey(key)]);
  },
}).hasOwn);
// SameValue reads two long strings of one length.
meter(NativeObject, "is", (is) => ({
  is(a, b) {
    pay(0);
    if (typeof a === "string" && typeof b === "string" && a.length === b.length) readChars(a.length);
    return is(a, b);
  },
}).is);

// fromEntries: an iterable of entries, each a property. Each entry's key and value are read
// here, in the specification's order (`0`, `1`, then the key converted by `guards.key`, which
// pays for a long one and refuses one V8 would hash by its length), and the native gets
// `[key, value]` pairs; an abrupt read closes the iterator, as the native would.
const keyedEntries = (items) => {
  const method = items[symbolIterator];
  if (typeof method !== "function") return { [symbolIterator]: method };
  const iterator = reflectApply(method, items, []);
  if (!isObject(iterator)) return { [symbolIterator]: () => iterator };
  const next = iterator.next;
  const close = () => {
    try {
      const done = iterator.return;
      if (done !== undefined && done !== null) reflectApply(done, iterator, []);
    } catch {
      // The read's error is the one thrown, as in IteratorClose with a throw completion.
    }
  };
  const entries = {
    next() {
      if (typeof next !== "function") throw notAFunction(next);
      const result = reflectApply(next, iterator, []);
      if (!isObject(result)) return result;
      if (result.done) return { done: true, value: undefined };
      const entry = result.value;
      if (!isObject(entry)) return { done: false, value: entry };
      let key, value;
      try {
        key = entry[0];
        value = entry[1];
        key = guards.key(key);
      } catch (e) {
        close();
        throw e;
      }
      return { done: false, value: [key, value] };
    },
    return() {
      return forwardReturn(iterator, arguments);
    },
  };
  return { [symbolIterator]: () => entries };
};
meter(NativeObject, "fromEntries", (fromEntries) => ({
  fromEntries(iterable) {
    if (iterable === undefined || iterable === null) return reflectApply(fromEntries, this, arguments);
    count(COSTS.memory_object);
    pay(0);
    const items = meteredIterable(iterable, COSTS.element + COSTS.property, COSTS.memory_property);
    return framed(fromEntries, this, [isObject(items) ? keyedEntries(items) : items]);
  },
}).fromEntries);

// groupBy (Object's and Map's): an iterable, a callback per element, a key per element
// (a long string key is read to hash it), each element appended to a group.
const grouping = (target, name, perGroup, propertyKeys) => meter(target, name, (groupBy) => ({
  groupBy(items, callback) {
    if (items === undefined || items === null || typeof callback !== "function") {
      return reflectApply(groupBy, this, arguments);
    }
    count(COSTS.memory_object);
    pay(0);
    const source = meteredIterable(items, COSTS.element + COSTS.property, COSTS.memory_element + perGroup);
    const keyed = meteredCallback(callback);
    // Object.groupBy's keys are property keys: converted here, right after the callback, as
    // the specification does (an object's toString, a long string paid and capped); Map's
    // are compared as they are (SameValueZero), a string hashed.
    const wrapped = function () {
      const key = reflectApply(keyed, this, arguments);
      if (propertyKeys) return guards.key(key);
      if (typeof key === "string") hashChars(key);
      return key;
    };
    return framed(groupBy, this, [source, wrapped]);
  },
}).groupBy);
grouping(NativeObject, "groupBy", COSTS.memory_property, true);

// ---- Object.prototype -------------------------------------------------------------------------
{
  const proto = NativeObject.prototype;
  // O(1) (a prototype walk is as long as the chain the contract made, as for any property
  // lookup): valueOf is ToObject, isPrototypeOf walks V's chain, __proto__ reads or sets
  // [[Prototype]].
  constant(proto, ["valueOf", "isPrototypeOf", "__proto__"]);

  // One key converted (ToPropertyKey first, as the specification orders it); a number, a
  // symbol or a short string goes straight through.
  for (const name of ["hasOwnProperty", "propertyIsEnumerable"]) {
    meter(proto, name, (original) => ({
      [name](key) {
        pay(0);
        if (typeof key === "number" || typeof key === "symbol" ||
            (typeof key === "string" && key.length <= SHORT_STRING)) {
          return reflectApply(original, this, [key]);
        }
        return reflectApply(original, this, [propertyKey(key)]);
      },
    }[name]));
  }
  for (const name of ["__lookupGetter__", "__lookupSetter__"]) {
    meter(proto, name, (original) => ({
      [name](key) {
        if (this === undefined || this === null) return reflectApply(original, this, arguments);
        pay(0);
        return reflectApply(original, this, [propertyKey(key)]);
      },
    }[name]));
  }
  for (const name of ["__defineGetter__", "__defineSetter__"]) {
    meter(proto, name, (original) => ({
      [name](key, fn) {
        if (this === undefined || this === null || typeof fn !== "function") {
          return reflectApply(original, this, arguments);
        }
        const k = propertyKey(key);
        count(COSTS.memory_property);
        pay(COSTS.property);
        return reflectApply(original, this, [k, fn]);
      },
    }[name]));
  }
  // toString: O(1). A Symbol.toStringTag getter it reads is contract code with a frame of
  // its own; V8 prints objects in error messages as `#<Name>` only while this is the
  // intrinsic, so it stays the intrinsic. toLocaleString calls `this.toString()`.
  constant(proto, ["toString"]);
  meter(proto, "toLocaleString", (toLocaleString) => ({
    toLocaleString() {
      pay(0);
      return framed(toLocaleString, this, []);
    },
  }).toLocaleString);
}

// ---- Reflect ----------------------------------------------------------------------------------
constant(NativeReflect, ["getPrototypeOf", "setPrototypeOf", "isExtensible", "preventExtensions"]);
listing(NativeReflect, "ownKeys", COSTS.memory_element, false);

// apply and construct: the argument list, capped at `max_call_args` like a spread or
// Function.prototype.apply, each argument paid and counted.
const argumentList = (args, what) => {
  const len = lengthOf(args, what);
  if (len > LIMITS.max_call_args) tooManyArgs(len);
  count(len * COSTS.memory_element);
  pay(len * COSTS.element);
};
meter(NativeReflect, "apply", (apply) => ({
  apply(target, thisArgument, argumentsList) {
    if (typeof target !== "function" || !isObject(argumentsList)) return reflectApply(apply, this, arguments);
    argumentList(argumentsList, "Reflect.apply");
    return framed(apply, this, [target, thisArgument, argumentsList]);
  },
}).apply);
meter(NativeReflect, "construct", (construct) => ({
  construct(target, argumentsList, newTarget) {
    const n = arguments.length;
    if (!isConstructor(target) || (n > 2 && !isConstructor(newTarget)) || !isObject(argumentsList)) {
      return reflectApply(construct, this, arguments);
    }
    argumentList(argumentsList, "Reflect.construct");
    count(COSTS.memory_object);
    return framed(construct, this, n > 2 ? [target, argumentsList, newTarget] : [target, argumentsList]);
  },
}).construct);

// One key converted; defineProperty and set may add a property; get and set run getters
// and setters, defineProperty the descriptor's getters.
for (const name of ["defineProperty", "deleteProperty", "get", "getOwnPropertyDescriptor", "has", "set"]) {
  const adds = name === "defineProperty" || name === "set";
  const calls = adds || name === "get";
  meter(NativeReflect, name, (original) => ({
    [name](o, key) {
      if (!isObject(o)) return reflectApply(original, this, arguments);
      const args = [];
      for (let i = 0; i < arguments.length; i++) args[i] = arguments[i];
      args[1] = propertyKey(key);
      pay(adds ? COSTS.property : 0);
      if (adds) count(COSTS.memory_property);
      if (name === "getOwnPropertyDescriptor") count(COSTS.memory_object);
      return calls ? framed(original, this, args) : reflectApply(original, this, args);
    },
  }[name]));
}
