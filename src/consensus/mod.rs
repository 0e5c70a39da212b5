//! The consensus parameters: every number that can change a receipt or a state root, in one
//! versioned table that every layer reads (the instrumenter, the engine's natives and runtime
//! library, the executor).
//!
//! Two honest nodes agree on a receipt only if they agree on these. Nothing here may be set
//! from the command line, a config file or the environment: options a node may choose
//! (worker count, heap size, the wall-clock watchdog) only size safety nets, and when one of
//! those strikes it is a node fault, never a receipt (see `docs/determinism.md`).
//!
//! A change to any value is a consensus change: bump [`VERSION`], and say what changed in
//! `docs/gas.md`. The version is reported by `isovm --version` and the RPC head.

mod builtins;

use serde::Serialize;

pub use builtins::BuiltinCosts;

/// Version of the parameter table and of what the runtime charges for. 1 was the table before
/// built-ins and memory were metered; 3 added `blockchain.blockInfo`, `txInfo`,
/// `contextInfo`, `contractOwner`, three `IOSTCrypto` digests and IOST's deploy validation
/// (`docs/gas.md`, "Consensus changes"); 4 added nested calls (`blockchain.call`,
/// `callWithAuth`), `blockchain.receipt`, IOST's storage key rule and map order,
/// `BigNumber`/`Int64`/`Float64`, the native token and `system.updateCode`; 5 signed
/// transactions, replay protection, accounts (`auth.iost`) and `requireAuth` judged by the
/// transaction's signatures.
pub const VERSION: u32 = 5;

/// The whole table.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Params {
    pub version: u32,
    pub limits: Limits,
    pub code: CodeCosts,
    pub host: HostCosts,
    pub builtins: BuiltinCosts,
    pub tx: TxCosts,
    pub native_token: NativeToken,
    pub auth: AuthCosts,
}

/// Accounts and permissions: the built-in `auth.iost` and the judging of `requireAuth`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct AuthCosts {
    /// Gas of any `auth.iost` call, plus `host.read` and `per_byte_judged` per account read,
    /// `host.write` and `host.per_byte_write` per account written, and its receipt's as an
    /// event's.
    pub call: u64,
    /// Each `account@permission` judged in answering who signed (`requireAuth`, the native
    /// token, `auth.iost`, the checks of a transaction's signers and publisher), plus
    /// `host.read` per account read for it and `per_byte_judged` per byte of it (reading and
    /// decoding the account's JSON).
    pub judge: u64,
    pub per_byte_judged: u64,
}

/// The chain's own token in the built-in `token.iost` contract (IOST's `iost`): it exists from
/// the first block, with these parameters, and only its issuer can issue it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct NativeToken {
    pub symbol: &'static str,
    pub issuer: &'static str,
    /// Decimal places of an amount.
    pub decimal: u32,
    /// Most that can ever be issued, in whole units (`decimal` places included).
    pub total_supply: i64,
    /// Gas of any `token.iost` call, plus `host.read` per value read, `host.write` and
    /// `host.per_byte_write` per value written, and a receipt's as an event.
    pub call: u64,
}

