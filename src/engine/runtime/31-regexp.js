// Metered built-ins: RegExp. Every regular expression runs on V8's linear-time engine (the
// `l` flag, which the constructor adds; the instrumenter adds it to literals), so a match is
// at most (input characters scanned) × (pattern size) steps: that is what is charged.
//
// All matching goes through `RegExp.prototype.exec`: once it is replaced, V8's own
// Symbol.replace, split, match, matchAll, search and test call it by name for every match,
// so it is the one place that pays for matching, whichever built-in asked.

const NativeRegExp = RegExp;
const RegExpPrototype = NativeRegExp.prototype;
const flagGetter = (name) => getOwnPropertyDescriptor(RegExpPrototype, name).get;
const globalGetter = flagGetter("global");
const stickyGetter = flagGetter("sticky");
const sourceGetter = flagGetter("source");
// The flags of the internal slot, in the order of the `flags` getter. (`l` is added to every
// pattern; its getter, `linear`, is one V8 installs in each context, after the snapshot.)
const FLAG_GETTERS = [
  ["d", flagGetter("hasIndices")], ["g", globalGetter], ["i", flagGetter("ignoreCase")],
  ["m", flagGetter("multiline")], ["s", flagGetter("dotAll")], ["u", flagGetter("unicode")],
  ["v", flagGetter("unicodeSets")], ["y", stickyGetter],
];
const regExpStringIteratorPrototype = reflectGetPrototypeOf(/a/[symbolMatchAll](""));
// The runtime's own matching (35-date.js): the original, which never looks up `exec`.
const nativeExec = RegExpPrototype.exec;

// Whether `x` has [[RegExpMatcher]] (the flag getters throw on other objects; RegExp.prototype
// is an ordinary object for which they return undefined).
const hasRegExpMatcher = (x) => {
  if (!isObject(x) || x === RegExpPrototype) return false;
  try {
    reflectApply(globalGetter, x, []);
    return true;
  } catch (e) {
    return false;
  }
};
const internalFlags = (rx) => {
  let flags = "";
  for (let i = 0; i < FLAG_GETTERS.length; i++) {
    if (reflectApply(FLAG_GETTERS[i][1], rx, [])) flags += FLAG_GETTERS[i][0];
  }
  return flags;
};

// ---- Pattern size --------------------------------------------------------------------
// What a pattern costs per input character: its source length times the copies counted
// repetitions make of a body (the engine refuses more than 16 in all), with a floor for the
// engine's fixed work per character. And how far past the start of its leftmost match the
// engine can scan (`length`: the longest match of the bounded part, each source character
// matching at most one code unit, no `u` flag):
//   BOUNDED  no `*`, `+` or `{n,}`: within `length` of the match's start;
//   TAIL     one unbounded quantifier, on the last atom, nothing after it, no groups or
//            alternatives (`\s+`, `,\s*`, `a.*`): the loop's thread dies where the match
//            ends, so within `length` of the match's end;
//   OPEN     anything else: to the end of the input.
// A pattern that looks behind is OPEN and is scanned from the start of the input (the
// engine runs the lookbehind from there). Computed once per source per call.
const BOUNDED = 0;
const TAIL = 1;
const OPEN = 2;
const patterns = new NativeMap();
const isDigit = (c) => c >= 48 && c <= 57;
const patternOf = (source) => {
  let info = reflectApply(mapGet, patterns, [source]);
  if (info !== undefined) return info;
  const n = source.length;
  let loops = 0;
  let loopEnd = -1;
  let structure = false;
  let lookbehind = false;
  let replication = 1;
  for (let i = 0; i < n; i++) {
    const c = codeAt(source, i);
    if (c === 92 /* \ */) {
      i++;
    } else if (c === 42 /* * */ || c === 43 /* + */) {
      loops++;
      loopEnd = i + 1;
    } else if (c === 40 /* ( */ || c === 124 /* | */) {
      structure = true;
      if (c === 40 && codeAt(source, i + 1) === 63 /* ? */ && codeAt(source, i + 2) === 60 /* < */) {
        const d = codeAt(source, i + 3);
        if (d === 61 /* = */ || d === 33 /* ! */) lookbehind = true;
      }
    } else if (c === 123 /* { */) {
      let j = i + 1;
      let min = 0;
      while (j < n && isDigit(codeAt(source, j))) min = min * 10 + codeAt(source, j++) - 48;
      if (j === i + 1) continue;
      let max = min;
      if (codeAt(source, j) === 44 /* , */) {
        j++;
        max = 0;
        if (codeAt(source, j) === 125 /* } */) {
          loops++;
          loopEnd = j + 1;
        }
        while (j < n && isDigit(codeAt(source, j))) max = max * 10 + codeAt(source, j++) - 48;
      }
      // Copies multiply when counted repetitions nest: the product of all of them bounds
      // any nesting.
      if (codeAt(source, j) === 125) replication = mathMin(replication * mathMax(min, max, 1), 16);
    }
  }
  // A tail loop may be lazy (`?`), but nothing may follow it: past an assertion (`$` with
  // `m`) the loop's thread can run on beyond the match's end.
  let rest = loopEnd;
  if (rest < n && codeAt(source, rest) === 63) rest++;
  const length = n * replication;
  let kind = OPEN;
  if (!lookbehind && loops === 0) kind = BOUNDED;
  else if (!lookbehind && loops === 1 && !structure && rest === n) kind = TAIL;
  info = freeze({ units: mathMax(length, COSTS.regexp_min_pattern), length, kind, lookbehind });
  reflectApply(mapSet, patterns, [source, info]);
  return info;
};

