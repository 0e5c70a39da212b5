//! The validator's judgement: how a block result computed here is compared with the one
//! published for the same block (`isovm verify`, whose bus side is `bus/verify.rs`). No I/O.

mod compare;

pub use compare::BLOCK_FIELDS;
pub use compare::compare;
