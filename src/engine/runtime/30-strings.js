// Metered built-ins, part 1: String and String.prototype, and the helpers the other files of
// this half (31-regexp.js … 35-date.js) share: constructor wrappers, argument conversions,
// string-size checks, reservations. `docs/gas.md` ("Built-ins") has every charge in a table.
//
// A wrapper converts each argument once, in the order the specification gives, charges for
// the work it can size up front, and passes the converted primitives to the original, which
// then runs no contract code and reads nothing unpaid. Work sized only by its result is paid
// after, when it is bounded by data already paid for (a comment says which).

// ---- Intrinsics this half uses, captured before any file replaces one -----------------
// A capture made after another file wrapped the function would meter the runtime's own work
// (and fail outside a call): refuse to build such a snapshot.
const pristine = (fn, what) => {
  if (typeof fn !== "function" || reflectApply(weakMapHas, wrapperNames, [fn])) {
    throw new NativeTypeError(`runtime: ${what} was captured after it was replaced`);
  }
  return fn;
};
const reflectSetPrototypeOf = pristine(Reflect.setPrototypeOf, "Reflect.setPrototypeOf");
const reflectDeleteProperty = pristine(Reflect.deleteProperty, "Reflect.deleteProperty");
const reflectSet = pristine(Reflect.set, "Reflect.set");
// Error (34-functions.js) is a proxy of the intrinsic; contracts get no Proxy of their own.
const NativeProxy = pristine(Proxy, "Proxy");
const objectPrototype = Object.prototype;
const mathTrunc = pristine(Math.trunc, "Math.trunc");
const mathFloor = pristine(Math.floor, "Math.floor");
const mathMin = pristine(Math.min, "Math.min");
const mathMax = pristine(Math.max, "Math.max");
const StringPrototype = String.prototype;
const stringSlice = StringPrototype.slice;
const stringIndexOf = StringPrototype.indexOf;
const stringCharCodeAt = StringPrototype.charCodeAt;
const stringIteratorPrototype = reflectGetPrototypeOf(""[Symbol.iterator]());
const symbolMatch = Symbol.match;
const symbolMatchAll = Symbol.matchAll;
const symbolReplace = Symbol.replace;
const symbolSearch = Symbol.search;
const symbolSplit = Symbol.split;
const symbolSpecies = Symbol.species;

// The runtime's own string operations, on the originals.
const sliceOf = (s, from, to) => reflectApply(stringSlice, s, [from, to]);
const indexIn = (s, search, from) => reflectApply(stringIndexOf, s, [search, from]);
const codeAt = (s, i) => reflectApply(stringCharCodeAt, s, [i]);

// ---- Shared helpers ------------------------------------------------------------------
// V8's largest string (String::kMaxLength on 64-bit hosts); past it V8 throws this RangeError.
const MAX_STRING_LENGTH = 536870888;
const invalidStringLength = () => {
  throw new NativeRangeError("Invalid string length");
};
// Refuses a string longer than V8 can make, before anything is allocated for it.
const checkLength = (n) => {
  if (n > MAX_STRING_LENGTH) invalidStringLength();
};

// Reservations: memory a built-in may need, counted (and refused past the budget) before the
// work; `release` gives back the part its result did not use, once the result is known. The
// count still bounds everything allocated; it is settled to what was made.
const release = (units) => {
  if (units > 0) cell[2] -= units;
};
// Gas charged for an upper bound of the work, given back when the result proves the work was
// smaller (regular expressions, 31-regexp.js).
const refund = (gas) => {
  if (gas > 0) cell[0] -= gas;
};
const milligasToGas = (units, rate) => (units > 0 ? mathCeil((units * rate) / 1000) : 0);

// What a built-in pays for characters it writes into a string it makes, with no free
// allowance: memory per character and the writing (for pieces, of which there may be many).
// Milligas accumulate and are charged in whole gas, so that rounding does not add a gas per
// piece; `done` charges the remainder.
const makeTally = () => {
  let milli = 0;
  let length = 0;
  const flush = () => {
    if (milli >= 1000) {
      const gas = mathFloor(milli / 1000);
      milli -= gas * 1000;
      charge(gas);
    }
  };
  return {
    // `n` units at `rate` milligas.
    add(n, rate) {
      milli += n * rate;
      flush();
    },
    // `n` characters written into the string being built.
    write(n) {
      length += n;
      checkLength(length);
      count(n);
      milli += n * COSTS.string_write;
      flush();
    },
    written() {
      return length;
    },
    done() {
      if (milli > 0) charge(mathCeil(milli / 1000));
      milli = 0;
    },
  };
};