// ---- Making one --------------------------------------------------------------------------
// Adds `l` to flags V8 would accept; flags it would not are passed on unchanged, so that the
// SyntaxError names what the contract wrote.
const linearFlags = (flags) => {
  let seen = "";
  for (let i = 0; i < flags.length; i++) {
    const c = sliceOf(flags, i, i + 1);
    if (indexIn("dgimsuvyl", c, 0) === -1 || indexIn(seen, c, 0) !== -1) return flags;
    seen += c;
  }
  return indexIn(flags, "l", 0) === -1 ? flags + "l" : flags;
};
// Compiles `pattern` (a string) with `flags` (a string): paid by pattern size; a pattern the
// linear-time engine cannot run throws V8's SyntaxError ("Cannot be executed in linear time").
const linearRegExps = new NativeWeakSet();
const makeRegExp = (pattern, flags, target) => {
  chargeMilli(patternOf(pattern).units, COSTS.regexp_compile);
  count(CODE.memory_regexp + pattern.length);
  const rx = reflectConstruct(NativeRegExp, [pattern, linearFlags(flags)], target);
  reflectApply(weakSetAdd, linearRegExps, [rx]);
  return rx;
};
// What exec runs for a RegExp the runtime did not make (a literal): a linear-time twin with
// the same source and flags, one per pattern per call, so that no pattern ever runs on the
// backtracking engine, however it was made. (A pattern the linear-time engine refuses throws
// its SyntaxError there.)
const twins = new NativeMap();
const linearTwin = (rx) => {
  const source = reflectApply(sourceGetter, rx, []);
  const flags = internalFlags(rx);
  const key = `${flags}/${source}`;
  let twin = reflectApply(mapGet, twins, [key]);
  if (twin === undefined) {
    twin = makeRegExp(source, flags, NativeRegExp);
    reflectApply(mapSet, twins, [key, twin]);
  }
  return twin;
};
// What a call starts with: no twin and no pattern size from an earlier call. A twin is paid
// for when it is made (`makeRegExp`) and mirrors `lastIndex`, so a twin kept from an earlier
// call would make this one cheaper than the same call in a fresh context; the pattern sizes
// are a pure function of the source, cleared only so that a warm context does not grow.
const resetRegExpCaches = () => {
  reflectApply(mapClear, twins, []);
  reflectApply(mapClear, patterns, []);
};
// RegExpCreate (22.2.3.1), for String.prototype.match, matchAll and search.
const regExpCreate = (pattern, flags) => makeRegExp(pattern, flags, NativeRegExp);