/// Limits every transaction runs under, the same on every node.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Limits {
    /// Largest `gas_limit` a transaction may ask for.
    pub max_gas_limit: u64,
    /// Memory a transaction may allocate, in memory units (model bytes, see
    /// `docs/determinism.md`), counted from what it allocates and never given back.
    pub memory_budget: u64,
    /// Contract calls may nest this deep (function bodies, inline values, and the built-ins
    /// that call back into contract code each count one level). IOST's own JSON test nests a
    /// value 1,000 deep inside a method and a serializer, so a little more than 1,000.
    pub max_call_depth: u32,
    /// Stack units (8-byte slots) the frames of one call may hold at once: each function entry
    /// adds its frame estimate, each built-in that calls back into contract code adds
    /// [`Limits::builtin_frame_slots`].
    pub stack_budget: u64,
    /// Stack units of a built-in's own frames while it calls back into contract code.
    pub builtin_frame_slots: u64,
    /// Arguments one call may receive from a spread or from `apply`/`Reflect.apply`/`bind`
    /// (for `bind`: all the bound arguments of a chain of bound functions).
    pub max_call_args: u64,
    /// Bound functions a call may pass through: `f.bind()` of a bound function of a bound
    /// function …, at most this many deep (each level is native work on every call).
    pub max_bind_depth: u32,
    /// Strings up to this many characters are read for free by comparisons, property keys
    /// and number conversions; longer ones pay per character.
    pub short_string: u64,
    /// Longest string a property key, a `Map`/`Set` key or a `Symbol.for` key may be: V8
    /// hashes a longer string by its length alone, so keys of one length would all collide
    /// and each lookup would compare against all of them.
    pub max_key_chars: u64,
    /// Most decimal digits a `BigNumber` operation may hold in one number (an operand aligned
    /// to the other, a product, a numerator, a text): past it the operation throws a
    /// `RangeError`, so no single call does unbounded work.
    pub max_number_digits: u64,
    /// Largest JSON encoding of one action's arguments, in bytes.
    pub max_args_bytes: usize,
    /// Largest JSON encoding of a call's result, in bytes.
    pub max_result_bytes: usize,
    /// Largest storage key or map field, in bytes.
    pub max_key_bytes: usize,
    /// Largest key or field a write (`put`, `mapPut`, `del`, `mapDel`) may name, in bytes:
    /// IOST's rule, which also wants 1 byte at least and only the characters 32 to 126 but
    /// `-` and `@` (its separators). Reads take any key up to `max_key_bytes`.
    pub max_written_key_bytes: usize,
    /// Largest storage value or event, in bytes.
    pub max_value_bytes: usize,
    /// Largest `msg` of `IOSTCrypto.verify`, in bytes of base58 text: decoding base58 is
    /// quadratic in its length, and a signed message is normally a digest (44 characters).
    pub max_verify_message_bytes: usize,
    /// Largest `algo`, `sig` and `pubkey` of `IOSTCrypto.verify`, in bytes: a signature or a
    /// key is at most 89 characters of base58, so a longer one could never verify.
    pub max_verify_key_bytes: usize,
    /// Largest contract source accepted at deploy, in bytes.
    pub max_source_bytes: usize,
    /// An exception's message is cut to this many bytes in a receipt.
    pub max_message_bytes: usize,
    /// IOST's stack height: a transaction's action is height 1, and each nested call
    /// (`blockchain.call`) one more; a call that would pass this height is refused.
    pub max_call_height: usize,
    /// ed25519 signatures per batch verification when a batch's transactions are checked
    /// (`crypto::ed25519_many`: fixed chunks in batch order). Consensus because which
    /// signatures share a chunk can decide the one case where the batch equation and the
    /// single check differ (an `R` with a small-order component: `docs/transactions.md`).
    pub signature_batch: usize,
}

/// What instrumented contract code pays, per construct (`src/contract/instrument/cost.rs`
/// applies them; `docs/gas.md` has the table). Gas in gas units, memory in memory units.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CodeCosts {
    /// Every charged statement, loop iteration and function entry.
    pub base: u64,
    /// Member access, operators, spread, template literal, `await`, `yield`.
    pub op: u64,
    /// Calls of any kind, including `new` and tagged templates.
    pub call: u64,
    /// Creating a function, arrow or class object.
    pub create_function: u64,
    /// A call refused at the depth or stack limit (a `RangeError` a contract can catch): what
    /// the refusal charges, so a loop that catches it and tries again pays for each try.
    pub depth_error: u64,
    /// Memory of an object literal, plus [`CodeCosts::memory_per_property`] per property.
    pub memory_object: u64,
    pub memory_per_property: u64,
    /// Memory of an array literal, plus [`CodeCosts::memory_per_element`] per element.
    pub memory_array: u64,
    pub memory_per_element: u64,
    /// Memory of a function, arrow or method object (with its closure context).
    pub memory_function: u64,
    /// Memory of a class (its constructor, prototype and methods are counted apart).
    pub memory_class: u64,
    /// Memory of a regular-expression literal's object.
    pub memory_regexp: u64,
    /// Memory of the object made by `new` (a built-in constructor counts what it adds).
    pub memory_new: u64,
    /// Memory a property assignment may add to an object (one slot).
    pub memory_store: u64,
    /// Memory of a generator or async function's suspended frame, per entry, plus
    /// [`CodeCosts::memory_per_frame_slot`] per stack unit of its frame.
    pub memory_generator: u64,
    pub memory_per_frame_slot: u64,
    /// Stack units of every frame, plus one per byte of the function's source.
    pub frame_slots: u64,
}