// ToIntegerOrInfinity and ToLength of a primitive (numArg has already converted objects
// and paid for long strings).
const toIntegerOrInfinity = (p) => {
  const n = +p;
  if (n !== n) return 0;
  return mathTrunc(n) + 0;
};
const toLength = (p) => {
  const n = toIntegerOrInfinity(p);
  return n <= 0 ? 0 : mathMin(n, 9007199254740991);
};
const toUint32 = (p) => +p >>> 0;

// ToObject for values a built-in reads properties of.
const toObject = (x) => {
  if (x === null || x === undefined) throw new NativeTypeError("Cannot convert undefined or null to object");
  return x;
};

// GetMethod(x, key) for an object: undefined, or a function.
const getMethod = (x, key) => {
  const method = x[key];
  if (method === undefined || method === null) return undefined;
  if (typeof method !== "function") throw new NativeTypeError(`${describe(method)} is not a function`);
  return method;
};
// How V8 names a value in "… is not a function" (a long string shortened: the message is
// not paid for).
const describe = (x) => {
  if (typeof x === "string") return `string "${x.length > SHORT_STRING ? `${sliceOf(x, 0, SHORT_STRING)}…` : x}"`;
  if (isObject(x)) return "object";
  if (typeof x === "symbol") return "symbol";
  return `${typeof x} ${x}`;
};

// Replaces the constructor `holder[key]` by `Wrapper`, a `function` that handles `new.target`
// itself: the same name and length, the same `prototype` object (whose `constructor` now
// names the wrapper), the original's static properties, and `parent` as its prototype (the
// wrapper of the original's parent, or the original's own). Returns the original.
const installConstructor = (holder, key, Wrapper, parent) => {
  const desc = getOwnPropertyDescriptor(holder, key);
  const Original = desc.value;
  const keys = reflectOwnKeys(Original);
  for (let i = 0; i < keys.length; i++) {
    reflectDefineProperty(Wrapper, keys[i], getOwnPropertyDescriptor(Original, keys[i]));
  }
  reflectSetPrototypeOf(Wrapper, parent === undefined ? reflectGetPrototypeOf(Original) : parent);
  const prototype = Original.prototype;
  if (isObject(prototype)) {
    const ctor = getOwnPropertyDescriptor(prototype, "constructor");
    ctor.value = Wrapper;
    reflectDefineProperty(prototype, "constructor", ctor);
  }
  desc.value = Wrapper;
  reflectDefineProperty(holder, key, desc);
  reflectApply(weakMapSet, wrapperNames, [Wrapper, Original.name]);
  classify(Wrapper, "metered", Original.name);
  return Original;
};
// The target `reflectConstruct` should build for a wrapper's `new.target`.
const constructTarget = (newTarget, Wrapper, Original) =>
  newTarget === Wrapper ? Original : newTarget;

// Installs `fn` (a runtime implementation, not a wrapper of an original) at `target[key]`
// in place of what is there, named `name`, with `length`.
const implement = (target, key, name, length, fn) => {
  reflectDefineProperty(fn, "name", { value: name, configurable: true });
  reflectDefineProperty(fn, "length", { value: length, configurable: true });
  const desc = getOwnPropertyDescriptor(target, key);
  const value = desc === undefined ? { writable: true, enumerable: false, configurable: true } : desc;
  value.value = fn;
  reflectDefineProperty(target, key, value);
  reflectApply(weakMapSet, wrapperNames, [fn, name]);
  classify(fn, "metered", name);
  return fn;
};

// IsRegExp (7.2.8): reads `Symbol.match` (a getter runs), else the internal slot.
const isRegExp = (x) => {
  if (!isObject(x)) return false;
  const matcher = x[symbolMatch];
  if (matcher !== undefined) return !!matcher;
  return hasRegExpMatcher(x);
};

