// Metered built-ins: Date. The clock is the block's time, and all calendar math is UTC
// whatever the node's time zone: the local-time methods are their UTC twins (getYear and
// setYear included), the string forms are made from UTC fields, and a string is parsed only
// when it names its zone (or is a date alone, which ECMAScript reads as UTC).

const NativeDate = Date;
const DatePrototype = NativeDate.prototype;
const nativeUTC = NativeDate.UTC;
const nativeDateParse = NativeDate.parse;
const dateGetTime = DatePrototype.getTime;
const dateSetTime = DatePrototype.setTime;
const dateGetUTCFullYear = DatePrototype.getUTCFullYear;
const dateSetUTCFullYear = DatePrototype.setUTCFullYear;
const dateToISOString = DatePrototype.toISOString;
const dateToUTCString = DatePrototype.toUTCString;

const isDate = (x) => isObject(x) && hasSlot(dateGetTime, x);
// thisTimeValue: TypeError ("this is not a Date object.") for anything but a Date.
const timeOf = (date) => reflectApply(dateGetTime, date, []);

// ---- Parsing ----------------------------------------------------------------------------------
// ISO 8601 with an explicit zone, or a date alone; or the form toString and toUTCString
// write. Anything else (which V8 would read in the node's time zone) is NaN. No accepted
// string is longer than 40 characters; a longer one is refused without a match.
const ISO_DATE = /^(\d{4}|[+-]\d{6})-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const UTC_DATE = /^(Sun|Mon|Tue|Wed|Thu|Fri|Sat), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) -?\d{4,6} \d{2}:\d{2}:\d{2} GMT$/;
const parseDate = (s) => {
  readChars(s.length);
  charge(COSTS.number_format);
  if (s.length > 40) return NaN;
  if (reflectApply(nativeExec, ISO_DATE, [s]) === null && reflectApply(nativeExec, UTC_DATE, [s]) === null) {
    return NaN;
  }
  return nativeDateParse(s);
};

// ---- The string forms -----------------------------------------------------------------------
// toString is toUTCString ("Thu, 01 Jan 1970 00:00:00 GMT"); toDateString and toTimeString
// are the two halves of toISOString; an invalid date reads "Invalid Date".
const dateString = (t) => reflectApply(dateToUTCString, new NativeDate(t), []);
const isoHalf = (date, first) => {
  const t = timeOf(date);
  if (t !== t) return "Invalid Date";
  const iso = reflectApply(dateToISOString, date, []);
  const at = indexIn(iso, "T", 0);
  return first ? sliceOf(iso, 0, at) : sliceOf(iso, at + 1, iso.length);
};

// ---- The constructor ---------------------------------------------------------------------------
const DateWrapper = function Date(_year, _month, _date, _hours, _minutes, _seconds, _ms) {
  charge(COSTS.call);
  if (new.target === undefined) {
    charge(COSTS.number_format);
    return dateString(natives.now());
  }
  const n = arguments.length;
  let time;
  if (n === 0) {
    time = natives.now();
  } else if (n === 1) {
    const value = arguments[0];
    if (isDate(value)) {
      time = timeOf(value);
    } else {
      const p = toPrimitive(value, "default");
      time = typeof p === "string" ? parseDate(p) : +p;
    }
  } else {
    // The fields, as Date.UTC reads them (two-digit years are 19xx).
    const fields = [];
    for (let i = 0; i < n && i < 7; i++) fields[i] = numArg(arguments[i]);
    time = reflectApply(nativeUTC, undefined, fields);
  }
  count(COSTS.memory_object);
  return reflectConstruct(NativeDate, [time], constructTarget(new.target, DateWrapper, NativeDate));
};
installConstructor(G, "Date", DateWrapper);

implement(DateWrapper, "now", "now", 0, () => {
  charge(COSTS.call);
  return natives.now();
});
implement(DateWrapper, "parse", "parse", 1, (string) => {
  charge(COSTS.call);
  return parseDate(strArg(string));
});
meter(DateWrapper, "UTC", (original) => ({
  UTC(_year, _month) {
    charge(COSTS.call + COSTS.number_format);
    const fields = [];
    for (let i = 0; i < arguments.length && i < 7; i++) fields[i] = numArg(arguments[i]);
    return reflectApply(original, undefined, fields);
  },
}).UTC);

