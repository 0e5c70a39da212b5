// Metered built-ins: Number, Math and the global functions (parseInt, parseFloat, isNaN,
// isFinite, the URI functions, escape/unescape; eval throws). Almost all are O(1) once their
// arguments are numbers: the wrappers exist to convert each argument once (numArg: a long
// string pays for being parsed), with a fast path for numbers.

const NativeNumber = Number;
const NumberPrototype = NativeNumber.prototype;

// ---- Global functions --------------------------------------------------------------------
// parseInt and parseFloat read their string (leading white space included): O(length).
meter(G, "parseInt", (original) => ({
  parseInt(string, radix) {
    charge(COSTS.call);
    const s = strArg(string);
    readChars(s.length);
    charge(COSTS.number_format);
    return reflectApply(original, undefined, [s, typeof radix === "number" ? radix : numArg(radix)]);
  },
}).parseInt);
meter(G, "parseFloat", (original) => ({
  parseFloat(string) {
    charge(COSTS.call);
    const s = strArg(string);
    readChars(s.length);
    charge(COSTS.number_format);
    return reflectApply(original, undefined, [s]);
  },
}).parseFloat);
const TESTS = ["isNaN", "isFinite"];
for (let i = 0; i < TESTS.length; i++) {
  meter(G, TESTS[i], (original) => ({
    m(number) {
      charge(COSTS.call);
      return reflectApply(original, undefined, [typeof number === "number" ? number : numArg(number)]);
    },
  }).m);
}

// The URI functions and escape/unescape read their string once and write at most `growth`
// characters per character read (encodeURI: a code unit becomes up to three %XX escapes;
// escape: %uXXXX). The bound is reserved, then settled to the result.
const transcoder = (growth) => (original) => ({
  m(string) {
    charge(COSTS.call);
    const s = strArg(string);
    readChars(s.length);
    const reserved = COSTS.memory_string + mathMin(growth * s.length, MAX_STRING_LENGTH);
    count(reserved);
    let result;
    try {
      result = reflectApply(original, undefined, [s]);
    } catch (e) {
      release(reserved);
      throw e;
    }
    settleString(reserved, result, undefined);
    return result;
  },
}).m;
meter(G, "encodeURI", transcoder(9));
meter(G, "encodeURIComponent", transcoder(9));
meter(G, "decodeURI", transcoder(1));
meter(G, "decodeURIComponent", transcoder(1));
meter(G, "escape", transcoder(6));
meter(G, "unescape", transcoder(1));
// Code generation from strings is disabled: eval throws EvalError before looking at its
// argument.
constant(G, ["eval"]);

// ---- Number ----------------------------------------------------------------------------------
const NumberWrapper = function Number(value) {
  charge(COSTS.call);
  const n = arguments.length === 0 ? 0 : +(typeof value === "number" ? value : numArg(value));
  if (new.target === undefined) return n;
  count(COSTS.memory_object);
  return reflectConstruct(NativeNumber, [n], constructTarget(new.target, NumberWrapper, NativeNumber));
};
installConstructor(G, "Number", NumberWrapper);
// Number.parseInt and Number.parseFloat are the global functions.
const PARSERS = ["parseInt", "parseFloat"];
for (let i = 0; i < PARSERS.length; i++) {
  const name = PARSERS[i];
  const desc = getOwnPropertyDescriptor(NumberWrapper, name);
  desc.value = G[name];
  reflectDefineProperty(NumberWrapper, name, desc);
}
// These take no conversion: anything but a number answers false.
constant(NumberWrapper, ["isFinite", "isInteger", "isNaN", "isSafeInteger"]);

// The receiver of a Number.prototype method, if it is a number: the brand check comes
// before the argument's conversion.
const isNumberValue = (x) => typeof x === "number" || (isObject(x) && hasSlot(numberValueOf, x));
// Formatting: at most a few hundred characters (toString(2) of a double: 1,100), a result
// bounded by a constant, counted after.
const formatter = (original) => ({
  m(arg) {
    charge(COSTS.call + COSTS.number_format);
    if (!isNumberValue(this)) return reflectApply(original, this, [arg]);
    const result = reflectApply(original, this, [typeof arg === "number" || arg === undefined ? arg : numArg(arg)]);
    newString(result.length);
    return result;
  },
}).m;
const FORMATS = ["toString", "toFixed", "toExponential", "toPrecision"];
for (let i = 0; i < FORMATS.length; i++) meter(NumberPrototype, FORMATS[i], formatter);
// No ICU: toLocaleString is toString, and ignores its arguments.
meter(NumberPrototype, "toLocaleString", (original) => ({
  toLocaleString() {
    charge(COSTS.call + COSTS.number_format);
    const result = reflectApply(original, this, []);
    newString(result.length);
    return result;
  },
}).toLocaleString);
constant(NumberPrototype, ["valueOf"]);

// ---- Math ------------------------------------------------------------------------------------
const MATH_UNARY = [
  "abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt", "ceil", "clz32", "cos",
  "cosh", "exp", "expm1", "floor", "fround", "log", "log1p", "log10", "log2", "round", "sign",
  "sin", "sinh", "sqrt", "tan", "tanh", "trunc",
];
for (let i = 0; i < MATH_UNARY.length; i++) {
  meter(Math, MATH_UNARY[i], (original) => ({
    m(x) {
      charge(COSTS.call);
      return reflectApply(original, undefined, [typeof x === "number" ? x : numArg(x)]);
    },
  }).m);
}
const MATH_BINARY = ["atan2", "imul", "pow"];
for (let i = 0; i < MATH_BINARY.length; i++) {
  meter(Math, MATH_BINARY[i], (original) => ({
    m(x, y) {
      charge(COSTS.call);
      const a = typeof x === "number" ? x : numArg(x);
      const b = typeof y === "number" ? y : numArg(y);
      return reflectApply(original, undefined, [a, b]);
    },
  }).m);
}
// max, min and hypot take any number of arguments (as many as a spread or apply may pass),
// and convert every one of them, in order, before comparing.
const MATH_VARIADIC = ["max", "min", "hypot"];
for (let i = 0; i < MATH_VARIADIC.length; i++) {
  meter(Math, MATH_VARIADIC[i], (original) => ({
    m(_a, _b) {
      charge(COSTS.call);
      const n = arguments.length;
      chargeMilli(n, COSTS.element);
      let numbers = true;
      for (let k = 0; k < n; k++) {
        if (typeof arguments[k] !== "number") {
          numbers = false;
          break;
        }
      }
      if (numbers) return reflectApply(original, undefined, arguments);
      const values = [];
      for (let k = 0; k < n; k++) {
        const x = arguments[k];
        values[k] = typeof x === "number" ? x : numArg(x);
      }
      return reflectApply(original, undefined, values);
    },
  }).m);
}