// ---- What string operations cost -----------------------------------------------------
// A substring search of a needle of `m` characters over `n` positions of a haystack: V8's
// searches (linear, Boyer-Moore-Horspool, Boyer-Moore) compare up to `m` characters at each
// alignment in the worst case, so the unit is alignment × needle character.
const searchUnits = (n, m) => {
  if (m <= 1) return n;
  return n >= m ? (n - m + 1) * m : 0;
};
const chargeSearch = (n, m) => {
  chargeMilli(searchUnits(n, m), COSTS.string_search);
};
// Every occurrence, each search starting after the last match: at most `m` more per match
// than one pass, so one pass plus the haystack once more.
const chargeScan = (n, m) => {
  chargeMilli(searchUnits(n, m) + n, COSTS.string_search);
};

// V8 makes a substring of 13 characters or more as a view on its parent (no copy); a
// shorter one, or one of 2-byte characters not in the single-character cache, is copied.
const SLICE_MIN = 13;
const countPiece = (s) => {
  const n = s.length;
  if (n === 0 || (n === 1 && s <= "\u00ff")) return;
  count(COSTS.memory_string + (n < SLICE_MIN ? n : 0));
};

// Settles a reservation of `reserved` memory units to the string a built-in returned (none
// if it returned its input), and pays for writing it.
const settleString = (reserved, result, input) => {
  const used = result === input ? 0 : COSTS.memory_string + result.length;
  release(reserved - used);
  if (used > 0 && result.length > SHORT_STRING) chargeMilli(result.length, COSTS.string_write);
};

// The receiver of a String.prototype method: RequireObjectCoercible, then ToString.
const thisString = (value, method) => {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) {
    throw new NativeTypeError(`String.prototype.${method} called on null or undefined`);
  }
  return toStr(value);
};

// ---- The String constructor ----------------------------------------------------------
// (The meter helpers of 01-meter.js name keys with String() while the snapshot is built,
// when there is no call to charge: then it is the original.)
const StringWrapper = function String(value) {
  if (cell === null) {
    return new.target === undefined
      ? reflectApply(NativeString, undefined, arguments)
      : reflectConstruct(NativeString, arguments, constructTarget(new.target, StringWrapper, NativeString));
  }
  charge(COSTS.call);
  let s = "";
  if (arguments.length > 0) {
    if (new.target === undefined && typeof value === "symbol") {
      // SymbolDescriptiveString: a new string of the description's length.
      const text = reflectApply(NativeString, undefined, [value]);
      newString(text.length);
      return text;
    }
    s = strArg(value);
  }
  if (new.target === undefined) return s;
  count(COSTS.memory_object);
  return reflectConstruct(NativeString, [s], constructTarget(new.target, StringWrapper, NativeString));
};
installConstructor(G, "String", StringWrapper);

// ---- String.prototype: one position ----------------------------------------------------
// O(1) once the position is converted. A 1-character result is V8's cached string when its
// code unit is below 256.
const POSITIONAL = ["at", "charAt", "charCodeAt", "codePointAt"];
for (let i = 0; i < POSITIONAL.length; i++) {
  const name = POSITIONAL[i];
  const counts = name === "at" || name === "charAt";
  meter(StringPrototype, name, (original) => ({
    m(pos) {
      charge(COSTS.call);
      const s = thisString(this, name);
      const result = reflectApply(original, s, [typeof pos === "number" ? pos : numArg(pos)]);
      if (counts && typeof result === "string") countPiece(result);
      return result;
    },
  }).m);
}

// ---- Substrings: a view or a short copy ----------------------------------------------
const SUBSTRINGS = ["slice", "substring", "substr"];
for (let i = 0; i < SUBSTRINGS.length; i++) {
  const name = SUBSTRINGS[i];
  meter(StringPrototype, name, (original) => ({
    m(start, end) {
      charge(COSTS.call);
      const s = thisString(this, name);
      const a = typeof start === "number" ? start : numArg(start);
      const b = typeof end === "number" ? end : numArg(end);
      const result = reflectApply(original, s, [a, b]);
      countPiece(result);
      return result;
    },
  }).m);
}

// ---- Searches ------------------------------------------------------------------------
meter(StringPrototype, "indexOf", (original) => ({
  indexOf(searchString, position) {
    charge(COSTS.call);
    const s = thisString(this, "indexOf");
    const search = strArg(searchString);
    const pos = typeof position === "number" ? position : numArg(position);
    const start = mathMin(mathMax(toIntegerOrInfinity(pos), 0), s.length);
    chargeSearch(s.length - start, search.length);
    return reflectApply(original, s, [search, pos]);
  },
}).indexOf);

