// The guards the instrumenter puts around operands whose work grows with their size
// (src/contract/instrument/, `docs/gas.md` "Guards"). The instrumented code passes numbers and
// short strings through inline and calls these only for the rest (`key`, `eq`, `case`,
// `forin`, `spread`, `args` and `rest` see every value).

// Collects what iterating `x` yields, paying per element, unless `x` is a plain array or a
// string (whose length is what a native spread visits). The same iteration, in the same
// order, that a spread or `Array.from` would do natively; only the native loop over an
// iterator with no contract code in it (a `Map`, a `Set`, a built-in iterator) would
// otherwise go unpaid. `max` (optional) caps the count: a RangeError past it.
const iterated = (x, max) => {
  if (typeof x === "string" || (isArray(x) && !hasOwn(x, symbolIterator))) {
    if (max !== undefined && x.length > max) tooManyArgs(x.length);
    chargeMilli(x.length, COSTS.element);
    return x;
  }
  const list = [];
  for (const item of x) {
    if (max !== undefined && list.length >= max) tooManyArgs(list.length + 1);
    chargeMilli(1, COSTS.element);
    list[list.length] = item;
  }
  return list;
};

const guards = freeze({
  // An operand of an arithmetic, relational, unary numeric, update or compound operator
  // that is not a number: the primitive the operator will see (converted here, once, with
  // the number hint), its characters paid for if it is a long string.
  num: numArg,
  // An operand of `===`, `!==` or `switch` that is a long string.
  str(x) {
    readChars(x.length);
    return x;
  },
  // A computed property key: ToPropertyKey, done here once; a long string pays for the
  // characters hashing and comparing it reads. (The interned copy V8 may make of it is at
  // most the string again, which was counted when it was made: the heap margin covers it.)
  key(x) {
    if (typeof x === "number" || typeof x === "symbol") return x;
    const p = isObject(x) ? toPrimitive(x, "string") : x;
    if (typeof p === "symbol") return p;
    const s = typeof p === "string" ? p : `${p}`;
    hashChars(s);
    return s;
  },
  // A string that `+`, `+=` or a template literal made.
  cat(s) {
    newString(s.length);
    return s;
  },
  // `a == b` (and `!=`, negated), with the conversions of IsLooselyEqual done here.
  eq(a, b) {
    return looseEqual(a, b);
  },
  // The discriminant of a `switch` with `cases` case tests.
  case(x, cases) {
    if (typeof x === "string" && x.length > SHORT_STRING) {
      chargeMilli(x.length * cases, COSTS.string_read);
    }
    return x;
  },
  // The object of a `for-in`: V8 lists all its enumerable keys (own and inherited) up front.
  forin(o) {
    if (o === null || o === undefined) return o;
    let keys = 0;
    for (const _ in o) keys++;
    chargeMilli(keys, COSTS.property);
    return o;
  },
  // What an array literal spreads, or an array pattern's rest collects.
  spread(x) {
    const list = iterated(x);
    count(list.length * COSTS.memory_element);
    return list;
  },
  // What a call spreads into its arguments: at most `max_call_args` of them, or a
  // RangeError, the same everywhere, counted before the call.
  args(x) {
    const list = iterated(x, LIMITS.max_call_args);
    count(list.length * COSTS.memory_element);
    return list;
  },
  // What an object literal spreads, or an object pattern's rest collects: its own keys.
  rest(o) {
    if (!isObject(o)) return o;
    const n = reflectOwnKeys(o).length;
    chargeMilli(n, COSTS.property);
    count(n * COSTS.memory_property);
    return o;
  },
});

const tooManyArgs = (n) => {
  throw new NativeRangeError(
    `a call may receive at most ${LIMITS.max_call_args} arguments from a spread or apply, not ${n}`);
};

// IsLooselyEqual (7.2.14), with every conversion done (and charged) here, so the final `==`
// compares two primitives of which at most one is converted to a number.
const looseEqual = (a, b) => {
  const aObject = isObject(a);
  const bObject = isObject(b);
  if (aObject && bObject) return a === b;
  if (aObject || bObject) {
    const [object, other] = aObject ? [a, b] : [b, a];
    if (other === null || other === undefined) return false;
    if (typeof other === "boolean") return looseEqual(object, other ? 1 : 0);
    return looseEqual(toPrimitive(object, "default"), other);
  }
  if (typeof a === "string" && typeof b === "string") {
    if (a.length === b.length) readChars(a.length);
    return a === b;
  }
  if (typeof a === "string") readChars(a.length);
  if (typeof b === "string") readChars(b.length);
  return a == b;
};
