//! The bus's messages (contract events, divergences, RPC requests and replies) say the same thing as
//! their JSON Schemas in `schemas/`: what the types encode validates, and what the schemas
//! refuse the types refuse too.

use isovm::schema::{
    self, Action, BlockEvent, ContractEvents, Divergence, Format, Halted, HeadReply, HeadRequest,
    Query, QueryReply, RpcError, RpcErrorKind, RpcReply, RpcRequest, SafetyNet, Status, Tx,
    ValidateReply, ValidateRequest,
};
use serde_json::{Value, json};

mod common;

use common::Schemas;

/// Asserts `value` is (or is not) valid against the schema `name` of `schemas/`.
fn check(schemas: &Schemas, name: &str, what: &str, value: &Value, valid: bool) {
    let errors = schemas.errors(name, value);
    assert_eq!(
        errors.is_empty(),
        valid,
        "{what}: {value} should be {}: {errors:?}",
        if valid { "valid" } else { "invalid" }
    );
}

fn as_json<T: serde::Serialize>(value: &T) -> Value {
    serde_json::from_str(&schema::to_json(value)).unwrap()
}

fn tx() -> Tx {
    Tx {
        hash: "3yZe7d".into(),
        publisher: "alice".into(),
        gas_limit: 100,
        actions: vec![Action {
            contract: "token".into(),
            method: "balanceOf".into(),
            args: json!(["alice"]),
        }],
        ..Tx::default()
    }
}

#[test]
fn contract_events_match_their_schema() {
    let (schemas, schema) = (Schemas::load(), "contract_events.schema.json");
    let message = ContractEvents {
        partition: 0,
        height: 3,
        contract: "token".into(),
        events: vec![BlockEvent {
            tx_hash: "3yZe7d".into(),
            index: 0,
            data: "{}".into(),
        }],
    };
    let value = as_json(&message);
    check(&schemas, schema, "events", &value, true);
    let mut extra = value.clone();
    extra["extra"] = json!(1);
    check(&schemas, schema, "events with extra", &extra, false);
    assert!(schema::decode::<ContractEvents>(extra.to_string().as_bytes(), Format::Json).is_err());
    let mut missing = value;
    missing["events"][0]
        .as_object_mut()
        .unwrap()
        .remove("index");
    check(&schemas, schema, "an event without index", &missing, false);
    assert!(
        schema::decode::<ContractEvents>(missing.to_string().as_bytes(), Format::Json).is_err()
    );
}

#[test]
fn rpc_requests_match_their_schema() {
    let (schemas, schema) = (Schemas::load(), "rpc_request.schema.json");
    let requests = [
        RpcRequest::Query(Query {
            partition: 0,
            contract: "token".into(),
            method: "balanceOf".into(),
            args: json!(["bob"]),
            publisher: String::new(),
        }),
        RpcRequest::Validate(ValidateRequest {
            partition: 1,
            tx: tx(),
        }),
        RpcRequest::Head(HeadRequest { partition: 2 }),
    ];
    for request in &requests {
        let value = as_json(request);
        check(&schemas, schema, "request", &value, true);
        let back: RpcRequest =
            schema::decode(&schema::to_msgpack(request), Format::MsgPack).unwrap();
        assert_eq!(&back, request);
    }
    let two = json!({"head": {"partition": 0}, "query": {"partition": 0, "contract": "c", "method": "m", "args": []}});
    let unknown = json!({"drop": {}});
    for bad in [two, unknown, json!({})] {
        check(&schemas, schema, "bad request", &bad, false);
        assert!(schema::decode::<RpcRequest>(bad.to_string().as_bytes(), Format::Json).is_err());
    }
}