meter(StringPrototype, "lastIndexOf", (original) => ({
  lastIndexOf(searchString, position) {
    charge(COSTS.call);
    const s = thisString(this, "lastIndexOf");
    const search = strArg(searchString);
    const pos = typeof position === "number" ? position : numArg(position);
    // V8 compares backwards from min(pos, n - m) to 0, each alignment up to m characters.
    const numPos = +pos;
    const from = numPos !== numPos ? s.length : mathMin(mathMax(toIntegerOrInfinity(numPos), 0), s.length);
    const alignments = mathMin(from, s.length - search.length) + 1;
    chargeMilli(alignments > 0 ? alignments * mathMax(search.length, 1) : 0, COSTS.string_search);
    return reflectApply(original, s, [search, pos]);
  },
}).lastIndexOf);

// includes, startsWith, endsWith refuse a regular expression (IsRegExp, which reads
// `Symbol.match`) before converting it.
const noRegExp = (x, name) => {
  if (isRegExp(x)) {
    throw new NativeTypeError(`First argument to String.prototype.${name} must not be a regular expression`);
  }
};
meter(StringPrototype, "includes", (original) => ({
  includes(searchString, position) {
    charge(COSTS.call);
    const s = thisString(this, "includes");
    noRegExp(searchString, "includes");
    const search = strArg(searchString);
    const pos = typeof position === "number" ? position : numArg(position);
    const start = mathMin(mathMax(toIntegerOrInfinity(pos), 0), s.length);
    chargeSearch(s.length - start, search.length);
    return reflectApply(original, s, [search, pos]);
  },
}).includes);
const EDGES = ["startsWith", "endsWith"];
for (let i = 0; i < EDGES.length; i++) {
  const name = EDGES[i];
  meter(StringPrototype, name, (original) => ({
    m(searchString, position) {
      charge(COSTS.call);
      const s = thisString(this, name);
      noRegExp(searchString, name);
      const search = strArg(searchString);
      const pos = typeof position === "number" ? position : numArg(position);
      readChars(mathMin(search.length, s.length));
      return reflectApply(original, s, [search, pos]);
    },
  }).m);
}

meter(StringPrototype, "localeCompare", (original) => ({
  localeCompare(that) {
    charge(COSTS.call);
    const s = thisString(this, "localeCompare");
    const t = strArg(that);
    // No ICU: a comparison of code units, which reads both strings at most.
    readChars(s.length + t.length);
    return reflectApply(original, s, [t]);
  },
}).localeCompare);

// ---- Strings of a size known up front ------------------------------------------------
meter(StringPrototype, "concat", (original) => ({
  concat(_) {
    charge(COSTS.call);
    const s = thisString(this, "concat");
    const n = arguments.length;
    chargeMilli(n, COSTS.element);
    const parts = [];
    let total = s.length;
    for (let i = 0; i < n; i++) {
      const part = strArg(arguments[i]);
      parts[i] = part;
      total += part.length;
      checkLength(total);
    }
    newString(total);
    return reflectApply(original, s, parts);
  },
}).concat);

meter(StringPrototype, "repeat", (original) => ({
  repeat(count_) {
    charge(COSTS.call);
    const s = thisString(this, "repeat");
    const c = typeof count_ === "number" ? count_ : numArg(count_);
    const n = toIntegerOrInfinity(c);
    // A negative or infinite count throws V8's own RangeError, from the original.
    if (n < 0 || n === Infinity || n === 0 || s.length === 0) return reflectApply(original, s, [c]);
    const total = s.length * n;
    checkLength(total);
    newString(total);
    return reflectApply(original, s, [n]);
  },
}).repeat);

const PADS = ["padStart", "padEnd"];
for (let i = 0; i < PADS.length; i++) {
  const name = PADS[i];
  meter(StringPrototype, name, (original) => ({
    m(maxLength, fillString) {
      charge(COSTS.call);
      const s = thisString(this, name);
      const length = toLength(typeof maxLength === "number" ? maxLength : numArg(maxLength));
      if (length <= s.length) return s;
      const filler = fillString === undefined ? " " : strArg(fillString);
      if (filler.length === 0) return s;
      checkLength(length);
      newString(length);
      return reflectApply(original, s, [length, filler]);
    },
  }).m);
}