// The constructor (22.2.4.1), observable steps in order: IsRegExp(pattern), its
// `constructor` when called without `new`, its `source` and `flags` when it is RegExp-like.
const RegExpWrapper = function RegExp(pattern, flags) {
  charge(COSTS.call);
  const patternIsRegExp = isRegExp(pattern);
  if (new.target === undefined && patternIsRegExp && flags === undefined) {
    if (pattern.constructor === RegExpWrapper) return pattern;
  }
  let p = pattern;
  let f = flags;
  if (hasRegExpMatcher(pattern)) {
    p = reflectApply(sourceGetter, pattern, []);
    if (flags === undefined) f = internalFlags(pattern);
  } else if (patternIsRegExp) {
    p = pattern.source;
    if (flags === undefined) f = pattern.flags;
  }
  const target = new.target === undefined ? NativeRegExp : constructTarget(new.target, RegExpWrapper, NativeRegExp);
  return makeRegExp(p === undefined ? "" : strArg(p), f === undefined ? "" : strArg(f), target);
};
// The legacy statics ($1, lastMatch, …) would carry one call's last match into the next.
const regExpStatics = reflectOwnKeys(NativeRegExp);
for (let i = 0; i < regExpStatics.length; i++) {
  const key = regExpStatics[i];
  if (typeof key === "string" && key !== "length" && key !== "name" && key !== "prototype") {
    delete NativeRegExp[key];
  }
}
installConstructor(G, "RegExp", RegExpWrapper);
constant(RegExpWrapper, [symbolSpecies]);
// compile() replaces a pattern in place (and would compile without `l`).
remove(RegExpPrototype, ["compile"]);

// ---- exec: every match ---------------------------------------------------------------------
// Charged before matching: (input characters from where the match starts) × pattern units,
// the most the linear-time engine can step. Once the result shows the engine stopped sooner
// (a BOUNDED or TAIL pattern, above), the charge is settled to that. A sticky match is never
// settled: V8's linear-time engine scans on to the end of the input even when the match
// must start at `lastIndex`.
const countMatch = (result) => {
  const k = result.length;
  let units = COSTS.memory_object + 3 * COSTS.memory_property + k * (COSTS.memory_element + COSTS.memory_string);
  if (result.groups !== undefined) units += COSTS.memory_object + k * COSTS.memory_property;
  if (result.indices !== undefined) {
    units += 2 * COSTS.memory_object + k * (COSTS.memory_object + 2 * COSTS.memory_element);
  }
  count(units);
};
// The steps the engine took at most, given the result (Infinity: no better bound).
const stepsTaken = (info, result, start) => {
  if (result === null) return Infinity;
  if (info.kind === BOUNDED) return result.index - start + info.length + 1;
  if (info.kind === TAIL) return result.index + result[0].length - start + info.length + 1;
  return Infinity;
};
const UNSET = {};
let execMetered = null;
meter(RegExpPrototype, "exec", (original) => {
  execMetered = ({
    exec(string) {
      charge(COSTS.call);
      if (!hasRegExpMatcher(this)) return reflectApply(original, this, [string]);
      const s = strArg(string);
      // ToLength(Get(R, "lastIndex")): converted here, once.
      let lastIndex = this.lastIndex;
      if (typeof lastIndex !== "number") lastIndex = numArg(lastIndex);
      const sticky = reflectApply(stickyGetter, this, []);
      const advances = sticky || reflectApply(globalGetter, this, []);
      const n = s.length;
      const start = advances ? mathMin(toLength(lastIndex), n) : 0;
      const info = patternOf(reflectApply(sourceGetter, this, []));
      const steps = (info.lookbehind ? n : n - start) + 1;
      const charged = milligasToGas(steps * info.units, COSTS.regexp_step);
      charge(charged);
      // The original runs on a RegExp of the runtime's, which has a number as its lastIndex;
      // `this` gets the lastIndex the original would have written.
      const linear = reflectApply(weakSetHas, linearRegExps, [this]) ? this : linearTwin(this);
      let saved = UNSET;
      if (linear !== this) {
        linear.lastIndex = advances ? toLength(lastIndex) : 0;
      } else if (typeof this.lastIndex !== "number") {
        saved = this.lastIndex;
        if (getOwnPropertyDescriptor(this, "lastIndex").writable) this.lastIndex = lastIndex;
        else saved = UNSET;
      }
      let result;
      try {
        result = saved === UNSET && typeof linear.lastIndex !== "number"
          // Frozen with an object lastIndex: the original converts it again.
          ? builtinFrame(() => reflectApply(original, linear, [s]))
          : reflectApply(original, linear, [s]);
      } finally {
        if (saved !== UNSET && !advances) this.lastIndex = saved;
      }
      if (linear !== this && advances) this.lastIndex = linear.lastIndex;
      if (result !== null) countMatch(result);
      const taken = sticky ? Infinity : stepsTaken(info, result, start);
      if (taken < steps) refund(charged - milligasToGas(taken * info.units, COSTS.regexp_step));
      return result;
    },
  }).exec;
  return execMetered;
});

