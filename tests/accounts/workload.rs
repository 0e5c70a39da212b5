//! The accounts workload: every step one transaction in its own block, with the proof its
//! signatures give and what it must give. Each expectation holds only after the steps before.

use super::common::{abi, call, deploy, tx};
use isovm::contract::auth::Proof;
use isovm::schema::{Action, Status, Tx};
use serde_json::{Value, json};
/// A public key's base58 text, one per name.
pub fn key(name: &str) -> String {
    let mut bytes = [7u8; 32];
    bytes[..name.len()].copy_from_slice(name.as_bytes());
    bs58::encode(bytes).into_string()
}

/// A proof whose publisher signature verified with `publisher_key`.
fn by(publisher_key: &str) -> Proof {
    Proof {
        publisher_keys: vec![key(publisher_key)],
        ..Proof::default()
    }
}

trait Signs {
    /// Signatures of `keys` verified too.
    fn signed(self, keys: &[&str]) -> Proof;
    /// The transaction declares `signers` (`account@permission`).
    fn signers(self, signers: &[&str]) -> Proof;
}

impl Signs for Proof {
    fn signed(mut self, keys: &[&str]) -> Proof {
        self.signed_keys = keys.iter().map(|k| key(k)).collect();
        self
    }
    fn signers(mut self, signers: &[&str]) -> Proof {
        self.signers = signers.iter().map(|s| s.to_string()).collect();
        self
    }
}

const GUARD: &str = r#"
class Guard {
  init() {}
  check(id, perm) { return blockchain.requireAuth(id, perm); }
  account(id) { return storage.globalMapGet("auth.iost", "auth", id); }
  fee(id) { return storage.globalMapGet("system", "gas_used", id); }
  signUp(id, owner, active) { blockchain.call("auth.iost", "signUp", [id, owner, active]); }
  signUpAndCheck(id, owner, active) {
    blockchain.call("auth.iost", "signUp", [id, owner, active]);
    return blockchain.requireAuth(id, "custom");
  }
}
module.exports = Guard;
"#;

fn guard_abi() -> String {
    abi(&[
        ("check", &["string", "string"]),
        ("account", &["string"]),
        ("fee", &["string"]),
        ("signUp", &["string", "string", "string"]),
        ("signUpAndCheck", &["string", "string", "string"]),
    ])
}

fn auth(method: &str, args: Value) -> Action {
    call("auth.iost", method, args)
}

fn check(id: &str, perm: &str) -> Action {
    call("guard", "check", json!([id, perm]))
}

