// The environment: nothing nondeterministic and nothing that escapes the sandbox. No clock
// but the block's, no randomness, no code generation from strings, no WebAssembly, no shared
// memory, no GC-observable references, and calendar math in UTC whatever the node's zone.

// ---- Remove what is nondeterministic or escapes the sandbox ------------------------
// (V8 re-adds WebAssembly to every context made from a snapshot: lockdown() removes it.)
for (const name of ["WebAssembly", "SharedArrayBuffer", "Atomics", "WeakRef", "FinalizationRegistry", "console"]) {
  delete G[name];
}

const unavailable = (what, why) => function () {
  throw new Error(`${what} is not available to contracts: ${why}`);
};
defineProperty(Math, "random", {
  value: unavailable("Math.random", "results must be the same on every node; derive values from tx.hash or block data"),
  writable: false, configurable: false, enumerable: false,
});

// ---- Date: the clock is the block's time, and all calendar math is UTC -------------
const NativeDate = Date;
const nativeUTC = NativeDate.UTC;
const nativeParse = NativeDate.parse;
// ISO 8601 with an explicit zone, or a date alone (which ECMAScript reads as UTC):
// strings without a zone would be read in the node's local time zone.
const ISO = /^[+-]?\d{4,6}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const parse = (text) => {
  const s = String(text);
  return ISO.test(s) ? nativeParse(s) : NaN;
};
function IsoDate(...args) {
  if (new.target === undefined) {
    return new NativeDate(natives.now()).toISOString();
  }
  let date;
  if (args.length === 0) {
    date = new NativeDate(natives.now());
  } else if (args.length === 1) {
    const v = args[0];
    date = new NativeDate(typeof v === "string" ? parse(v) : v);
  } else {
    date = new NativeDate(nativeUTC(...args));
  }
  Object.setPrototypeOf(date, new.target.prototype);
  return date;
}
const proto = NativeDate.prototype;
defineProperty(IsoDate, "prototype", { value: proto, writable: false });
defineProperty(proto, "constructor", { value: IsoDate, writable: true, configurable: true });
IsoDate.now = () => natives.now();
IsoDate.UTC = nativeUTC;
IsoDate.parse = parse;
// Local-time methods become their UTC twins, so the node's time zone never shows.
for (const name of [
  "FullYear", "Month", "Date", "Day", "Hours", "Minutes", "Seconds", "Milliseconds",
]) {
  defineProperty(proto, "get" + name, { value: proto["getUTC" + name], writable: true, configurable: true });
  if (name !== "Day") {
    defineProperty(proto, "set" + name, { value: proto["setUTC" + name], writable: true, configurable: true });
  }
}
const iso = proto.toISOString;
const utc = proto.toUTCString;
defineProperty(proto, "getTimezoneOffset", { value() { return 0; }, writable: true, configurable: true });
for (const name of ["toString", "toLocaleString"]) {
  defineProperty(proto, name, { value() { return utc.call(this); }, writable: true, configurable: true });
}
for (const name of ["toDateString", "toLocaleDateString"]) {
  defineProperty(proto, name, { value() { return iso.call(this).slice(0, 10); }, writable: true, configurable: true });
}
for (const name of ["toTimeString", "toLocaleTimeString"]) {
  defineProperty(proto, name, { value() { return iso.call(this).slice(11, 23) + "Z"; }, writable: true, configurable: true });
}
G.Date = IsoDate;
