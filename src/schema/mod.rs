//! Wire types: what producers send and validators receive, and how it is encoded.
//!
//! Everything that crosses a process boundary is defined here and nowhere else.

mod bus;
mod codec;
mod signing;
mod strict;
mod wire;

pub use bus::BlockEvent;
pub use bus::ContractEvents;
pub use bus::Divergence;
pub use bus::Halted;
pub use bus::HeadReply;
pub use bus::HeadRequest;
pub use bus::RpcError;
pub use bus::RpcErrorKind;
pub use bus::RpcReply;
pub use bus::RpcRequest;
pub use bus::SafetyNet;
pub use bus::ValidateReply;
pub use bus::ValidateRequest;
pub use codec::DecodeError;
pub use codec::Format;
pub use codec::MAX_HASH_LEN;
pub use codec::MAX_NAME_LEN;
pub use codec::MAX_SIGNERS;
pub use codec::check_batch;
pub use codec::decode;
pub use codec::decode_batch;
pub use codec::to_json;
pub use codec::to_msgpack;
pub use signing::publish_digest;
pub use signing::signed_bytes;
pub use signing::tx_digest;
pub use signing::tx_hash;
pub use wire::Action;
pub use wire::Algorithm;
pub use wire::Batch;
pub use wire::BlockResult;
pub use wire::ContractReceipt;
pub use wire::Event;
pub use wire::Query;
pub use wire::QueryReply;
pub use wire::Receipt;
pub use wire::Signature;
pub use wire::Status;
pub use wire::Tx;
