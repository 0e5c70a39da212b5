// The isovm runtime library, one concern per file. `snapshot.rs` joins the files of this
// folder, in the order their names sort, into one function body:
//
//     (function (natives, params) { "use strict"; <the files> })
//
// and the engine calls it once, into the V8 startup snapshot, with `natives` (the host
// functions, src/engine/natives/) and `params` (the consensus parameter table,
// src/consensus/). What the last file returns (the internals the engine calls) is kept as
// snapshot context data, out of every contract's reach. The files share one scope: a name
// declared in one is visible in the later ones.
//
// This file: the names every other file uses.

const G = globalThis;
const freeze = Object.freeze;
const defineProperty = Object.defineProperty;
