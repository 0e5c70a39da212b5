// Freezing: every intrinsic reachable from the global object, plus the hidden ones, so that
// nothing one call does to them can be seen by another.

// ---- Freeze every intrinsic ---------------------------------------------------------
// Done here, once, into the snapshot. Two objects stay open in the snapshot because V8
// adds to them each time it makes a context from it (Error.stackTraceLimit, the global
// WebAssembly); lockdown() closes them per context, before any contract code runs. V8's
// other per-context installs (recent built-ins) are turned off by flags (platform.rs).
// RegExp's legacy static properties ($1, lastMatch, ...) would carry the last match of one
// call into the next; nothing needs them.
// (Filled with the captured `add`: the Set constructor would call the public one, which is
// a metered wrapper, and nothing metered may run outside a call.)
const legacyStatics = new NativeSet();
for (const name of ["input", "lastMatch", "lastParen", "leftContext", "rightContext"]) {
  reflectApply(setAdd, legacyStatics, [name]);
}
const regexpKeys = reflectOwnKeys(RegExp);
for (let i = 0; i < regexpKeys.length; i++) {
  const key = regexpKeys[i];
  if (typeof key === "string" && (key[0] === "$" || reflectApply(setHas, legacyStatics, [key]))) {
    delete RegExp[key];
  }
}
// (The walk uses only intrinsics captured in 01-meter.js: the public ones may be wrapped.)
forEachReachable((value) => {
  // (`Error` is a proxy of the intrinsic, 34-functions.js: the intrinsic stays open.)
  if (value !== G && value !== IntrinsicError && value !== Error) freeze(value);
});
// Per context, before any contract code runs: what V8 re-added, removed; the two open
// objects closed. `Error.stackTraceLimit` (which V8 sets per context) is 0, as in IOST's
// runtime: an error's `stack` holds no frames, so no runtime frame can reach a result and
// making an error costs the same wherever it is thrown. Receipts still show the contract's
// frames, from V8's separate record of the uncaught exception.
const NativeRegExpPrototype = RegExp.prototype;
const lockdown = () => {
  delete G.WebAssembly;
  // V8 adds the `linear` flag getter to RegExp.prototype in every new context from the
  // snapshot, configurable, and `freeze` cannot close it (the prototype's map already says
  // frozen): removed, like the other things V8 re-adds (`flags`, which reads it, then shows
  // no `l`). In a context made without the snapshot it was frozen with the rest and stays.
  reflectDeleteProperty(NativeRegExpPrototype, "linear");
  defineProperty(Error, "stackTraceLimit", { value: 0, writable: false, configurable: false });
  freeze(Error);
  freeze(G);
};
