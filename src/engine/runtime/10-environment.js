// The environment: nothing nondeterministic and nothing that escapes the sandbox. No
// randomness, no code generation from strings, no WebAssembly, no shared memory, no
// GC-observable references. (The clock and the calendar: 35-date.js.)

// ---- Remove what is nondeterministic or escapes the sandbox ------------------------
// (V8 re-adds WebAssembly to every context made from a snapshot: lockdown() removes it.)
const ABSENT = ["WebAssembly", "SharedArrayBuffer", "Atomics", "WeakRef", "FinalizationRegistry", "console"];
for (let i = 0; i < ABSENT.length; i++) delete G[ABSENT[i]];

// A function that says why what it stands for is not there. It is the runtime's own: it
// reads as native code (34-functions.js) and does no work.
const unavailable = (what, why) => {
  const fn = function () {
    throw new Error(`${what} is not available to contracts: ${why}`);
  };
  const dot = what.lastIndexOf(".");
  defineProperty(fn, "name", { value: dot === -1 ? what : what.slice(dot + 1), configurable: true });
  reflectApply(weakMapSet, wrapperNames, [fn, fn.name]);
  classify(fn, "runtime", what);
  return fn;
};
defineProperty(Math, "random", {
  value: unavailable("Math.random", "results must be the same on every node; derive values from tx.hash or block data"),
  writable: false, configurable: false, enumerable: false,
});