// RegExpExec (22.2.7.1): the object's `exec`, or the built-in one (metered).
const regExpExec = (rx, s) => {
  const exec = rx.exec;
  if (typeof exec === "function") {
    const result = reflectApply(exec, rx, [s]);
    if (result !== null && !isObject(result)) {
      throw new NativeTypeError("Result of RegExp exec must be an object or null");
    }
    return result;
  }
  return reflectApply(execMetered, rx, [s]);
};

meter(RegExpPrototype, "test", (original) => ({
  test(string) {
    charge(COSTS.call);
    if (!isObject(this)) return reflectApply(original, this, [string]);
    return regExpExec(this, strArg(string)) !== null;
  },
}).test);

// ---- The protocol methods: V8's own, which call `exec` per match --------------------------
// Each may run contract code (getters, a subclass's exec, species): one built-in frame.
meter(RegExpPrototype, symbolMatch, (original) => ({
  m(string) {
    charge(COSTS.call);
    if (!isObject(this)) return reflectApply(original, this, [string]);
    const s = strArg(string);
    const result = builtinFrame(() => reflectApply(original, this, [s]));
    // The array of a global match (its strings were counted by exec).
    if (result !== null) count(COSTS.memory_object + result.length * COSTS.memory_element);
    return result;
  },
}).m);

meter(RegExpPrototype, symbolMatchAll, (original) => ({
  m(string) {
    charge(COSTS.call);
    if (!isObject(this)) return reflectApply(original, this, [string]);
    const s = strArg(string);
    count(COSTS.memory_object);
    return builtinFrame(() => reflectApply(original, this, [s]));
  },
}).m);
// Each step is one exec (metered) on the iterator's own RegExp.
meter(regExpStringIteratorPrototype, "next", (original) => ({
  next() {
    charge(COSTS.call);
    return builtinFrame(() => reflectApply(original, this, []));
  },
}).next);

meter(RegExpPrototype, symbolSearch, (original) => ({
  m(string) {
    charge(COSTS.call);
    if (!isObject(this)) return reflectApply(original, this, [string]);
    const s = strArg(string);
    return builtinFrame(() => reflectApply(original, this, [s]));
  },
}).m);

// Split (22.2.6.14) makes a sticky copy of the pattern and tries it at every position: on
// the linear-time engine each try scans to the end of the input. For a RegExp no contract
// code can observe (its own prototype, no own properties but lastIndex, no `u` or `v`) the
// same pieces are found here with a global copy, each search starting where the last piece
// ended; otherwise V8's own runs, every try paid in full by exec.
const isPlainRegExp = (rx) =>
  hasRegExpMatcher(rx) && reflectGetPrototypeOf(rx) === RegExpPrototype && reflectOwnKeys(rx).length === 1;