// ---- Whole-string transformations ----------------------------------------------------
// Upper- and lower-casing may grow a string (ß → SS, ΐ → Ϊ́: at most 3 code units for one):
// the bound is reserved, then settled to the result.
const CASES = ["toLowerCase", "toUpperCase", "toLocaleLowerCase", "toLocaleUpperCase"];
for (let i = 0; i < CASES.length; i++) {
  const name = CASES[i];
  meter(StringPrototype, name, (original) => ({
    m() {
      charge(COSTS.call);
      const s = thisString(this, name);
      readChars(s.length);
      if (s.length === 0) return s;
      const reserved = COSTS.memory_string + mathMin(3 * s.length, MAX_STRING_LENGTH);
      count(reserved);
      // No ICU: the locale variants are the plain ones, and take no arguments.
      const result = reflectApply(original, s, []);
      settleString(reserved, result, s);
      return result;
    },
  }).m);
}

meter(StringPrototype, "normalize", (original) => ({
  normalize(form) {
    charge(COSTS.call);
    const s = thisString(this, "normalize");
    const f = form === undefined ? undefined : strArg(form);
    // Without ICU V8 checks the form and returns the string itself.
    return reflectApply(original, s, [f]);
  },
}).normalize);

meter(StringPrototype, "isWellFormed", (original) => ({
  isWellFormed() {
    charge(COSTS.call);
    const s = thisString(this, "isWellFormed");
    readChars(s.length);
    return reflectApply(original, s, []);
  },
}).isWellFormed);

meter(StringPrototype, "toWellFormed", (original) => ({
  toWellFormed() {
    charge(COSTS.call);
    const s = thisString(this, "toWellFormed");
    readChars(s.length);
    const reserved = COSTS.memory_string + s.length;
    count(reserved);
    const result = reflectApply(original, s, []);
    settleString(reserved, result, s);
    return result;
  },
}).toWellFormed);

// trim reads the whitespace it removes (and one character at each end): charged after, by
// the difference, which is bounded by the string it was given.
const trimmer = (name) => (original) => ({
  m() {
    charge(COSTS.call);
    const s = thisString(this, name);
    const result = reflectApply(original, s, []);
    readChars(s.length - result.length + 2);
    if (result.length !== s.length) countPiece(result);
    return result;
  },
}).m;
meter(StringPrototype, "trim", trimmer("trim"));
// trimLeft and trimRight are the same functions as trimStart and trimEnd.
const TRIM_ALIASES = [["trimStart", "trimLeft"], ["trimEnd", "trimRight"]];
for (let i = 0; i < TRIM_ALIASES.length; i++) {
  const name = TRIM_ALIASES[i][0];
  const alias = TRIM_ALIASES[i][1];
  meter(StringPrototype, name, trimmer(name));
  const desc = getOwnPropertyDescriptor(StringPrototype, alias);
  desc.value = StringPrototype[name];
  reflectDefineProperty(StringPrototype, alias, desc);
}

// ---- split ---------------------------------------------------------------------------
meter(StringPrototype, "split", (original) => ({
  split(separator, limit) {
    charge(COSTS.call);
    if (this === null || this === undefined) {
      throw new NativeTypeError("String.prototype.split called on null or undefined");
    }
    if (isObject(separator)) {
      const splitter = getMethod(separator, symbolSplit);
      if (splitter !== undefined) return reflectApply(splitter, separator, [this, limit]);
    }
    const s = toStr(this);
    const lim = limit === undefined ? 4294967295 : toUint32(numArg(limit));
    const sep = strArg(separator);
    if (lim === 0 || separator === undefined) {
      count(COSTS.memory_object + COSTS.memory_element);
      return reflectApply(original, s, [separator === undefined ? undefined : sep, lim]);
    }
    const n = s.length;
    const m = sep.length;
    chargeScan(n, mathMax(m, 1));
    // At most one piece per character (empty separator) or per separator, plus one: reserved,
    // then settled to the pieces made.
    const piece = COSTS.memory_element + COSTS.memory_string;
    const bound = mathMin(lim, m === 0 ? n : mathFloor(n / m) + 1);
    const reserved = COSTS.memory_object + bound * piece;
    count(reserved);
    const result = reflectApply(original, s, [sep, lim]);
    release(reserved - COSTS.memory_object - result.length * piece);
    chargeMilli(result.length, COSTS.element);
    return result;
  },
}).split);

