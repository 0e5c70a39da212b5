// The inventory: every function a contract can reach must be classified by the files before
// this one (`meter`, `constant`, or `runtime` in 01-meter.js), so that no built-in does
// unmetered work because nobody looked at it. A function V8 adds in a later version is
// unclassified until someone decides what it costs; the engine refuses to start until then
// (snapshot.rs), and a test names what is missing.

// The runtime library's own functions (the API objects, the replaced `Date`) are classified
// where they are made; natives classify themselves here: they charge in Rust.
const nativeNames = reflectOwnKeys(natives);
for (let i = 0; i < nativeNames.length; i++) {
  classify(natives[nativeNames[i]], "native", nativeNames[i]);
}

const unclassified = [];
forEachReachable((value, path) => {
  if (typeof value === "function" && !reflectApply(weakMapHas, classified, [value])) {
    reflectApply(arrayPush, unclassified, [path]);
  }
});