const splitPlain = (rx, s, lim, flags) => {
  let searchFlags = "g";
  for (let i = 0; i < flags.length; i++) {
    const c = sliceOf(flags, i, i + 1);
    if (c !== "y" && c !== "g") searchFlags += c;
  }
  // What Construct(species, «rx, flags + "y"») would cost: a compiled copy.
  const searcher = makeRegExp(reflectApply(sourceGetter, rx, []), searchFlags, NativeRegExp);
  const result = [];
  const push = (piece) => {
    result[result.length] = piece;
    count(COSTS.memory_element);
    chargeMilli(1, COSTS.element);
    if (typeof piece === "string") countPiece(piece);
    return result.length === lim;
  };
  if (lim === 0) return result;
  const size = s.length;
  if (size === 0) {
    const z = reflectApply(execMetered, searcher, [s]);
    if (z === null) push(s);
    return result;
  }
  let p = 0;
  let q = 0;
  while (q < size) {
    searcher.lastIndex = q;
    const z = reflectApply(execMetered, searcher, [s]);
    // The first position at or after q where the sticky copy would match, and its match.
    if (z === null || z.index >= size) break;
    const e = mathMin(searcher.lastIndex, size);
    if (e === p) {
      q = z.index + 1;
      continue;
    }
    if (push(sliceOf(s, p, z.index))) return result;
    p = e;
    for (let i = 1; i < z.length; i++) {
      if (push(z[i])) return result;
    }
    q = p;
  }
  push(sliceOf(s, p, size));
  return result;
};
meter(RegExpPrototype, symbolSplit, (original) => ({
  m(string, limit) {
    charge(COSTS.call);
    if (!isObject(this)) return reflectApply(original, this, [string, limit]);
    const s = strArg(string);
    const lim = typeof limit === "number" ? limit : numArg(limit);
    if (isPlainRegExp(this)) {
      const flags = internalFlags(this);
      if (indexIn(flags, "u", 0) === -1 && indexIn(flags, "v", 0) === -1) {
        count(COSTS.memory_object);
        return splitPlain(this, s, lim === undefined ? 4294967295 : toUint32(lim), flags);
      }
    }
    const result = builtinFrame(() => reflectApply(original, this, [s, lim]));
    // Pieces between matches that exec paid for: one per match at most.
    count(COSTS.memory_object + result.length * (COSTS.memory_element + COSTS.memory_string));
    chargeMilli(result.length, COSTS.element);
    return result;
  },
}).m);

// Symbol.replace with a function of this runtime as the replacement: it pays for every
// replacement as V8 asks for it (a contract function's result, or GetSubstitution of the
// template, 30-strings.js), so no template can make V8 build an unpaid string.
meter(RegExpPrototype, symbolReplace, (original) => ({
  m(string, replaceValue) {
    charge(COSTS.call);
    if (!isObject(this)) return reflectApply(original, this, [string, replaceValue]);
    const s = strArg(string);
    const tally = makeTally();
    let replacer;
    if (typeof replaceValue === "function") {
      replacer = function () {
        tally.add(1, COSTS.callback);
        const r = toStr(reflectApply(replaceValue, undefined, arguments));
        tally.write(r.length);
        return r;
      };
    } else {
      const template = strArg(replaceValue);
      const literal = indexIn(template, "$", 0) === -1;
      // V8 calls it with (matched, ...captures, position, string[, groups]): captures are
      // strings or undefined, so the position is the only number.
      replacer = function () {
        const argc = arguments.length;
        const hasGroups = typeof arguments[argc - 2] !== "number";
        const at = hasGroups ? argc - 3 : argc - 2;
        const groups = hasGroups && arguments[argc - 1] !== undefined ? toObject(arguments[argc - 1]) : undefined;
        if (literal) {
          tally.write(template.length);
          return template;
        }
        const captures = [];
        for (let i = 1; i < at; i++) captures[i - 1] = arguments[i];
        return getSubstitution(arguments[0], s, arguments[at], captures, groups, template, tally);
      };
    }
    const result = builtinFrame(() => reflectApply(original, this, [s, replacer]));
    // The unreplaced parts of the input, copied into the result: at most the input.
    const copied = result.length - tally.written();
    if (copied > 0) tally.write(copied);
    tally.done();
    count(COSTS.memory_string);
    return result;
  },
}).m);

// ---- The rest of the prototype -----------------------------------------------------------
meter(RegExpPrototype, "toString", (original) => ({
  toString() {
    charge(COSTS.call);
    const result = builtinFrame(() => reflectApply(original, this, []));
    newString(result.length);
    return result;
  },
}).toString);
// `flags` reads nine properties, any of which may be a contract getter; the result is at
// most nine characters.
meter(RegExpPrototype, "flags", (original) => ({
  get() {
    charge(COSTS.call);
    return builtinFrame(() => reflectApply(original, this, []));
  },
}).get, "get");
// The other getters read the internal slot: O(1). `source` returns the escaped source V8
// stores with the pattern.
constant(RegExpPrototype, [
  "dotAll", "global", "hasIndices", "ignoreCase", "multiline", "source", "sticky", "unicode",
  "unicodeSets",
]);