#[test]
fn rpc_replies_match_their_schema() {
    let (schemas, schema) = (Schemas::load(), "rpc_reply.schema.json");
    let replies = [
        RpcReply::Query(QueryReply {
            status: Status::Success,
            gas_used: 203,
            result: "150".into(),
            message: String::new(),
        }),
        RpcReply::Validate(ValidateReply {
            ok: false,
            reason: "action 1: contract `x` does not exist".into(),
        }),
        RpcReply::Head(HeadReply {
            partition: 0,
            height: 0,
            state_root: "00".repeat(32),
            params_version: isovm::consensus::VERSION,
            halted: None,
        }),
        RpcReply::Head(HeadReply {
            partition: 3,
            height: 6,
            state_root: "ab".repeat(32),
            params_version: isovm::consensus::VERSION,
            halted: Some(Halted {
                height: 7,
                tx_hash: "3yZe7d".into(),
                safety_net: SafetyNet::Watchdog,
                attempts: 2,
                reason: "height 7: transaction 3yZe7d met the wall-clock watchdog on each of 2 attempts (a node fault)".into(),
            }),
        }),
        RpcReply::Error(RpcError {
            kind: RpcErrorKind::Unavailable,
            message: "storage: closed".into(),
        }),
    ];
    for reply in &replies {
        check(&schemas, schema, "reply", &as_json(reply), true);
    }
    check(
        &schemas,
        schema,
        "unknown error kind",
        &json!({"error": {"kind": "oops", "message": ""}}),
        false,
    );
    let root = "00".repeat(32);
    check(
        &schemas,
        schema,
        "head without params_version",
        &json!({"head": {"partition": 0, "height": 0, "state_root": root}}),
        false,
    );
    check(
        &schemas,
        schema,
        "unknown safety net",
        &json!({"head": {"partition": 0, "height": 0, "state_root": root, "params_version": 2,
            "halted": {"height": 1, "tx_hash": "x", "safety_net": "cosmic_ray", "attempts": 2, "reason": ""}}}),
        false,
    );
}

#[test]
fn divergences_match_their_schema() {
    let (schemas, schema) = (Schemas::load(), "divergence.schema.json");
    let receipt_field = Divergence {
        partition: 0,
        height: 3,
        tx_index: Some(2),
        tx_hash: Some("3yZe7d".into()),
        field: "events[0].data".into(),
        ours: json!("{\"amount\":1}"),
        theirs: json!(null),
        replayed: true,
    };
    let block_field = Divergence {
        tx_index: None,
        tx_hash: None,
        field: "state_root".into(),
        ours: json!("ab".repeat(32)),
        theirs: json!("cd".repeat(32)),
        replayed: false,
        ..receipt_field.clone()
    };
    for divergence in [&receipt_field, &block_field] {
        let value = as_json(divergence);
        check(&schemas, schema, "divergence", &value, true);
        let back: Divergence =
            schema::decode(&schema::to_msgpack(divergence), Format::MsgPack).unwrap();
        assert_eq!(&back, divergence);
    }
    // Every block-level field the comparison can name is one the schema knows as such.
    for field in isovm::verify::BLOCK_FIELDS {
        let mut value = as_json(&block_field);
        value["field"] = json!(field);
        check(&schemas, schema, field, &value, true);
        value["tx_index"] = json!(0);
        check(
            &schemas,
            schema,
            "a block field with a tx_index",
            &value,
            false,
        );
    }
    let mut no_index = as_json(&receipt_field);
    no_index.as_object_mut().unwrap().remove("tx_index");
    check(
        &schemas,
        schema,
        "a receipt field without tx_index",
        &no_index,
        false,
    );
    let mut extra = as_json(&receipt_field);
    extra["extra"] = json!(1);
    check(&schemas, schema, "with an extra field", &extra, false);
    assert!(schema::decode::<Divergence>(extra.to_string().as_bytes(), Format::Json).is_err());
    let mut missing = as_json(&receipt_field);
    missing.as_object_mut().unwrap().remove("theirs");
    check(&schemas, schema, "without theirs", &missing, false);
    assert!(schema::decode::<Divergence>(missing.to_string().as_bytes(), Format::Json).is_err());
}