/// What host functions (`storage`, `blockchain`, `console`, `Date.now`) charge.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct HostCosts {
    /// Any host call.
    pub call: u64,
    /// A storage read, plus `per_byte_read` per byte of key and value.
    pub read: u64,
    pub per_byte_read: u64,
    /// A storage write, plus `per_byte_write` per byte of key and value.
    pub write: u64,
    pub per_byte_write: u64,
    /// A delete, plus `per_byte_read` per byte of key.
    pub delete: u64,
    /// Listing map fields, plus this per field returned.
    pub per_field: u64,
    /// An event, plus `per_byte_write` per byte.
    pub event: u64,
    /// A console line, plus one per byte.
    pub log: u64,
    /// An `IOSTCrypto` digest (`sha3`, `sha3Hex`, `ripemd160Hex`), plus `per_byte_hash` per
    /// byte of input (and `per_byte_read` per byte of its text).
    pub hash: u64,
    pub per_byte_hash: u64,
    /// `IOSTCrypto.verify`: decoding its base58 arguments and checking the signature (either
    /// algorithm, or none), plus `per_byte_verify` per byte of its four arguments (base58
    /// decoding, paid at its dearest, the message's hash).
    pub verify: u64,
    pub per_byte_verify: u64,
    /// A nested call (`blockchain.call`, `callWithAuth`): finding the callee and making a
    /// fresh module instance of it, plus `per_byte_read` per byte of its JSON arguments.
    pub nested_call: u64,
}

/// What the executor charges outside the engine.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct TxCosts {
    /// Every action, before it runs, plus one per byte of its JSON arguments.
    pub action: u64,
    /// A deploy or an update (`system.updateCode`), plus `deploy_per_byte` per byte of source.
    pub deploy: u64,
    pub deploy_per_byte: u64,
}

/// The parameters in force.
pub const PARAMS: Params = Params {
    version: VERSION,
    limits: Limits {
        max_gas_limit: 200_000_000,
        memory_budget: 32 << 20,
        max_call_depth: 1100,
        stack_budget: 2 << 20,
        builtin_frame_slots: 256,
        max_call_args: 10_000,
        max_bind_depth: 8,
        short_string: 64,
        max_key_chars: 16_383,
        max_number_digits: 4096,
        max_args_bytes: 64 * 1024,
        max_result_bytes: 64 * 1024,
        max_key_bytes: 1024,
        max_written_key_bytes: 64,
        max_value_bytes: 64 * 1024,
        max_verify_message_bytes: 1024,
        max_verify_key_bytes: 128,
        signature_batch: 64,
        max_source_bytes: 256 * 1024,
        max_message_bytes: 4096,
        max_call_height: 5,
    },
    code: CodeCosts {
        base: 1,
        op: 1,
        call: 3,
        create_function: 2,
        depth_error: 10_000,
        memory_object: 32,
        memory_per_property: 16,
        memory_array: 32,
        memory_per_element: 8,
        memory_function: 96,
        memory_class: 256,
        memory_regexp: 64,
        memory_new: 32,
        memory_store: 16,
        memory_generator: 96,
        memory_per_frame_slot: 8,
        frame_slots: 16,
    },
    host: HostCosts {
        call: 10,
        read: 50,
        per_byte_read: 1,
        write: 200,
        per_byte_write: 4,
        delete: 100,
        per_field: 10,
        event: 100,
        log: 20,
        hash: 1_600,
        per_byte_hash: 2,
        verify: 75_000,
        per_byte_verify: 250,
        nested_call: 5_000,
    },
    builtins: builtins::COSTS,
    tx: TxCosts {
        action: 100,
        deploy: 10_000,
        deploy_per_byte: 4,
    },
    native_token: NativeToken {
        symbol: "iost",
        issuer: "admin",
        decimal: 8,
        total_supply: 90_000_000_000 * 100_000_000,
        call: 1_000,
    },
    auth: AuthCosts {
        call: 1_000,
        judge: 300,
        per_byte_judged: 8,
    },
};

/// The parameters as JSON: what the runtime library is given, and what `isovm params` prints.
pub fn to_json() -> String {
    serde_json::to_string(&PARAMS).expect("the parameter table serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_serializes_with_its_version() {
        let value: serde_json::Value = serde_json::from_str(&to_json()).unwrap();
        assert_eq!(value["version"], VERSION);
        assert_eq!(value["limits"]["max_gas_limit"], 200_000_000);
        assert!(value["builtins"].as_object().is_some_and(|b| !b.is_empty()));
    }
}
