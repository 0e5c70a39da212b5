//! The state root: one hash that two nodes with the same history agree on, byte for byte.

use sha2::{Digest, Sha256};

use super::BlockDiff;

/// A state root. The root before a partition's first block is all zeroes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StateRoot(pub [u8; 32]);

impl StateRoot {
    /// The root after applying `diff` as block `height` of `partition`:
    /// SHA-256 over a domain tag, the previous root, the block's position, and the diff's
    /// changes in key order, every variable-length part length-prefixed.
    pub fn next(&self, partition: u32, height: u64, diff: &BlockDiff) -> StateRoot {
        let mut h = Sha256::new();
        h.update(b"isovm/state-root/v1");
        h.update(self.0);
        h.update(partition.to_be_bytes());
        h.update(height.to_be_bytes());
        h.update((diff.len() as u64).to_be_bytes());
        for (key, value) in diff.iter() {
            h.update((key.len() as u32).to_be_bytes());
            h.update(key);
            match value {
                Some(value) => {
                    h.update([1]);
                    h.update((value.len() as u32).to_be_bytes());
                    h.update(value);
                }
                None => h.update([0]),
            }
        }
        StateRoot(h.finalize().into())
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    pub fn from_hex(text: &str) -> Option<StateRoot> {
        if text.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(StateRoot(out))
    }
}

#[cfg(test)]
mod tests {
    use super::super::WriteSet;
    use super::*;

    fn diff(ops: &[(&str, Option<&str>)]) -> BlockDiff {
        let mut ws = WriteSet::default();
        for (k, v) in ops {
            match v {
                Some(v) => ws.put(k.as_bytes().to_vec(), v.as_bytes().to_vec()),
                None => ws.delete(k.as_bytes().to_vec()),
            }
        }
        let mut diff = BlockDiff::default();
        diff.apply(ws);
        diff
    }

    #[test]
    fn root_depends_on_content_not_on_write_order() {
        let genesis = StateRoot::default();
        let a = diff(&[("x", Some("1")), ("y", Some("2"))]);
        let b = diff(&[("y", Some("2")), ("x", Some("1"))]);
        assert_eq!(genesis.next(0, 1, &a), genesis.next(0, 1, &b));
        assert_ne!(genesis.next(0, 1, &a), genesis.next(0, 2, &a));
        assert_ne!(genesis.next(0, 1, &a), genesis.next(1, 1, &a));
        // A put of "" and a delete are different changes.
        assert_ne!(
            genesis.next(0, 1, &diff(&[("x", Some(""))])),
            genesis.next(0, 1, &diff(&[("x", None)]))
        );
        // Length prefixes: ("ab","c") is not ("a","bc").
        assert_ne!(
            genesis.next(0, 1, &diff(&[("ab", Some("c"))])),
            genesis.next(0, 1, &diff(&[("a", Some("bc"))]))
        );
    }

    #[test]
    fn hex_round_trips() {
        let root = StateRoot::default().next(3, 9, &diff(&[("k", Some("v"))]));
        assert_eq!(StateRoot::from_hex(&root.to_hex()), Some(root));
        assert_eq!(StateRoot::from_hex("zz"), None);
    }
}