// ---- replace and replaceAll ------------------------------------------------------------
// GetSubstitution (22.1.3.19.1): the replacement `template` makes for one match, every
// piece paid as it is added (`$\`` and `$'` copy up to the whole input, once per match).
// `captures` holds strings or undefined; `namedCaptures` is undefined or an object.
const getSubstitution = (matched, str, position, captures, namedCaptures, template, tally) => {
  const m = captures.length;
  const t = template.length;
  tally.add(t, COSTS.string_read);
  let result = "";
  let i = 0;
  while (i < t) {
    let piece;
    let consumed;
    const dollar = indexIn(template, "$", i);
    if (dollar !== i) {
      // A run of literal characters, up to the next `$`.
      const end = dollar === -1 ? t : dollar;
      piece = sliceOf(template, i, end);
      consumed = end - i;
    } else if (i + 1 >= t) {
      piece = "$";
      consumed = 1;
    } else {
      const c = codeAt(template, i + 1);
      if (c === 36 /* $ */) {
        piece = "$";
        consumed = 2;
      } else if (c === 96 /* ` */) {
        piece = sliceOf(str, 0, position);
        consumed = 2;
      } else if (c === 38 /* & */) {
        piece = matched;
        consumed = 2;
      } else if (c === 39 /* ' */) {
        piece = sliceOf(str, mathMin(position + matched.length, str.length), str.length);
        consumed = 2;
      } else if (c >= 48 && c <= 57) {
        const c2 = i + 2 < t ? codeAt(template, i + 2) : -1;
        let digits = c2 >= 48 && c2 <= 57 ? 2 : 1;
        let index = digits === 2 ? (c - 48) * 10 + (c2 - 48) : c - 48;
        if (index > m && digits === 2) {
          digits = 1;
          index = c - 48;
        }
        consumed = 1 + digits;
        if (index >= 1 && index <= m) {
          const capture = captures[index - 1];
          piece = capture === undefined ? "" : capture;
        } else {
          piece = sliceOf(template, i, i + consumed);
        }
      } else if (c === 60 /* < */) {
        const gt = indexIn(template, ">", i);
        if (gt === -1 || namedCaptures === undefined) {
          piece = "$<";
          consumed = 2;
        } else {
          const capture = namedCaptures[sliceOf(template, i + 2, gt)];
          piece = capture === undefined ? "" : toStr(capture);
          consumed = gt + 1 - i;
        }
      } else {
        piece = "$";
        consumed = 1;
      }
    }
    tally.write(piece.length);
    result += piece;
    i += consumed;
  }
  return result;
};

// One replacement of a string search: the function's result, or the template's.
const replacementFor = (search, s, position, replaceValue, template, tally) => {
  if (template === undefined) {
    tally.add(1, COSTS.callback);
    const r = toStr(reflectApply(replaceValue, undefined, [search, position, s]));
    tally.write(r.length);
    return r;
  }
  if (indexIn(template, "$", 0) === -1) {
    tally.write(template.length);
    return template;
  }
  return getSubstitution(search, s, position, [], undefined, template, tally);
};

// Both are implemented here for a string pattern (a RegExp goes to its Symbol.replace,
// 31-regexp.js), so that every piece of the result is paid before it is made.
implement(StringPrototype, "replace", "replace", 2, ({
  replace(searchValue, replaceValue) {
    charge(COSTS.call);
    if (this === null || this === undefined) {
      throw new NativeTypeError("String.prototype.replace called on null or undefined");
    }
    if (isObject(searchValue)) {
      const replacer = getMethod(searchValue, symbolReplace);
      if (replacer !== undefined) return reflectApply(replacer, searchValue, [this, replaceValue]);
    }
    const s = toStr(this);
    const search = strArg(searchValue);
    const template = typeof replaceValue === "function" ? undefined : strArg(replaceValue);
    chargeSearch(s.length, search.length);
    const position = indexIn(s, search, 0);
    if (position === -1) return s;
    const tally = makeTally();
    const replacement = replacementFor(search, s, position, replaceValue, template, tally);
    tally.write(s.length - search.length);
    tally.done();
    count(COSTS.memory_string);
    return sliceOf(s, 0, position) + replacement + sliceOf(s, position + search.length, s.length);
  },
}).replace);

