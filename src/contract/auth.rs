//! Who may act for an account or a contract: `blockchain.requireAuth` and the native token
//! ask the same question, answered here once.

/// What a transaction proves about who sent it, once its signatures are checked: what
/// `requireAuth` judges against. Made by the signature check before the batch runs (issue 10:
/// signed transactions); `requireAuth` reads accounts (`auth.iost`) against it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proof {
    /// The transaction came without signatures and the node accepts that (the development
    /// mode, off by default): the publisher counts as signed with `active`, as before accounts.
    pub unsigned: bool,
    /// Base58 public keys whose signatures over the transaction verified (IOST's `Signs`).
    pub signed_keys: Vec<String>,
    /// Base58 public key of the publisher's verified signature (IOST's `PublishSigns`).
    pub publisher_keys: Vec<String>,
    /// The transaction's declared signers, `account@permission` (IOST's `Signers`).
    pub signers: Vec<String>,
}

/// Whether `id` has given `permission` to the call in progress. isovm receives transactions
/// already verified by the producer and knows one signer, the publisher, who signed with its
/// `active` permission: an account is authorized for any permission but `owner` exactly when
/// it is the publisher (IOST falls back from a permission an account lacks to `active`, and
/// never from `owner`). A contract is authorized when a `callWithAuth` up the stack lent its
/// authority (`lent`, IOST's `auth_contract_list`).
pub fn authorized(publisher: &str, lent: &[String], id: &str, permission: &str) -> bool {
    (id == publisher && permission != "owner") || lent.iter().any(|c| c == id)
}

#[cfg(test)]
mod tests {
    use super::authorized;

    #[test]
    fn the_publisher_signs_with_active_and_contracts_by_loan() {
        let lent = ["app".to_string()];
        assert!(authorized("alice", &[], "alice", "active"));
        assert!(authorized("alice", &[], "alice", "transfer"));
        assert!(!authorized("alice", &[], "alice", "owner"));
        assert!(!authorized("alice", &[], "bob", "active"));
        assert!(!authorized("alice", &[], "app", "active"));
        assert!(authorized("alice", &lent, "app", "transfer"));
    }
}
