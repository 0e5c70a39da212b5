//! State changes of transactions and blocks, the key layout, and the state root.
//!
//! Pure bookkeeping: this module reads committed state only through [`crate::store::ReadView`]
//! and never writes to the store itself.

pub mod keys;
mod overlay;
mod root;

pub use overlay::BlockDiff;
pub use overlay::Layers;
pub use overlay::WriteSet;
pub use root::StateRoot;