implement(StringPrototype, "replaceAll", "replaceAll", 2, ({
  replaceAll(searchValue, replaceValue) {
    charge(COSTS.call);
    if (this === null || this === undefined) {
      throw new NativeTypeError("String.prototype.replaceAll called on null or undefined");
    }
    if (searchValue !== undefined && searchValue !== null) {
      if (isRegExp(searchValue)) {
        const flags = searchValue.flags;
        if (flags === undefined || flags === null) toObject(flags);
        if (indexIn(toStr(flags), "g", 0) === -1) {
          throw new NativeTypeError("String.prototype.replaceAll called with a non-global RegExp argument");
        }
      }
      if (isObject(searchValue)) {
        const replacer = getMethod(searchValue, symbolReplace);
        if (replacer !== undefined) return reflectApply(replacer, searchValue, [this, replaceValue]);
      }
    }
    const s = toStr(this);
    const search = strArg(searchValue);
    const template = typeof replaceValue === "function" ? undefined : strArg(replaceValue);
    const n = s.length;
    const m = search.length;
    const advance = mathMax(1, m);
    chargeScan(n, advance);
    let position = indexIn(s, search, 0);
    if (position === -1) return s;
    const tally = makeTally();
    let result = "";
    let end = 0;
    while (position !== -1) {
      const preserved = sliceOf(s, end, position);
      tally.write(preserved.length);
      const replacement = replacementFor(search, s, position, replaceValue, template, tally);
      result = result + preserved + replacement;
      end = position + m;
      position = position + advance > n ? -1 : indexIn(s, search, position + advance);
    }
    if (end < n) {
      tally.write(n - end);
      result += sliceOf(s, end, n);
    }
    tally.done();
    count(COSTS.memory_string);
    return result;
  },
}).replaceAll);

// ---- Through a regular expression ------------------------------------------------------
// match, matchAll and search call the pattern's method, or make a RegExp through the
// metered constructor (31-regexp.js: linear-time engine, compile charged): V8 would use the
// unwrapped intrinsic.
implement(StringPrototype, "match", "match", 1, ({
  match(regexp) {
    charge(COSTS.call);
    if (this === null || this === undefined) {
      throw new NativeTypeError("String.prototype.match called on null or undefined");
    }
    if (isObject(regexp)) {
      const matcher = getMethod(regexp, symbolMatch);
      if (matcher !== undefined) return reflectApply(matcher, regexp, [this]);
    }
    const s = toStr(this);
    const rx = regExpCreate(regexp === undefined ? "" : strArg(regexp), "");
    return reflectApply(rx[symbolMatch], rx, [s]);
  },
}).match);

implement(StringPrototype, "matchAll", "matchAll", 1, ({
  matchAll(regexp) {
    charge(COSTS.call);
    if (this === null || this === undefined) {
      throw new NativeTypeError("String.prototype.matchAll called on null or undefined");
    }
    if (regexp !== undefined && regexp !== null) {
      if (isRegExp(regexp)) {
        const flags = regexp.flags;
        if (flags === undefined || flags === null) toObject(flags);
        if (indexIn(toStr(flags), "g", 0) === -1) {
          throw new NativeTypeError("String.prototype.matchAll called with a non-global RegExp argument");
        }
      }
      if (isObject(regexp)) {
        const matcher = getMethod(regexp, symbolMatchAll);
        if (matcher !== undefined) return reflectApply(matcher, regexp, [this]);
      }
    }
    const s = toStr(this);
    const rx = regExpCreate(regexp === undefined ? "" : strArg(regexp), "g");
    return reflectApply(rx[symbolMatchAll], rx, [s]);
  },
}).matchAll);

implement(StringPrototype, "search", "search", 1, ({
  search(regexp) {
    charge(COSTS.call);
    if (this === null || this === undefined) {
      throw new NativeTypeError("String.prototype.search called on null or undefined");
    }
    if (isObject(regexp)) {
      const searcher = getMethod(regexp, symbolSearch);
      if (searcher !== undefined) return reflectApply(searcher, regexp, [this]);
    }
    const s = toStr(this);
    const rx = regExpCreate(regexp === undefined ? "" : strArg(regexp), "");
    return reflectApply(rx[symbolSearch], rx, [s]);
  },
}).search);

