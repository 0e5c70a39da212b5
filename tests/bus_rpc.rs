//! The RPC entry: queries call contract methods read-only against committed state and
//! write nothing (not even when the method writes); validation says ok or why not; bad
//! requests get typed errors.

mod bus_common;

use std::time::Duration;

use bus_common::*;
use isovm::bus::Client;
use isovm::schema::{
    Action, Format, HeadRequest, Query, RpcErrorKind, RpcReply, RpcRequest, Status, Tx,
    ValidateRequest,
};
use isovm::store::{ReadView, RocksStore};
use sha2::{Digest, Sha256};

const WAIT: Duration = Duration::from_secs(60);

/// SHA-256 over every key and value in the database.
fn digest(db: &std::path::Path) -> (usize, [u8; 32]) {
    let store = RocksStore::open(db).unwrap();
    let mut hash = Sha256::new();
    let mut entries = 0;
    store
        .scan_prefix(b"", &mut |k, v| {
            hash.update((k.len() as u64).to_le_bytes());
            hash.update(k);
            hash.update((v.len() as u64).to_le_bytes());
            hash.update(v);
            entries += 1;
            true
        })
        .unwrap();
    (entries, hash.finalize().into())
}

fn query(method: &str, args: serde_json::Value) -> RpcRequest {
    RpcRequest::Query(Query {
        partition: 0,
        contract: "token".into(),
        method: method.into(),
        args,
        publisher: "alice".into(),
    })
}

fn validate(method: &str, args: serde_json::Value, gas_limit: u64) -> RpcRequest {
    RpcRequest::Validate(ValidateRequest {
        partition: 0,
        tx: Tx {
            hash: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin".into(),
            publisher: "bobby".into(),
            gas_limit,
            actions: vec![Action {
                contract: "token".into(),
                method: method.into(),
                args,
            }],
            ..Tx::default()
        },
    })
}

async fn call(client: &Client, request: RpcRequest) -> RpcReply {
    client
        .call(&request, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{request:?}: {e}"))
}

fn query_result(reply: RpcReply) -> (Status, String, String) {
    match reply {
        RpcReply::Query(r) => (r.status, r.result, r.message),
        other => panic!("not a query reply: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn queries_answer_from_committed_state_and_write_nothing() {
    let bus = TestBus::new(&amqp_url(), None, "");
    let files = token_stream(bus.dir.path(), 2, 0);
    let clean = clean_roots(&files);
    let (client, mut inbox) = bus.results_inbox().await;
    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve-1.log", &[]);
    for file in &files {
        let batch = isovm::cmd::exec::read_batch(file).unwrap();
        client.publish_batch(&batch).await.unwrap();
    }
    inbox
        .wait_until(WAIT, "results for heights 1..=2", |m| has_all(m, 2))
        .await;
    assert!(serve.terminate(WAIT).success());
    let before = digest(&db);
    assert!(before.0 > 0);

    let serve = Serve::start(&db, &bus, "serve-2.log", &[]);
    let (status, balance, _) =
        query_result(call(&client, query("balanceOf", serde_json::json!(["bobby"]))).await);
    assert_eq!((status, balance.as_str()), (Status::Success, "150"));
    // A method that writes is stopped at its first write.
    let (status, _, message) = query_result(
        call(
            &client,
            query("transfer", serde_json::json!(["alice", "bobby", 5])),
        )
        .await,
    );
    assert_eq!(status, Status::RuntimeError, "{message}");
    assert!(message.contains("read-only"), "{message}");
    let (_, balance, _) =
        query_result(call(&client, query("balanceOf", serde_json::json!(["bobby"]))).await);
    assert_eq!(balance, "150", "a query changed the state");
    let (status, _, message) =
        query_result(call(&client, query("nope", serde_json::json!([]))).await);
    assert_eq!(status, Status::InvalidInput, "{message}");

    // Validation: fine, an unknown method, wrong arguments, an absurd gas limit.
    let ok = serde_json::json!(["bobby", "carol", 1]);
    let cases = [
        (validate("transfer", ok.clone(), 200_000), None),
        (
            validate("mint", ok.clone(), 200_000),
            Some("no method `mint`"),
        ),
        (
            validate("transfer", serde_json::json!(["bobby", 1]), 200_000),
            Some("takes 3 arguments"),
        ),
        (validate("transfer", ok, u64::MAX), Some("gas_limit")),
    ];
    for (request, expect) in cases {
        match (call(&client, request).await, expect) {
            (RpcReply::Validate(v), None) => assert!(v.ok, "{}", v.reason),
            (RpcReply::Validate(v), Some(needle)) => {
                assert!(
                    !v.ok && v.reason.contains(needle),
                    "{v:?} should say {needle}"
                )
            }
            (other, _) => panic!("not a validate reply: {other:?}"),
        }
    }

    match call(&client, RpcRequest::Head(HeadRequest { partition: 0 })).await {
        RpcReply::Head(head) => {
            assert_eq!(
                (head.height, head.state_root.as_str()),
                (2, clean[&2].as_str())
            );
            assert_eq!(head.params_version, isovm::consensus::VERSION);
            assert_eq!(head.halted, None);
        }
        other => panic!("not a head reply: {other:?}"),
    }
    for (body, format) in [
        (b"\xc1 not a request".to_vec(), Format::MsgPack),
        (br#"{"drop_table": {}}"#.to_vec(), Format::Json),
    ] {
        match client.call_raw(body, format, WAIT).await.unwrap() {
            RpcReply::Error(e) => assert_eq!(e.kind, RpcErrorKind::BadRequest, "{e:?}"),
            other => panic!("not an error reply: {other:?}"),
        }
    }
    // The command-line end of the same entry.
    let config = bus.config_file.display().to_string();
    let line = run_isovm(&[
        "rpc",
        "--config",
        &config,
        r#"{"query":{"partition":0,"contract":"token","method":"balanceOf","args":["alice"]}}"#,
    ]);
    let reply: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(reply["query"]["result"], "750", "{line}");

    let mut serve = serve;
    assert!(serve.terminate(WAIT).success());
    assert_eq!(
        digest(&db),
        before,
        "queries or validation wrote to the database"
    );

    client.close().await;
    bus.cleanup().await;
}
