// IOST's number libraries: `BigNumber` (bignumber.js 7.2.1 as IOST's runtime configures it:
// DECIMAL_PLACES 50, POW_PRECISION 50, ROUNDING_MODE ROUND_DOWN, and only the statics IOST
// keeps: isBigNumber, maximum/max, minimum/min), and `Int64` and `Float64`, IOST's range-checked
// wrappers of it. Written anew on the engine's BigInt (which contracts never see: a value is
// held in a private field, and BigInt itself is removed in 41-buffers.js), metered by the
// digits each operation reads and makes. `docs/contracts.md` lists what differs from IOST;
// `docs/gas.md` the charges.
//
// A finite value is a record { s, c, q, n, d }: sign s (1 or -1, also for zero), magnitude
// c × 10^q with c a BigInt without trailing zeros (0n for zero), n the digits of c and d their
// text. ±Infinity has c null and s ±1; NaN has c null and s 0. Records are never changed.
// (One block: the names below are this file's own, out of the shared scope of the files.)
{

  const NativeBigInt = BigInt;
  const bigintToString = NativeBigInt.prototype.toString;
  const strSlice = String.prototype.slice;
  const strCharCodeAt = String.prototype.charCodeAt;
  const strRepeat = String.prototype.repeat;
  const mathFloor = Math.floor;
  const mathPow = Math.pow;

  const MAX_DIGITS = LIMITS.max_number_digits;
  const DECIMAL_PLACES = 50;
  const POW_PRECISION = 50;
  const ROUNDING_MODE = 1; // ROUND_DOWN
  const TO_EXP_NEG = -7;
  const TO_EXP_POS = 21;
  const MIN_EXP = -1e7;
  const MAX_EXP = 1e7;
  const MAX_ARG = 1e9; // bignumber.js's MAX: the bound of dp and sd arguments
  const LOG_BASE = 14; // bignumber.js's limbs (base 1e14): what pow truncates to
  const MAX_SAFE = 9007199254740991;
  const BN_ERROR = "[BigNumber Error] ";

  const slice = (s, a, b) => reflectApply(strSlice, s, b === undefined ? [a] : [a, b]);
  const code = (s, i) => reflectApply(strCharCodeAt, s, [i]);
  const zeros = (k) => (k > 0 ? reflectApply(strRepeat, "0", [k]) : "");
  const big = (x) => NativeBigInt(x);
  const digitsOf = (c) => reflectApply(bigintToString, c, []);
  const pow10 = (k) => 10n ** NativeBigInt(k);

  // ---- Metering ---------------------------------------------------------------------------
  // Every operation pays `number_op`, `number_digit` per digit it reads or writes and
  // `number_digit_pair` per pair of digits its quadratic work (products, quotients, square
  // roots, and the conversions between a BigInt and its decimal text) may touch: all paid
  // before the work, from bounds known up front. An operation that would need more than
  // `max_number_digits` digits is refused.
  const payOp = () => charge(COSTS.call + COSTS.number_op);
  const payDigits = (linear, pairs) => {
    chargeMilli(linear, COSTS.number_digit);
    chargeMilli(pairs, COSTS.number_digit_pair);
  };
  const needDigits = (n, what) => {
    if (n > MAX_DIGITS) {
      throw new NativeRangeError(
        `BigNumber: ${what} would need ${n} digits; isovm allows at most ${MAX_DIGITS}`);
    }
  };
  // A result of at most `n` digits made from a BigInt: its text, and the BigInt again when
  // trailing zeros are dropped, and its memory.
  const payResult = (n) => {
    payDigits(n, 2 * n * n);
    count(COSTS.memory_object + 2 * n);
  };

  // ---- Records ------------------------------------------------------------------------------
  const NAN = freeze({ s: 0, c: null, q: 0, n: 0, d: "" });
  const INF = freeze({ s: 1, c: null, q: 0, n: 0, d: "" });
  const NEG_INF = freeze({ s: -1, c: null, q: 0, n: 0, d: "" });
  const ZERO = freeze({ s: 1, c: 0n, q: 0, n: 1, d: "0" });
  const NEG_ZERO = freeze({ s: -1, c: 0n, q: 0, n: 1, d: "0" });
  const infinity = (s) => (s < 0 ? NEG_INF : INF);
  const zero = (s) => (s < 0 ? NEG_ZERO : ZERO);
  const isZeroRec = (r) => r.c === 0n;
  const lead = (r) => r.q + r.n - 1; // bignumber.js's e

  // From significant digits `d` (no leading zeros, maybe trailing ones) and the exponent `e` of
  // the first: bignumber.js's range, over- and underflow included.
  const fromText = (s, d, e) => {
    let end = d.length;
    while (end > 0 && code(d, end - 1) === 48) end--;
    if (end === 0) return zero(s);
    if (end < d.length) d = slice(d, 0, end);
    if (e > MAX_EXP) return infinity(s);
    if (e < MIN_EXP) return zero(s);
    return { s, c: big(d), q: e - end + 1, n: end, d };
  };
  // From a BigInt magnitude c × 10^q (paid for by the caller, payResult).
  const fromBig = (s, c, q) => {
    if (c === 0n) return zero(s);
    const d = digitsOf(c);
    return fromText(s, d, q + d.length - 1);
  };

  // ---- Parsing ------------------------------------------------------------------------------
  const isDigit = (ch) => ch >= 48 && ch <= 57;
  const isSpace = (ch) =>
    ch === 32 || (ch >= 9 && ch <= 13) || ch === 0xa0 || ch === 0x1680 ||
    (ch >= 0x2000 && ch <= 0x200a) || ch === 0x2028 || ch === 0x2029 || ch === 0x202f ||
    ch === 0x205f || ch === 0x3000 || ch === 0xfeff;

  // bignumber.js's isNumeric form, /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i: the record,
  // or undefined when `str` is not of that form.
  const parseDecimal = (str) => {
    const len = str.length;
    let i = 0;
    let s = 1;
    if (i < len && code(str, i) === 45) {
      s = -1;
      i++;
    }
    const start = i;
    while (i < len && isDigit(code(str, i))) i++;
    const intEnd = i;
    let fracEnd = i;
    if (i < len && code(str, i) === 46) {
      i++;
      while (i < len && isDigit(code(str, i))) i++;
      fracEnd = i;
    }
    const intDigits = intEnd - start;
    const fracDigits = fracEnd === intEnd ? 0 : fracEnd - intEnd - 1;
    if (intDigits === 0 && fracDigits === 0) return undefined;
    let exp = 0;
    if (i < len && (code(str, i) === 101 || code(str, i) === 69)) {
      i++;
      const expStart = i;
      if (i < len && (code(str, i) === 43 || code(str, i) === 45)) i++;
      const digitsStart = i;
      while (i < len && isDigit(code(str, i))) i++;
      if (i === digitsStart) return undefined;
      exp = +slice(str, expStart, i);
    }
    if (i !== len) return undefined;
    // The significant digits, without the point.
    const digits = fracDigits === 0 ? slice(str, start, intEnd)
      : `${slice(str, start, intEnd)}${slice(str, intEnd + 1, fracEnd)}`;
    let lz = 0;
    while (lz < digits.length && code(digits, lz) === 48) lz++;
    let tz = digits.length;
    while (tz > lz && code(digits, tz - 1) === 48) tz--;
    if (tz === lz) return zero(s);
    const n = tz - lz;
    needDigits(n, "this number");
    payDigits(0, n * n);
    count(COSTS.memory_object + 2 * n);
    return fromText(s, slice(digits, lz, tz), intDigits + exp - lz - 1);
  };

  // An integer in base 2, 8 or 16 (what bignumber.js reads after a 0b, 0o or 0x prefix, or with
  // that base argument): the record, undefined when it has other characters, and a clear error
  // for a fraction (not implemented).
  const RADIX_PREFIX = { 2: "0b", 8: "0o", 16: "0x" };
  const parseRadix = (str, base) => {
    let i = 0;
    let s = 1;
    if (code(str, 0) === 45) {
      s = -1;
      i = 1;
    }
    if (i === str.length) return undefined;
    let point = false;
    for (let k = i; k < str.length; k++) {
      const ch = code(str, k);
      const v = isDigit(ch) ? ch - 48 : ch >= 97 && ch <= 122 ? ch - 87 : ch >= 65 && ch <= 90 ? ch - 55 : -1;
      if (ch === 46 && !point) point = true;
      else if (v < 0 || v >= base) return undefined;
    }
    if (point && str.length - i === 1) return undefined;
    if (point) throw new Error(`BigNumber: fractions in base ${base} are not implemented in isovm yet`);
    const bits = (str.length - i) * (base === 16 ? 4 : base === 8 ? 3 : 1);
    const n = mathCeil(bits * 0.30103) + 1;
    needDigits(n, "this number");
    payResult(n);
    return fromBig(s, big(`${RADIX_PREFIX[base]}${slice(str, i)}`), 0);
  };

  // bignumber.js's parseNumeric: white space and a leading '+' dropped, ±Infinity, NaN, the
  // base prefixes; anything else is NaN.
  const parseOther = (str, b) => {
    let a = 0;
    let z = str.length;
    while (a < z && isSpace(code(str, a))) a++;
    if (a < z && code(str, a) === 43 && a + 1 < z) {
      const next = code(str, a + 1);
      if (isDigit(next) || next === 46 || next === 95 || (next | 32) >= 97 && (next | 32) <= 122) a++;
    }
    while (z > a && isSpace(code(str, z - 1))) z--;
    const t = a === 0 && z === str.length ? str : slice(str, a, z);
    if (t === "Infinity") return INF;
    if (t === "-Infinity") return NEG_INF;
    if (t === "NaN" || t === "-NaN") return NAN;
    // /^(-?)0([xbo])(?=\w[\w.]*$)/i
    const neg = t.length > 0 && code(t, 0) === 45 ? 1 : 0;
    if (t.length > neg + 2 && code(t, neg) === 48) {
      const p = code(t, neg + 1) | 32;
      const base = p === 120 ? 16 : p === 98 ? 2 : p === 111 ? 8 : 0;
      if (base !== 0 && (b === undefined || b === base)) {
        const rest = `${neg ? "-" : ""}${slice(t, neg + 2)}`;
        const r = parseRadix(rest, base);
        if (r !== undefined) return r;
        return NAN;
      }
    }
    if (t !== str) {
      const r = b === undefined ? parseDecimal(t) : parseRadix(t, b);
      if (r !== undefined) return r;
    }
    return NAN;
  };

  const parseString = (str) => {
    chargeMilli(str.length, COSTS.number_digit);
    const r = parseDecimal(str);
    return r !== undefined ? r : parseOther(str, undefined);
  };

  // What bignumber.js makes of `n + ''` for a number.
  const fromNumber = (x) => {
    if (x !== x) return NAN;
    if (x === Infinity) return INF;
    if (x === -Infinity) return NEG_INF;
    if (x === 0) return 1 / x < 0 ? NEG_ZERO : ZERO;
    return parseDecimal(`${x}`);
  };

  // ---- The BigNumber object ---------------------------------------------------------------
  // A private field on a plain object: a class whose base constructor returns the object it is
  // given stamps the field onto it (its prototype untouched).
  class Holder {
    constructor(o) {
      return o;
    }
  }
  class Stamp extends Holder {
    #v;
    constructor(o, v) {
      super(o);
      this.#v = v;
    }
    static read(o) {
      return isObject(o) && #v in o ? o.#v : undefined;
    }
  }
  const readRec = Stamp.read;

  let BigNumberPrototype = null;
  const make = (r) => {
    count(COSTS.memory_object);
    return new Stamp(objectCreate(BigNumberPrototype), r);
  };
  // `this` of a method: a BigNumber, or a TypeError.
  const self = (x, name) => {
    const r = readRec(x);
    if (r === undefined) {
      throw new NativeTypeError(`BigNumber.prototype.${name} called on an object that is not a BigNumber`);
    }
    return r;
  };

  // `v + ''`: the default hint, as bignumber.js's concatenation converts.
  const plusEmpty = (v) =>
    typeof v === "string" ? v : toStr(isObject(v) ? builtinFrame(() => toPrimitive(v, "default")) : v);

  // new BigNumber(v): a BigNumber's value, else `v + ''` read as bignumber.js reads it.
  const toRec = (v) => {
    const own = readRec(v);
    if (own !== undefined) return own;
    if (typeof v === "number") return fromNumber(v);
    if (typeof v === "string") return parseString(v);
    const p = isObject(v) ? builtinFrame(() => toPrimitive(v, "default")) : v;
    if (typeof p === "number") return fromNumber(p);
    return parseString(toStr(p));
  };

  // A primitive-number argument (dp, sd, rm, base, a shift), as bignumber.js's intCheck.
  const intCheck = (v, min, max, name) => {
    if (typeof v !== "number") {
      throw new Error(`${BN_ERROR}${name || "Argument"} not a primitive number: ${toStr(v)}`);
    }
    if (v < min || v > max || v !== (v < 0 ? mathCeil(v) : mathFloor(v))) {
      throw new Error(`${BN_ERROR}${name || "Argument"}${v < min || v > max ? " out of range: " : " not an integer: "}${v}`);
    }
  };
  const roundingMode = (rm) => {
    if (rm === undefined || rm === null) return ROUNDING_MODE;
    intCheck(rm, 0, 8);
    return rm;
  };

  // With a base argument (bignumber.js's second constructor path): base 10 is rounded to
  // DECIMAL_PLACES; 2, 8 and 16 are read as integers; other bases are not implemented.
  const toRecBase = (v, b) => {
    intCheck(b, 2, 36, "Base");
    if (b === 10) {
      const own = readRec(v);
      const r = own !== undefined ? own : parseString(plusEmpty(v));
      return r.c === null ? r : roundAt(r, -DECIMAL_PLACES, ROUNDING_MODE);
    }
    if (b !== 2 && b !== 8 && b !== 16) {
      throw new Error(`BigNumber: base ${b} is not implemented in isovm yet (bases 2, 8, 10 and 16 are)`);
    }
    if (typeof v === "number" && !(v - v === 0)) return fromNumber(v);
    const str = plusEmpty(v);
    chargeMilli(str.length, COSTS.number_digit);
    const r = parseRadix(str, b);
    return r !== undefined ? r : parseOther(str, b);
  };
  const arg = (v, b) => (b === undefined || b === null ? toRec(v) : toRecBase(v, b));

  // ---- Arithmetic on records ---------------------------------------------------------------
  // Whether a magnitude cut short is rounded up (away from zero) by rounding mode rm: s its
  // sign, half the dropped part against half a unit (-1, 0, 1), rest whether it is nonzero,
  // odd whether the kept part is odd.
  const roundsUp = (rm, s, half, rest, odd) => {
    switch (rm) {
      case 0: return rest;
      case 1: return false;
      case 2: return rest && s > 0;
      case 3: return rest && s < 0;
      case 4: return half >= 0 && rest;
      case 5: return half > 0;
      case 6: return half > 0 || (half === 0 && odd);
      case 7: return half > 0 || (half === 0 && s > 0);
      default: return half > 0 || (half === 0 && s < 0);
    }
  };
  // Rounds to a multiple of 10^p (the last kept digit at 10^p) with rounding mode rm.
  const roundAt = (r, p, rm) => {
    if (r.c === null || isZeroRec(r) || r.q >= p) return r;
    const drop = p - r.q;
    const keepDigits = r.n - drop; // may be <= 0
    let kept;
    let cmpHalf; // -1, 0, 1: the dropped part against half a unit
    let rest; // whether the dropped part is nonzero (always, with no trailing zeros)
    if (keepDigits <= 0) {
      kept = 0n;
      // The dropped part is c × 10^-drop < 1 unit; half a unit is 5 × 10^(drop-1).
      cmpHalf = keepDigits < 0 ? -1 : code(r.d, 0) > 53 ? 1 : code(r.d, 0) < 53 ? -1 : r.n > 1 ? 1 : 0;
      rest = true;
    } else {
      payResult(keepDigits + 1);
      kept = big(slice(r.d, 0, keepDigits));
      const first = code(r.d, keepDigits);
      cmpHalf = first > 53 ? 1 : first < 53 ? -1 : keepDigits + 1 < r.n ? 1 : 0;
      rest = true;
    }
    if (roundsUp(rm, r.s, cmpHalf, rest, (kept & 1n) === 1n)) kept += 1n;
    return fromBig(r.s, kept, p);
  };
  // Rounds to sd significant digits.
  const roundSd = (r, sd, rm) => (r.c === null || isZeroRec(r) ? r : roundAt(r, lead(r) - sd + 1, rm));

  const negate = (r) => (r.s === 0 ? r : { s: -r.s, c: r.c, q: r.q, n: r.n, d: r.d });

  const compare = (x, y) => {
    if (x.s === 0 || y.s === 0) return null;
    const a = x.c === 0n;
    const b = y.c === 0n;
    if (a || b) return a ? (b ? 0 : -y.s) : x.s;
    if (x.s !== y.s) return x.s;
    const neg = x.s < 0;
    if (x.c === null || y.c === null) {
      if (x.c === null && y.c === null) return 0;
      return (x.c === null) !== neg ? 1 : -1;
    }
    const ex = lead(x);
    const ey = lead(y);
    if (ex !== ey) return (ex > ey) !== neg ? 1 : -1;
    chargeMilli(x.n < y.n ? x.n : y.n, COSTS.number_digit);
    if (x.d === y.d) return 0;
    return (x.d > y.d) !== neg ? 1 : -1;
  };

  // x × 10^(x.q - q) for q <= x.q.
  const scaled = (r, q) => (r.q === q ? r.c : r.c * pow10(r.q - q));

  const plus = (x, y) => {
    if (x.s === 0 || y.s === 0) return NAN;
    if (x.c === null || y.c === null) {
      if (x.c === null && y.c === null) return x.s === y.s ? x : NAN;
      return x.c === null ? x : y;
    }
    if (isZeroRec(x) || isZeroRec(y)) {
      if (!isZeroRec(y)) return y;
      if (!isZeroRec(x)) return x;
      return x.s === y.s ? x : ZERO;
    }
    const q = x.q < y.q ? x.q : y.q;
    const ex = lead(x);
    const ey = lead(y);
    const n = (ex > ey ? ex : ey) - q + 2;
    needDigits(n, "this sum");
    payResult(n);
    payDigits(2 * n, n * n);
    const a = scaled(x, q);
    const b = scaled(y, q);
    if (x.s === y.s) return fromBig(x.s, a + b, q);
    if (a === b) return ZERO;
    return a > b ? fromBig(x.s, a - b, q) : fromBig(y.s, b - a, q);
  };

  const times = (x, y) => {
    if (x.s === 0 || y.s === 0) return NAN;
    const s = x.s * y.s;
    if (x.c === null || y.c === null) {
      if (x.c === 0n || y.c === 0n) return NAN;
      return infinity(s);
    }
    if (isZeroRec(x) || isZeroRec(y)) return zero(s);
    const n = x.n + y.n;
    needDigits(n, "this product");
    payResult(n);
    payDigits(0, x.n * y.n);
    return fromBig(s, x.c * y.c, x.q + y.q);
  };

  // x / y to dp decimal places, rounded by rm (bignumber.js's div: ROUND_DOWN for div, idiv
  // and mod).
  const divide = (x, y, dp, rm) => {
    const s = x.s === y.s ? 1 : -1;
    if (x.c === null || y.c === null || isZeroRec(x) || isZeroRec(y)) {
      if (x.s === 0 || y.s === 0) return NAN;
      if (x.c === null ? y.c === null : y.c !== null && isZeroRec(x) && isZeroRec(y)) return NAN;
      return (x.c !== null && isZeroRec(x)) || y.c === null ? zero(s) : infinity(s);
    }
    const span = lead(x) - lead(y);
    // |x / y| < 10^(span + 1) <= 10^-(dp + 1): less than half a unit of the last place.
    if (span + 1 <= -dp - 1) return roundsUp(rm, s, -1, true, false) ? fromBig(s, 1n, -dp) : zero(s);
    const shift = dp + x.q - y.q;
    const numDigits = x.n + (shift > 0 ? shift : 0);
    const denDigits = y.n + (shift < 0 ? -shift : 0);
    const quoDigits = span + dp + 2;
    needDigits(numDigits > denDigits ? numDigits : denDigits, "this quotient");
    payResult(quoDigits);
    payDigits(numDigits + denDigits, numDigits * denDigits + shift * shift);
    const num = shift > 0 ? x.c * pow10(shift) : x.c;
    const den = shift < 0 ? y.c * pow10(-shift) : y.c;
    let quo = num / den;
    const rem = num - quo * den;
    const twice = rem * 2n;
    const half = twice > den ? 1 : twice < den ? -1 : 0;
    if (roundsUp(rm, s, half, rem !== 0n, (quo & 1n) === 1n)) quo += 1n;
    return fromBig(s, quo, -dp);
  };

  const modulo = (x, y) => {
    if (x.c === null || y.s === 0 || (y.c !== null && isZeroRec(y))) return NAN;
    if (y.c === null || isZeroRec(x)) return x;
    const q = x.q < y.q ? x.q : y.q;
    const n = (lead(x) > lead(y) ? lead(x) : lead(y)) - q + 1;
    needDigits(n, "this remainder");
    payResult(n);
    payDigits(2 * n, 2 * n * n);
    const rem = scaled(x, q) % scaled(y, q);
    return fromBig(x.s, rem, q);
  };

  // The square root, truncated to DECIMAL_PLACES: floor(sqrt(c × 10^(q + 2dp))) × 10^-dp.
  const squareRoot = (x) => {
    if (x.s !== 1 || x.c === null || isZeroRec(x)) {
      if (x.s === 0 || (x.s < 0 && (x.c === null || !isZeroRec(x)))) return NAN;
      return x;
    }
    const t = x.q + 2 * DECIMAL_PLACES;
    const n = x.n + (t > 0 ? t : 0);
    needDigits(n, "this square root");
    const steps = mathCeil(mathLog2(n + 1)) + 4;
    payResult(n);
    payDigits(n * steps, n * n * steps);
    const v = t >= 0 ? x.c * pow10(t) : x.c / pow10(-t);
    if (v === 0n) return ZERO;
    // Newton's iteration from above: from a power of two at least the root.
    const bitsGuess = mathCeil(((digitsOf(v).length) * 3.33) / 2) + 1;
    let r = 1n << NativeBigInt(bitsGuess);
    for (;;) {
      const next = (r + v / r) >> 1n;
      if (next >= r) break;
      r = next;
    }
    return fromBig(1, r, -DECIMAL_PLACES);
  };

  // bignumber.js's limbs: a value whose first digit is at 10^e keeps, when pow truncates it to
  // k limbs, its first (e mod 14) + 1 + 14 (k - 1) digits.
  const POW_LIMBS = mathCeil(POW_PRECISION / LOG_BASE + 2);
  const truncateLimbs = (r) => {
    if (r.c === null || isZeroRec(r)) return r;
    const e = lead(r);
    const keep = ((e % LOG_BASE) + LOG_BASE) % LOG_BASE + 1 + LOG_BASE * (POW_LIMBS - 1);
    if (r.n <= keep) return r;
    return fromText(r.s, slice(r.d, 0, keep), e);
  };
  // Limb i (0 or 1) of a value whose first digit is at 10^0 or 10^-1, as a number (pow's
  // overflow test reads them).
  const limb = (r, i) => {
    const first = ((lead(r) % LOG_BASE) + LOG_BASE) % LOG_BASE + 1;
    const from = i === 0 ? 0 : first;
    const to = i === 0 ? first : first + LOG_BASE;
    if (from >= r.n) return 0;
    const text = slice(r.d, from, to < r.n ? to : r.n);
    return +`${text}${zeros(to - from - text.length)}`;
  };
  const isOddInteger = (r) => r.q === 0 && (code(r.d, r.n - 1) & 1) === 1;
  const toNumberRec = (r) => +valueText(r);

  const power = (x, nRec) => {
    if (nRec.c !== null && !isIntegerRec(nRec)) {
      throw new Error(`${BN_ERROR}Exponent not an integer: ${valueText(nRec)}`);
    }
    const nIsBig = nRec.c !== null && lead(nRec) > 14;
    // NaN, ±Infinity, ±0, ±1, or an exponent NaN, ±Infinity or ±0: as Math.pow does.
    if (x.c === null || isZeroRec(x) || (x.d === "1" && x.q === 0) || nRec.c === null || isZeroRec(nRec)) {
      const e = nIsBig ? 2 - (isOddInteger(nRec) ? 1 : 0) : toNumberRec(nRec);
      return fromNumber(mathPow(toNumberRec(x), e));
    }
    const nIsNeg = nRec.s < 0;
    const ex = lead(x);
    if (lead(nRec) > 9 && (ex > 0 || ex < -1 || (ex === 0
      ? limb(x, 0) > 1 || (nIsBig && limb(x, 1) >= 24e7)
      : limb(x, 0) < 8e13 || (nIsBig && limb(x, 0) <= 9999975e7)))) {
      // Over- or underflow: ±Infinity or ±0.
      let k = x.s < 0 && isOddInteger(nRec) ? -0 : 0;
      if (ex > -1) k = 1 / k;
      return fromNumber(nIsNeg ? 1 / k : k);
    }
    let n = lead(nRec) >= 16 ? Infinity : toNumberRec(nRec);
    if (n < 0) n = -n;
    if (n > MAX_SAFE) {
      throw new NativeRangeError(`BigNumber.pow: isovm allows exponents up to ${MAX_SAFE} in magnitude`);
    }
    let y = ZERO;
    let first = true;
    let base = x;
    for (;;) {
      if (n % 2 === 1) {
        y = truncateLimbs(first ? base : times(y, base));
        first = false;
        if (y.c === null) break;
      }
      n = mathFloor(n / 2);
      if (n === 0) break;
      base = truncateLimbs(times(base, base));
    }
    if (nIsNeg) y = divide(fromNumber(1), y, DECIMAL_PLACES, ROUNDING_MODE);
    return roundSd(y, POW_PRECISION, ROUNDING_MODE);
  };

  const isIntegerRec = (r) => r.c !== null && r.q >= 0;

  // ---- Text ----------------------------------------------------------------------------------
  // bignumber.js's toExponential and toFixedPoint of digits `d` whose first is at 10^e.
  const expText = (d, e) => `${d.length > 1 ? `${slice(d, 0, 1)}.${slice(d, 1)}` : d}${e < 0 ? "e" : "e+"}${e}`;
  const fixedText = (d, e) => {
    if (e < 0) return `0.${zeros(-e - 1)}${d}`;
    if (e + 1 > d.length) return `${d}${zeros(e + 1 - d.length)}`;
    if (e + 1 < d.length) return `${slice(d, 0, e + 1)}.${slice(d, e + 1)}`;
    return d;
  };
  // What a string of `len` characters costs to make, refused when it would have more digits
  // than a number may hold (beyond room for a sign, a point and an exponent).
  const payText = (len) => {
    if (len > MAX_DIGITS + 64) {
      throw new NativeRangeError(
        `BigNumber: this text would have ${len} characters; isovm allows at most ${MAX_DIGITS + 64}`);
    }
    chargeMilli(len, COSTS.number_digit);
    newString(len);
  };
  // Characters of the fixed-point and exponential forms (without the sign), at most.
  const fixedLength = (r) => {
    const e = lead(r);
    return e < 0 ? r.n - e + 1 : e + 1 > r.n ? e + 1 : r.n + 1;
  };
  const expLength = (r) => r.n + 10;
  const plainLength = (r) => {
    const e = lead(r);
    return e <= TO_EXP_NEG || e >= TO_EXP_POS ? expLength(r) : fixedLength(r);
  };
  // toString() without a base (s: whether the sign of -0 is written, as valueOf does).
  const plainText = (r, signedZero) => {
    if (r.c === null) return r.s === 0 ? "NaN" : r.s < 0 ? "-Infinity" : "Infinity";
    payText(plainLength(r) + 1);
    const e = lead(r);
    const str = e <= TO_EXP_NEG || e >= TO_EXP_POS ? expText(r.d, e) : fixedText(r.d, e);
    return r.s < 0 && (signedZero || !isZeroRec(r)) ? `-${str}` : str;
  };
  const valueText = (r) => plainText(r, true);

  // bignumber.js's format: toFixed (id 0), toExponential (1), toPrecision (2); i is the
  // significant digits to round to (null: none).
  const format = (n, i, rm, id) => {
    rm = roundingMode(rm);
    if (n.c === null) return plainText(n, false);
    const c0 = !isZeroRec(n);
    let str;
    if (i === undefined || i === null) {
      const exp = id === 1 || (id === 2 && lead(n) <= TO_EXP_NEG);
      payText((exp ? expLength(n) : fixedLength(n)) + 1);
      str = id === 1 || (id === 2 && lead(n) <= TO_EXP_NEG) ? expText(n.d, lead(n)) : fixedText(n.d, lead(n));
    } else {
      const ne = lead(n);
      const r = roundSd(n, i, rm);
      const e = lead(r);
      let d = r.d;
      const len = d.length;
      if (id === 1 || (id === 2 && (i <= e || e <= TO_EXP_NEG))) {
        payText(i + 8);
        if (len < i) d = `${d}${zeros(i - len)}`;
        str = expText(d, e);
      } else {
        payText(fixedLength(r) + (i - ne > 0 ? i - ne : 0) + 1);
        let k = i - ne;
        str = fixedText(d, e);
        if (e + 1 > len) {
          if (--k > 0) str = `${str}.${zeros(k)}`;
        } else {
          k += e - len;
          if (k > 0) str = `${str}${e + 1 === len ? "." : ""}${zeros(k)}`;
        }
      }
    }
    return n.s < 0 && c0 ? `-${str}` : str;
  };

  // ---- The constructor and its methods ------------------------------------------------------
  const BigNumber = function BigNumber(n, b) {
    if (new.target === undefined) return new BigNumber(n, b);
    payOp();
    const r = arg(n, b);
    count(COSTS.memory_object);
    return new Stamp(this, r);
  };
  BigNumberPrototype = BigNumber.prototype;

  // Methods of one BigNumber argument `(y, b)` returning a BigNumber.
  const binary = (name, op) => function (y, b) {
    payOp();
    const x = self(this, name);
    return make(op(x, arg(y, b)));
  };
  const predicate = (name, test) => function (y, b) {
    payOp();
    const x = self(this, name);
    return test(compare(x, arg(y, b)));
  };
  const unary = (name, f) => function () {
    payOp();
    return f(self(this, name));
  };

  const methods = {
    absoluteValue: unary("abs", (x) => make(x.s < 0 ? negate(x) : x)),
    comparedTo: predicate("comparedTo", (c) => c),
    decimalPlaces(dp, rm) {
      payOp();
      const x = self(this, "decimalPlaces");
      if (dp !== undefined && dp !== null) {
        intCheck(dp, 0, MAX_ARG);
        return make(roundAt(x, -dp, roundingMode(rm)));
      }
      if (x.c === null) return null;
      return x.q < 0 ? -x.q : 0;
    },
    dividedBy: binary("div", (x, y) => divide(x, y, DECIMAL_PLACES, ROUNDING_MODE)),
    dividedToIntegerBy: binary("idiv", (x, y) => divide(x, y, 0, 1)),
    exponentiatedBy(n, m) {
      payOp();
      const x = self(this, "pow");
      if (m !== undefined && m !== null) {
        throw new Error("BigNumber.prototype.pow: the modulus argument is not implemented in isovm yet");
      }
      return make(power(x, toRec(n)));
    },
    integerValue(rm) {
      payOp();
      const x = self(this, "integerValue");
      return make(roundAt(x, 0, roundingMode(rm)));
    },
    isEqualTo: predicate("eq", (c) => c === 0),
    isFinite: unary("isFinite", (x) => x.c !== null),
    isGreaterThan: predicate("gt", (c) => c > 0),
    isGreaterThanOrEqualTo: predicate("gte", (c) => c === 1 || c === 0),
    isInteger: unary("isInteger", isIntegerRec),
    isLessThan: predicate("lt", (c) => c < 0),
    isLessThanOrEqualTo: predicate("lte", (c) => c === -1 || c === 0),
    isNaN: unary("isNaN", (x) => x.s === 0),
    isNegative: unary("isNegative", (x) => x.s < 0),
    isPositive: unary("isPositive", (x) => x.s > 0),
    isZero: unary("isZero", (x) => x.c === 0n),
    minus: binary("minus", (x, y) => plus(x, negate(y))),
    modulo: binary("mod", modulo),
    multipliedBy: binary("times", times),
    negated: unary("negated", (x) => make(negate(x))),
    plus: binary("plus", plus),
    precision(sd, rm) {
      payOp();
      const x = self(this, "precision");
      if (sd !== undefined && sd !== null && sd !== true && sd !== false) {
        intCheck(sd, 1, MAX_ARG);
        return make(roundSd(x, sd, roundingMode(rm)));
      }
      if (x.c === null) return null;
      const n = isZeroRec(x) ? 1 : x.n;
      return sd === true && lead(x) + 1 > n ? lead(x) + 1 : n;
    },
    shiftedBy(k) {
      payOp();
      const x = self(this, "shiftedBy");
      intCheck(k, -MAX_SAFE, MAX_SAFE);
      if (x.c === null || isZeroRec(x)) return make(x);
      const e = lead(x) + k;
      if (e > MAX_EXP) return make(infinity(x.s));
      if (e < MIN_EXP) return make(zero(x.s));
      return make({ s: x.s, c: x.c, q: x.q + k, n: x.n, d: x.d });
    },
    squareRoot: unary("sqrt", (x) => make(squareRoot(x))),
    toExponential(dp, rm) {
      payOp();
      const x = self(this, "toExponential");
      if (dp !== undefined && dp !== null) intCheck(dp, 0, MAX_ARG);
      return format(x, dp === undefined || dp === null ? dp : dp + 1, rm, 1);
    },
    toFixed(dp, rm) {
      payOp();
      const x = self(this, "toFixed");
      if (dp !== undefined && dp !== null) {
        intCheck(dp, 0, MAX_ARG);
        needDigits(dp, "this text");
        return format(x, x.c === null ? dp : dp + lead(x) + 1, rm, 0);
      }
      return format(x, dp, rm, 0);
    },
    toFormat(dp, rm) {
      const str = reflectApply(methods.toFixed, this, [dp, rm]);
      const x = self(this, "toFormat");
      if (x.c === null) return str;
      // Groups of three integer digits with ',' and '.' before the fraction (FORMAT's defaults).
      const neg = code(str, 0) === 45 ? 1 : 0;
      let point = str.length;
      for (let i = 0; i < str.length; i++) if (code(str, i) === 46) point = i;
      const digits = slice(str, neg, point);
      let head = digits.length % 3 || 3;
      let out = slice(digits, 0, head);
      for (; head < digits.length; head += 3) out = `${out},${slice(digits, head, head + 3)}`;
      const result = `${neg ? "-" : ""}${out}${slice(str, point)}`;
      newString(result.length);
      return result;
    },
    toFraction() {
      throw new Error("BigNumber.prototype.toFraction is not implemented in isovm yet");
    },
    toNumber: unary("toNumber", toNumberRec),
    toPrecision(sd, rm) {
      payOp();
      const x = self(this, "toPrecision");
      if (sd !== undefined && sd !== null) {
        intCheck(sd, 1, MAX_ARG);
        needDigits(sd, "this text");
      }
      return format(x, sd, rm, 2);
    },
    toString(b) {
      payOp();
      const x = self(this, "toString");
      if (b === undefined || b === null) return plainText(x, false);
      intCheck(b, 2, 36, "Base");
      if (x.c === null) return plainText(x, false);
      if (b === 10) {
        const r = roundAt(x, -DECIMAL_PLACES, ROUNDING_MODE);
        payText(fixedLength(r) + 1);
        const str = fixedText(r.d, lead(r));
        return x.s < 0 && !isZeroRec(x) ? `-${str}` : str;
      }
      if (!isIntegerRec(x)) {
        throw new Error(`BigNumber.prototype.toString: fractions in base ${b} are not implemented in isovm yet`);
      }
      const n = x.n + x.q;
      needDigits(n, "this text");
      payResult(n);
      payDigits(0, 4 * n * n);
      const text = reflectApply(bigintToString, x.c * pow10(x.q), [b]);
      newString(text.length + 1);
      return x.s < 0 && !isZeroRec(x) ? `-${text}` : text;
    },
    valueOf: unary("valueOf", valueText),
  };
  // bignumber.js's names for the same functions.
  const ALIASES = [
    ["abs", "absoluteValue"], ["dp", "decimalPlaces"], ["div", "dividedBy"],
    ["idiv", "dividedToIntegerBy"], ["pow", "exponentiatedBy"], ["eq", "isEqualTo"],
    ["gt", "isGreaterThan"], ["gte", "isGreaterThanOrEqualTo"], ["lt", "isLessThan"],
    ["lte", "isLessThanOrEqualTo"], ["mod", "modulo"], ["times", "multipliedBy"],
    ["sd", "precision"], ["sqrt", "squareRoot"], ["toJSON", "valueOf"],
  ];
  for (let i = 0; i < ALIASES.length; i++) methods[ALIASES[i][0]] = methods[ALIASES[i][1]];

  const runtimeFunction = (fn, name, path) => {
    if (fn.name !== name) defineProperty(fn, "name", { value: name, configurable: true });
    reflectApply(weakMapSet, wrapperNames, [fn, name]);
    classify(fn, "runtime", path);
  };
  const installMethods = (target, table, path) => {
    const keys = reflectOwnKeys(table);
    for (let i = 0; i < keys.length; i++) {
      const fn = table[keys[i]];
      defineProperty(target, keys[i], { value: fn, writable: true, configurable: true, enumerable: false });
      if (!reflectApply(weakMapHas, classified, [fn])) runtimeFunction(fn, keys[i], `${path}.${keys[i]}`);
    }
  };
  installMethods(BigNumberPrototype, methods, "BigNumber.prototype");
  defineProperty(BigNumberPrototype, "_isBigNumber", { value: true, writable: true, configurable: true, enumerable: true });

  // The statics IOST's runtime keeps (config, clone, random and the ROUND_* constants it
  // drops).
  const maxOrMin = (args, wantMax) => {
    let list = args;
    if (args.length > 0 && isArray(args[0])) list = args[0];
    chargeMilli(list.length, COSTS.element);
    let m = toRec(list[0]);
    for (let i = 1; i < list.length; i++) {
      const n = toRec(list[i]);
      if (n.s === 0) {
        m = n;
        break;
      }
      const c = compare(m, n);
      if (wantMax ? c < 0 : c > 0) m = n;
    }
    return make(m);
  };
  const statics = {
    isBigNumber(v) {
      charge(COSTS.call);
      if (readRec(v) !== undefined) return true;
      return !!v && builtinFrame(() => v._isBigNumber) === true;
    },
    maximum(...args) {
      payOp();
      return maxOrMin(args, true);
    },
    minimum(...args) {
      payOp();
      return maxOrMin(args, false);
    },
  };
  statics.max = statics.maximum;
  statics.min = statics.minimum;
  installMethods(BigNumber, statics, "BigNumber");
  runtimeFunction(BigNumber, "BigNumber", "BigNumber");
  G.BigNumber = BigNumber;

  // ---- Int64 and Float64 -------------------------------------------------------------------
  // IOST's wrappers: an instance holds its BigNumber in `number` (as in IOST, a contract may read
  // it), every result is range-checked, and an argument that is not an instance of the same
  // class is made one first. The work is the BigNumber methods' (which pay for themselves).
  const INT64_MAX = freeze({ s: 1, c: 9223372036854775807n, q: 0, n: 19, d: "9223372036854775807" });
  const INT64_MIN = freeze({ s: -1, c: 9223372036854775808n, q: 0, n: 19, d: "9223372036854775808" });

  const numberClass = (name, lower, integer) => {
    const fail = (what) => {
      throw new Error(`${name}: ${what}`);
    };
    const validate = (r) => {
      if (integer && !isIntegerRec(r)) fail(`${valueText(r)} is not an integer`);
      if (compare(r, INT64_MAX) > 0) fail(`${valueText(r)} overflow ${lower}`);
      if (compare(r, INT64_MIN) < 0) fail(`${valueText(r)} underflow ${lower}`);
    };
    const Cls = {
      [name]: class {
        constructor(n, base) {
          payOp();
          count(COSTS.memory_object + COSTS.memory_property);
          this.number = new BigNumber(n, base);
          this._validate();
        }
      },
    }[name];
    const P = Cls.prototype;
    const argument = (self, v) => {
      if (v === undefined || v === null) {
        throw new Error(`${integer ? "Int64" : "float64"} argument: ${v} is empty`);
      }
      let a = v;
      if (!(a instanceof Cls) || a.constructor !== self.constructor) a = new self.constructor(a);
      a._validate();
      return a;
    };
    const op = (f) => function (n) {
      payOp();
      const a = argument(this, n);
      return new this.constructor(f(this.number, a.number));
    };
    const test = (f) => function (n) {
      payOp();
      const a = argument(this, n);
      return f(this.number, a.number);
    };
    const table = {
      _validate() {
        payOp();
        const r = readRec(this.number);
        if (r === undefined) throw new NativeTypeError(`${name}: number is not a BigNumber`);
        validate(r);
      },
      _checkArgument(n) {
        payOp();
        return argument(this, n);
      },
      plus: op((a, b) => a.plus(b)),
      minus: op((a, b) => a.minus(b)),
      multi: op((a, b) => a.times(b)),
      div: op((a, b) => (integer ? a.idiv(b) : a.div(b))),
      mod: op((a, b) => a.mod(b)),
      pow: op((a, b) => a.pow(b)),
      eq: test((a, b) => a.eq(b)),
      gt: test((a, b) => a.gt(b)),
      gte: test((a, b) => a.gte(b)),
      lt: test((a, b) => a.lt(b)),
      lte: test((a, b) => a.lte(b)),
      negated() {
        payOp();
        return new this.constructor(this.number.negated());
      },
      isZero() {
        payOp();
        return this.number.isZero();
      },
      isPositive() {
        payOp();
        return this.number.isPositive();
      },
      isNegative() {
        payOp();
        return this.number.isNegative();
      },
      toString() {
        payOp();
        return this.number.toString();
      },
      toFixed(n) {
        payOp();
        return this.number.toFixed(n);
      },
      toJSON() {
        payOp();
        return this.number.toJSON();
      },
    };
    if (integer) {
      table.shift = function shift(n) {
        payOp();
        return new this.constructor(this.number.shiftedBy(n));
      };
    }
    installMethods(P, table, `${name}.prototype`);
    runtimeFunction(Cls, name, name);
    return Cls;
  };
  G.Int64 = numberClass("Int64", "int64", true);
  G.Float64 = numberClass("Float64", "float64", false);
}