// ---- Fields ------------------------------------------------------------------------------------
// A setter converts the arguments it was given (their number matters: a missing one keeps
// its field), up to its declared length, after the brand check.
const setter = (utc) => (original) => ({
  m(_) {
    charge(COSTS.call);
    if (!isDate(this)) return reflectApply(utc, this, []);
    const n = mathMin(arguments.length, original.length);
    const fields = [];
    for (let i = 0; i < n; i++) {
      const x = arguments[i];
      fields[i] = typeof x === "number" ? x : numArg(x);
    }
    return reflectApply(utc, this, fields);
  },
}).m;
const FIELDS = ["FullYear", "Month", "Date", "Day", "Hours", "Minutes", "Seconds", "Milliseconds"];
for (let i = 0; i < FIELDS.length; i++) {
  const field = FIELDS[i];
  const utcGetter = DatePrototype[`getUTC${field}`];
  meter(DatePrototype, `get${field}`, () => ({
    m() {
      charge(COSTS.call);
      return reflectApply(utcGetter, this, []);
    },
  }).m);
  if (field === "Day") continue;
  const utcSetter = DatePrototype[`setUTC${field}`];
  meter(DatePrototype, `set${field}`, setter(utcSetter));
  meter(DatePrototype, `setUTC${field}`, setter(utcSetter));
  constant(DatePrototype, [`getUTC${field}`]);
}
constant(DatePrototype, ["getUTCDay", "getTime", "valueOf"]);
meter(DatePrototype, "setTime", setter(dateSetTime));

meter(DatePrototype, "getTimezoneOffset", () => ({
  getTimezoneOffset() {
    charge(COSTS.call);
    const t = timeOf(this);
    return t !== t ? NaN : 0;
  },
}).getTimezoneOffset);

// getYear and setYear (B.2.3), on UTC.
meter(DatePrototype, "getYear", () => ({
  getYear() {
    charge(COSTS.call);
    const t = timeOf(this);
    return t !== t ? NaN : reflectApply(dateGetUTCFullYear, this, []) - 1900;
  },
}).getYear);
meter(DatePrototype, "setYear", () => ({
  setYear(year) {
    charge(COSTS.call);
    const t = timeOf(this);
    const y = +(typeof year === "number" ? year : numArg(year));
    if (y !== y) return reflectApply(dateSetTime, this, [NaN]);
    const yi = toIntegerOrInfinity(y);
    const fullYear = yi >= 0 && yi <= 99 ? 1900 + yi : y;
    if (t !== t) reflectApply(dateSetTime, this, [0]);
    return reflectApply(dateSetUTCFullYear, this, [fullYear]);
  },
}).setYear);

// ---- Strings -----------------------------------------------------------------------------------
const FORMS = [
  ["toString", (date) => reflectApply(dateToUTCString, date, [])],
  ["toLocaleString", (date) => reflectApply(dateToUTCString, date, [])],
  ["toDateString", (date) => isoHalf(date, true)],
  ["toLocaleDateString", (date) => isoHalf(date, true)],
  ["toTimeString", (date) => isoHalf(date, false)],
  ["toLocaleTimeString", (date) => isoHalf(date, false)],
];
for (let i = 0; i < FORMS.length; i++) {
  const form = FORMS[i][1];
  meter(DatePrototype, FORMS[i][0], () => ({
    m() {
      charge(COSTS.call + COSTS.number_format);
      timeOf(this);
      return form(this);
    },
  }).m);
}
meter(DatePrototype, "toISOString", (original) => ({
  toISOString() {
    charge(COSTS.call + COSTS.number_format);
    return reflectApply(original, this, []);
  },
}).toISOString);
// toGMTString is the same function as toUTCString.
meter(DatePrototype, "toUTCString", (original) => ({
  toUTCString() {
    charge(COSTS.call + COSTS.number_format);
    return reflectApply(original, this, []);
  },
}).toUTCString);
{
  const desc = getOwnPropertyDescriptor(DatePrototype, "toGMTString");
  desc.value = DatePrototype.toUTCString;
  reflectDefineProperty(DatePrototype, "toGMTString", desc);
}
// toJSON and Symbol.toPrimitive work on any object, through its valueOf, toString and
// toISOString, which may be contract code.
meter(DatePrototype, "toJSON", (original) => ({
  toJSON(key) {
    charge(COSTS.call + COSTS.number_format);
    return builtinFrame(() => reflectApply(original, this, [key]));
  },
}).toJSON);
meter(DatePrototype, symbolToPrimitive, (original) => ({
  m(hint) {
    charge(COSTS.call);
    return builtinFrame(() => reflectApply(original, this, [hint]));
  },
}).m);