/// What a step must give.
pub enum Expect {
    /// Success, with this first return if given.
    Ok(Option<&'static str>),
    /// This status, with a message containing this.
    Fails(Status, &'static str),
}

pub use Expect::{Fails, Ok as Passes};

/// One transaction in its own block.
pub struct Step {
    pub what: &'static str,
    pub tx: Tx,
    pub proof: Proof,
    pub expect: Expect,
}

fn step(
    what: &'static str,
    publisher: &str,
    proof: Proof,
    actions: Vec<Action>,
    expect: Expect,
) -> Step {
    Step {
        what,
        tx: tx(publisher, actions),
        proof,
        expect,
    }
}

fn denied(message: &'static str) -> Expect {
    Fails(Status::InvalidSignature, message)
}

fn refused(message: &'static str) -> Expect {
    Fails(Status::RuntimeError, message)
}

const TRUE: Expect = Passes(Some("true"));
const FALSE: Expect = Passes(Some("false"));
const OK: Expect = Passes(None);

/// `addr@perm` as the owner of `id` signs (publisher `id`, its owner declared and signed).
fn as_owner(id: &str, own: &str, act: &str) -> Proof {
    by(act).signed(&[own]).signers(&[&format!("{id}@owner")])
}

/// The whole workload, in order: each step's expectation holds only after the ones before.
#[rustfmt::skip]
pub fn workload() -> Vec<Step> {
    let carol_owner = || as_owner("carol", "c_own", "c_act");
    let mut steps = vec![
        // A publisher creates its own account.
        step("alice signs herself up", "alice", by("a_act"),
            vec![auth("signUp", json!(["alice", key("a_own"), key("a_act")]))], OK),
        step("alice deploys the guard", "alice", by("a_act"),
            vec![deploy(GUARD, &guard_abi(), "guard")], OK),
        step("a publisher without an account", "bobby", by("b_act"),
            vec![check("bobby", "active")], denied("unauthorized publisher: bobby has no account")),
        step("signing up with a key the publisher did not sign with", "bobby", by("other"),
            vec![auth("signUp", json!(["bobby", key("b_own"), key("b_act")]))],
            denied("unauthorized publisher: bobby")),
        step("signing up another id first", "bobby", by("b_act"),
            vec![auth("signUp", json!(["carol", key("b_own"), key("b_act")]))],
            denied("unauthorized publisher: bobby")),
        step("no fee for an unproven transaction", "alice", by("a_act"),
            vec![call("guard", "fee", json!(["bobby"]))], Passes(Some("null"))),
        step("bobby signs up with his owner key", "bobby", by("b_own"),
            vec![auth("signUp", json!(["bobby", key("b_own"), key("b_act")]))], OK),
        step("a wrong publisher key", "alice", by("b_act"),
            vec![check("alice", "active")], denied("unauthorized publisher: alice")),
        step("the owner key stands for active", "alice", by("a_own"), vec![check("alice", "active")], TRUE),
        step("a gas limit that cannot pay for the check", "alice", by("a_act"),
            vec![check("alice", "active")], denied("cannot pay for checking")),
        // IOST's naming rules and messages.
        step("an id too short", "alice", by("a_act"),
            vec![auth("signUp", json!(["bob", key("k"), key("k")]))],
            refused("id invalid. id length should be between 5,11 > bob")),
        step("an id with upper case", "alice", by("a_act"),
            vec![auth("signUp", json!(["Alice2", key("k"), key("k")]))],
            refused("id invalid. id contains invalid character > A")),
        step("an id like a contract's", "alice", by("a_act"),
            vec![auth("signUp", json!(["Contract1", key("k"), key("k")]))],
            refused("id invalid. id shouldn't start with 'Contract'.")),
        step("an id taken", "alice", by("a_act"),
            vec![auth("signUp", json!(["alice", key("k"), key("k")]))], refused("id existed > alice")),
        step("a contract's id", "alice", by("a_act"),
            vec![auth("signUp", json!(["guard", key("k"), key("k")]))],
            refused("id invalid. a contract has the id > guard")),
        step("a key that is not a key", "alice", by("a_act"),
            vec![auth("signUp", json!(["kevin", "notakey", key("k")]))],
            refused("invalid public key > notakey")),
        step("deploying under an account's id", "alice", by("a_act"),
            vec![deploy(GUARD, &guard_abi(), "bobby")],
            Fails(Status::InvalidContract, "contract id `bobby` is an account's")),
        // requireAuth in a contract: the publisher's active, declared signers.
        step("the publisher's active", "alice", by("a_act"), vec![check("alice", "active")], TRUE),
        step("not the publisher's owner", "alice", by("a_act"), vec![check("alice", "owner")], FALSE),
        step("a permission the account lacks falls back to active", "alice", by("a_act"),
            vec![check("alice", "nosuch")], TRUE),
        step("not another account", "alice", by("a_act"), vec![check("bobby", "active")], FALSE),
        step("a declared signer with its key", "alice", by("a_act").signed(&["b_act"]).signers(&["bobby@active"]),
            vec![check("bobby", "active")], TRUE),
        step("a declared active signer is not owner", "alice", by("a_act").signed(&["b_act"]).signers(&["bobby@active"]),
            vec![check("bobby", "owner")], FALSE),
        step("a declared signer without its key", "alice", by("a_act").signers(&["bobby@active"]),
            vec![check("bobby", "active")], denied("unauthorized signer: bobby@active")),
        step("a declared signer with the wrong key", "alice", by("a_act").signed(&["a_act"]).signers(&["bobby@active"]),
            vec![check("bobby", "active")], denied("unauthorized signer: bobby@active")),
        step("an owner key meets an active signer", "alice", by("a_act").signed(&["b_own"]).signers(&["bobby@active"]),
            vec![check("bobby", "active")], TRUE),
        step("the owner declared stands for active", "alice", by("a_act").signed(&["b_own"]).signers(&["bobby@owner"]),
            vec![check("bobby", "active")], TRUE),
        step("an active key does not make an owner signer", "alice", by("a_act").signed(&["b_act"]).signers(&["bobby@owner"]),
            vec![check("bobby", "active")], denied("unauthorized signer: bobby@owner")),
        step("a signer that is not account@permission", "alice", by("a_act").signers(&["bobby"]),
            vec![check("bobby", "active")], denied("illegal signer: bobby")),
        // Account management needs the owner.
        step("addPermission with active only", "alice", by("a_act"),
            vec![auth("addPermission", json!(["alice", "pair", 2]))], refused("require auth failed")),
        step("the development mode keeps the publisher rule", "whoever", Proof::unsigned(),
            vec![check("whoever", "active")], TRUE),
        step("the development mode never has owner", "alice", Proof::unsigned(),
            vec![auth("addPermission", json!(["alice", "pair", 2]))], refused("require auth failed")),
        step("alice signs carol up", "alice", by("a_act"),
            vec![auth("signUp", json!(["carol", key("c_own"), key("c_act")]))], OK),
        step("a contract signs dennis up", "alice", by("a_act"),
            vec![call("guard", "signUp", json!(["dennis", key("d_own"), key("d_act")]))], OK),
        // The account is read in the call that wrote it: under --verify-isolation the trial
        // host must judge with its own writes (the read's gas would differ otherwise).
        step("a contract judges an account it just signed up", "alice", by("a_act"),
            vec![call("guard", "signUpAndCheck", json!(["gina1", key("g_own"), key("g_act")]))], FALSE),
        step("emily signs up", "emily", by("e_act"),
            vec![auth("signUp", json!(["emily", key("e_own"), key("e_act")]))], OK),
        step("frank signs up", "frank", by("f_act"),
            vec![auth("signUp", json!(["frank", key("f_own"), key("f_act")]))], OK),
        step("the referrer of a contract's sign up", "alice", by("a_act"),
            vec![call("guard", "account", json!(["dennis"]))], Passes(None)),
        // Permissions with weights and thresholds.
        step("carol adds permissions", "carol", carol_owner(), vec![
            auth("addPermission", json!(["carol", "pair", 2])),
            auth("assignPermission", json!(["carol", "pair", "dennis@active", 1])),
            auth("assignPermission", json!(["carol", "pair", "emily@active", 1])),
            auth("addPermission", json!(["carol", "multi", 3])),
            auth("assignPermission", json!(["carol", "multi", key("k1"), 5])),
            auth("assignPermission", json!(["carol", "multi", key("k1"), 1])),
            auth("assignPermission", json!(["carol", "multi", key("k2"), 2])),
        ], OK),
        step("a permission twice", "carol", carol_owner(),
            vec![auth("addPermission", json!(["carol", "pair", 1]))], refused("permission already exist")),
        step("a permission name with a dash", "carol", carol_owner(),
            vec![auth("addPermission", json!(["carol", "a-b", 1]))], refused("id contains invalid character > -")),
        step("a zero threshold", "carol", carol_owner(),
            vec![auth("addPermission", json!(["carol", "zero", 0]))], refused("threshold less than zero")),
        step("a fractional weight", "carol", carol_owner(),
            vec![auth("assignPermission", json!(["carol", "multi", key("k3"), 1.5]))], refused("weight must be a whole number")),
        step("a missing permission", "carol", carol_owner(),
            vec![auth("assignPermission", json!(["carol", "nosuch", key("k3"), 1]))], refused("permission not found > nosuch")),
        step("an item without an account", "carol", carol_owner(),
            vec![auth("assignPermission", json!(["carol", "multi", "@active", 1]))], refused("unexpected item")),
        step("dropping active", "carol", carol_owner(),
            vec![auth("dropPermission", json!(["carol", "active"]))], refused("drop active or owner is forbidden")),
        step("revoking what is not there", "carol", carol_owner(),
            vec![auth("revokePermission", json!(["carol", "multi", key("k3")]))], refused("item not found")),
        step("weights that reach the threshold", "alice", by("a_act").signed(&["k1", "k2"]).signers(&["carol@multi"]),
            vec![check("carol", "multi")], TRUE),
        step("a weight below the threshold", "alice", by("a_act").signed(&["k2"]).signers(&["carol@multi"]),
            vec![check("carol", "multi")], denied("unauthorized signer: carol@multi")),
        step("account@permission items meet a signer", "alice",
            by("a_act").signed(&["d_act", "e_act"]).signers(&["carol@pair"]), vec![check("carol", "pair")], TRUE),
        step("one item of two", "alice", by("a_act").signed(&["d_act"]).signers(&["carol@pair"]),
            vec![check("carol", "pair")], denied("unauthorized signer: carol@pair")),
        step("declared signers meet account@permission items in a contract", "alice",
            by("a_act").signed(&["d_act", "e_act"]).signers(&["dennis@active", "emily@active"]),
            vec![check("carol", "pair")], TRUE),
        step("in a contract, a threshold not met", "alice",
            by("a_act").signed(&["d_act"]).signers(&["dennis@active"]), vec![check("carol", "pair")], FALSE),
        step("in a contract, keys do not count", "alice", by("a_act").signed(&["k1", "k2"]),
            vec![check("carol", "multi")], FALSE),
        step("a custom permission falls back to active", "alice",
            by("a_act").signed(&["c_act"]).signers(&["carol@active"]), vec![check("carol", "pair")], TRUE),
        step("active is not owner", "alice",
            by("a_act").signed(&["c_act"]).signers(&["carol@active"]), vec![check("carol", "owner")], FALSE),
        step("owner satisfies everything", "alice",
            by("a_act").signed(&["c_own"]).signers(&["carol@owner"]), vec![check("carol", "multi")], TRUE),
        // Groups.
        step("carol adds a group", "carol", carol_owner(), vec![
            auth("addGroup", json!(["carol", "trio"])),
            auth("assignGroup", json!(["carol", "trio", key("k3"), 3])),
            auth("assignPermissionToGroup", json!(["carol", "multi", "trio"])),
        ], OK),
        step("a group's items count for the permission", "alice",
            by("a_act").signed(&["k3"]).signers(&["carol@multi"]), vec![check("carol", "multi")], TRUE),
        step("a group twice", "carol", carol_owner(),
            vec![auth("addGroup", json!(["carol", "trio"]))], refused("group already exist")),
        step("a missing group", "carol", carol_owner(),
            vec![auth("assignPermissionToGroup", json!(["carol", "multi", "nogroup"]))], refused("group does not exist")),
        step("revoking from a group what is not there", "carol", carol_owner(),
            vec![auth("revokeGroup", json!(["carol", "trio", key("k1")]))], refused("item not found")),
        step("carol takes the group out of multi", "carol", carol_owner(),
            vec![auth("revokePermissionInGroup", json!(["carol", "multi", "trio"]))], OK),
        step("a group no longer in the permission", "alice",
            by("a_act").signed(&["k3"]).signers(&["carol@multi"]), vec![check("carol", "multi")],
            denied("unauthorized signer: carol@multi")),
        step("carol drops the group and revokes k2", "carol", carol_owner(), vec![
            auth("assignPermissionToGroup", json!(["carol", "multi", "trio"])),
            auth("dropGroup", json!(["carol", "trio"])),
            auth("revokePermission", json!(["carol", "multi", key("k2")])),
            auth("dropPermission", json!(["carol", "pair"])),
        ], OK),
        step("a dropped group and a revoked key", "alice",
            by("a_act").signed(&["k1", "k2", "k3"]).signers(&["carol@multi"]), vec![check("carol", "multi")],
            denied("unauthorized signer: carol@multi")),
        // A loop: emily's active includes frank's, frank's includes emily's.
        step("emily's active includes frank's", "emily", as_owner("emily", "e_own", "e_act"),
            vec![auth("assignPermission", json!(["emily", "active", "frank@active", 100]))], OK),
        step("frank's active includes emily's", "frank", as_owner("frank", "f_own", "f_act"),
            vec![auth("assignPermission", json!(["frank", "active", "emily@active", 100]))], OK),
        step("a loop is not met", "alice", by("a_act").signers(&["emily@active"]),
            vec![check("emily", "active")], denied("unauthorized signer: emily@active")),
        step("a loop is met through the other's key", "alice", by("a_act").signed(&["f_act"]).signers(&["emily@active"]),
            vec![check("emily", "active")], TRUE),
        step("in a contract, through the other's declared active", "alice",
            by("a_act").signed(&["f_act"]).signers(&["frank@active"]), vec![check("emily", "active")], TRUE),
        // The token: a transfer needs the sender.
        step("alice creates a coin and issues it to bobby", "alice", by("a_act"), vec![
            call("token.iost", "create", json!(["coin", "alice", 1000, "{}"])),
            call("token.iost", "issue", json!(["coin", "bobby", "10"])),
        ], OK),
        step("bobby sends his own", "bobby", by("b_act"),
            vec![call("token.iost", "transfer", json!(["coin", "bobby", "alice", "1", ""]))], OK),
        step("alice cannot send bobby's", "alice", by("a_act"),
            vec![call("token.iost", "transfer", json!(["coin", "bobby", "alice", "1", ""]))],
            refused("token.iost.transfer: transaction has no permission")),
        step("alice sends bobby's with bobby signing", "alice", by("a_act").signed(&["b_act"]).signers(&["bobby@active"]),
            vec![call("token.iost", "transfer", json!(["coin", "bobby", "alice", "1", ""]))], OK),
        step("bobby's balance", "bobby", by("b_act"),
            vec![call("token.iost", "balanceOf", json!(["coin", "bobby"]))], Passes(Some(r#""8""#))),
    ];
    // The step that cannot pay for its check.
    for s in &mut steps {
        if s.what == "a gas limit that cannot pay for the check" {
            s.tx.gas_limit = 150;
        }
    }
    steps
}