// ---- The iterator and the legacy HTML methods ------------------------------------------
// Making the iterator is O(1); each step is paid by the loop that takes it.
meter(StringPrototype, symbolIterator, (original) => ({
  m() {
    charge(COSTS.call);
    const s = thisString(this, "[Symbol.iterator]");
    count(COSTS.memory_object);
    return reflectApply(original, s, []);
  },
}).m);
constant(stringIteratorPrototype, ["next"]);

// CreateHTML (B.2.2.2.1): `<tag attr="value">s</tag>`, `"` in the value written `&quot;`.
const html = (name, tag, attribute) => (original) => ({
  m(value) {
    charge(COSTS.call);
    const s = thisString(this, name);
    let bound = s.length + 2 * tag.length + 5;
    let args = [];
    if (attribute !== undefined) {
      const v = strArg(value);
      readChars(v.length);
      bound += attribute.length + 4 + 6 * v.length;
      args = [v];
    }
    const reserved = COSTS.memory_string + mathMin(bound, MAX_STRING_LENGTH);
    count(reserved);
    const result = reflectApply(original, s, args);
    settleString(reserved, result, undefined);
    return result;
  },
}).m;
const HTML = [
  ["anchor", "a", "name"], ["big", "big"], ["blink", "blink"], ["bold", "b"], ["fixed", "tt"],
  ["fontcolor", "font", "color"], ["fontsize", "font", "size"], ["italics", "i"],
  ["link", "a", "href"], ["small", "small"], ["strike", "strike"], ["sub", "sub"], ["sup", "sup"],
];
for (let i = 0; i < HTML.length; i++) {
  const name = HTML[i][0];
  meter(StringPrototype, name, html(name, HTML[i][1], HTML[i][2]));
}

// toString and valueOf return the receiver's string: O(1).
constant(StringPrototype, ["toString", "valueOf"]);

// ---- String's statics ------------------------------------------------------------------
meter(StringWrapper, "fromCharCode", (original) => ({
  fromCharCode(_) {
    charge(COSTS.call);
    const n = arguments.length;
    chargeMilli(n, COSTS.element);
    const codes = [];
    for (let i = 0; i < n; i++) {
      const c = arguments[i];
      codes[i] = typeof c === "number" ? c : numArg(c);
    }
    newString(n);
    return reflectApply(original, undefined, codes);
  },
}).fromCharCode);

meter(StringWrapper, "fromCodePoint", (original) => ({
  fromCodePoint(_) {
    charge(COSTS.call);
    const n = arguments.length;
    chargeMilli(n, COSTS.element);
    const points = [];
    let length = 0;
    for (let i = 0; i < n; i++) {
      const c = arguments[i];
      const p = typeof c === "number" ? c : numArg(c);
      const v = +p;
      // An invalid code point throws V8's RangeError now, before later arguments convert.
      if (!(v >= 0 && v <= 0x10ffff && mathTrunc(v) === v)) reflectApply(original, undefined, [p]);
      points[i] = v;
      length += v > 0xffff ? 2 : 1;
    }
    newString(length);
    return reflectApply(original, undefined, points);
  },
}).fromCodePoint);

// String.raw (22.1.2.4), here: its literal count comes from the template object, so the
// loop is paid per segment as it runs.
implement(StringWrapper, "raw", "raw", 1, ({
  raw(template, _) {
    charge(COSTS.call);
    const substitutions = arguments.length - 1;
    const cooked = toObject(template);
    const literals = toObject(cooked.raw);
    const literalCount = toLength(numArg(literals.length));
    if (literalCount <= 0) return "";
    const tally = makeTally();
    let result = "";
    for (let i = 0; ; i++) {
      tally.add(1, COSTS.element);
      const literal = toStr(literals[`${i}`]);
      tally.write(literal.length);
      result += literal;
      if (i + 1 === literalCount) break;
      if (i < substitutions) {
        const sub = toStr(arguments[i + 1]);
        tally.write(sub.length);
        result += sub;
      }
    }
    tally.done();
    count(COSTS.memory_string);
    return result;
  },
}).raw);
