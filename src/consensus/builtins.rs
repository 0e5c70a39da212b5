//! What the built-ins charge (the JavaScript intrinsics, metered by the runtime library in
//! `src/engine/runtime/`).
//!
//! A built-in pays before it works, from sizes it knows up front (a string's length, an
//! array's length, a count argument), and pays after only for work bounded by data already
//! paid for (the keys of an object the contract built). Gas rates are in milligas (1/1000 gas)
//! per unit so that cheap units can be priced finely; a charge is rounded up to whole gas.
//! Memory is in memory units (model bytes). `docs/gas.md` has the table and what each
//! family covers; `isovm bench --families` measures the time each family takes per 1,000 gas.

use serde::Serialize;

/// Costs of the metered built-ins, by family.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct BuiltinCosts {
    /// Every call of a metered built-in, in gas, on top of what the call site pays.
    pub call: u64,
    /// Milligas per character a built-in, comparison, property key or number conversion reads.
    pub string_read: u64,
    /// Milligas per character of a string V8 hashes (a computed property key, a `Map`/`Set`
    /// key, a `Symbol.for` key) longer than `short_string`: flattening and hashing it, charged
    /// at every use (whether V8 has the hash already depends on the string's history).
    pub string_hash: u64,
    /// Milligas per character a built-in or concatenation produces.
    pub string_write: u64,
    /// Milligas per element a built-in visits, moves or produces.
    pub element: u64,
    /// Milligas per call a built-in makes to a contract callback (the callback pays for itself).
    pub callback: u64,
    /// Milligas per comparison of a sort (`n * ceil(log2 n)` of them), on top of the callback.
    pub sort_compare: u64,
    /// Milligas per property a built-in enumerates, copies, defines or freezes.
    pub property: u64,
    /// Milligas per alignment × needle character of a substring search (`indexOf`, `split`,
    /// `replaceAll`, …): V8 compares up to the needle's length at each alignment.
    pub string_search: u64,
    /// Milligas per character of JSON text produced or parsed.
    pub json_char: u64,
    /// Milligas per value `JSON.stringify` visits.
    pub json_value: u64,
    /// Milligas per (input character × pattern unit) of a regular-expression match, on V8's
    /// linear-time engine.
    pub regexp_step: u64,
    /// Milligas per character of a regular expression's pattern when it is compiled.
    pub regexp_compile: u64,
    /// Pattern units of the smallest pattern: the engine's fixed work per input character.
    pub regexp_min_pattern: u64,
    /// Milligas per element of a typed array that a native loop visits, copies, compares or
    /// moves (`fill`, `slice`, `indexOf`, `reverse`, …): machine numbers in a flat buffer,
    /// far cheaper than the elements of an ordinary array (`element`), which may be holes,
    /// dictionary entries or objects.
    pub typed_element: u64,
    /// Gas of one `Map`/`Set`/`WeakMap`/`WeakSet` lookup, insertion or deletion.
    pub collection_op: u64,
    /// Milligas per byte of ArrayBuffer and typed-array memory a built-in fills, copies or
    /// visits.
    pub buffer_byte: u64,
    /// Gas of formatting or parsing a number, or a date.
    pub number_format: u64,
    /// Memory units of a new string, plus one per character.
    pub memory_string: u64,
    /// Memory units of a new array or object made by a built-in.
    pub memory_object: u64,
    /// Memory units per element of an array a built-in makes or grows.
    pub memory_element: u64,
    /// Memory units per property of an object a built-in makes or adds to.
    pub memory_property: u64,
    /// Memory units per entry a `Map`/`Set` may hold after an insertion.
    pub memory_entry: u64,
    /// Milligas per element the runtime reads or writes one property access at a time, in a
    /// loop of its own around a native (sort collecting the values and writing them back,
    /// join converting them, flat): holes and getters are honoured, so it is dearer than an
    /// element a native loop moves (`element`).
    pub element_access: u64,
    /// Milligas per comparison of a sort in the default order (both values converted to
    /// strings, every comparison), instead of `sort_compare`.
    pub sort_compare_default: u64,
    /// Gas of an array, typed array or buffer a native makes through a species constructor
    /// other than the intrinsic's: V8 calls it from its runtime, out of C++ and back.
    pub species_create: u64,
    /// Gas of every operation of IOST's number libraries (`BigNumber`, `Int64`, `Float64`):
    /// the runtime's own steps and the object it makes, on top of `call`.
    pub number_op: u64,
    /// Milligas per decimal digit such an operation reads, aligns or writes (its operands'
    /// text, a comparison, the digits of a result).
    pub number_digit: u64,
    /// Milligas per pair of digits of the quadratic work of such an operation: a product
    /// (digits × digits), a quotient (numerator × divisor digits), each Newton step of a
    /// square root, and every conversion between a BigInt and its decimal text (V8's are
    /// quadratic at these sizes: 4,096 digits to text take about 0.3 ms, 0.018 ns per pair).
    pub number_digit_pair: u64,
}

/// The costs in force (part of [`super::PARAMS`]).
pub(super) const COSTS: BuiltinCosts = BuiltinCosts {
    call: 2,
    string_read: 25,
    string_hash: 800,
    string_write: 100,
    string_search: 25,
    element: 6_000,
    callback: 55_000,
    sort_compare: 1_000,
    property: 160_000,
    json_char: 5_000,
    json_value: 130_000,
    regexp_step: 8_000,
    regexp_compile: 1_000,
    regexp_min_pattern: 8,
    collection_op: 70,
    buffer_byte: 25,
    typed_element: 500,
    number_format: 60,
    memory_string: 16,
    memory_object: 32,
    memory_element: 8,
    memory_property: 16,
    memory_entry: 32,
    // Initial values from one measurement each, to be set by `isovm bench --families`:
    // sort's collection and write-back of 10^6 numbers take about 5 times what indexOf
    // takes per element; a default-order comparison about 4 times a comparator's.
    element_access: 2_500,
    sort_compare_default: 15_000,
    // About 0.5 µs (`slice` of a two-element subclass instance), against 0.02 µs natively.
    species_create: 250,
    // From timings of V8's BigInt (Node 20, 50 to 4,000 digits): text conversion 0.018 ns per
    // digit pair at 1,000 digits and over (0.12 at 50: a fixed cost, in `number_op`), products
    // 0.005, quotients 0.01. A result's conversion is paid twice (text, and back without its
    // trailing zeros), so a 4,096-digit product costs about 1 ms of gas for about 0.35 ms.
    number_op: 200,
    number_digit: 100,
    number_digit_pair: 25,
};
