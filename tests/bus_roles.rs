//! One broker user per role, with the permissions of `deploy/rabbitmq/definitions.json`
//! (the file itself, imported into a fresh virtual host of the CI broker, its users renamed
//! for this run): `isovm serve` runs as `isovm`; the producer publishes batches and nothing
//! else; the validator reads results and cannot publish batches; a wrong password is a clear
//! error that `isovm serve` retries with backoff until the password is fixed in the broker.

mod bus_common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bus_common::*;
use isovm::bus::{BusConfig, Client, Source, Subscription};
use isovm::cmd::exec::read_batch;
use lapin::options::{BasicConsumeOptions, BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Connection, ConnectionProperties};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);
const ROLES: [&str; 3] = ["isovm", "producer", "validator"];

/// `rabbitmqctl` of the CI broker (Debian's wrapper, which runs it as the broker's user).
fn ctl(args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new("rabbitmqctl")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run rabbitmqctl (the CI broker must be local)");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "rabbitmqctl {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The users and virtual host of one run; deleted on drop, also when the test fails.
struct Deployment {
    tag: String,
    vhost: String,
    /// `amqp://` of the CI broker, up to the `@` and after it: host and port.
    host: String,
}

impl Deployment {
    /// Imports `deploy/rabbitmq/definitions.json` into a fresh vhost, users prefixed.
    fn import() -> Deployment {
        let shared = amqp_url();
        let rest = shared.split_once('@').map_or(shared.as_str(), |(_, r)| r);
        let host = rest.split('/').next().unwrap().to_string();
        let tag = unique("roles");
        let vhost = tag.clone();
        let text = std::fs::read_to_string(repo().join("deploy/rabbitmq/definitions.json"))
            .expect("deploy/rabbitmq/definitions.json");
        let mut doc: Value = serde_json::from_str(&text).unwrap();
        let users: Vec<String> = doc["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(users, ROLES, "the roles of the definitions file");
        for list in ["users", "permissions", "topic_permissions"] {
            for entry in doc[list].as_array_mut().unwrap() {
                let key = if list == "users" { "name" } else { "user" };
                let user = entry[key].as_str().unwrap().to_string();
                entry[key] = format!("{tag}-{user}").into();
            }
        }
        for list in [
            "permissions",
            "topic_permissions",
            "exchanges",
            "queues",
            "bindings",
        ] {
            for entry in doc[list].as_array_mut().unwrap() {
                entry["vhost"] = vhost.clone().into();
            }
        }
        doc["vhosts"] = serde_json::json!([{ "name": vhost }]);
        let deployment = Deployment { tag, vhost, host };
        ctl(
            &["import_definitions", "--format", "json"],
            Some(&doc.to_string()),
        );
        deployment
    }

    fn user(&self, role: &str) -> String {
        format!("{}-{role}", self.tag)
    }

    /// The URL of `role` with `password` (the file's trial password if `None`).
    fn url(&self, role: &str, password: Option<&str>) -> String {
        let password = password.map_or_else(|| format!("{role}-trial-password"), str::to_string);
        format!(
            "amqp://{}:{password}@{}/{}",
            self.user(role),
            self.host,
            self.vhost
        )
    }

    /// A test bus with the default names (those of the file) as `role`.
    fn bus(&self, role: &str, password: Option<&str>) -> TestBus {
        TestBus::new(&self.url(role, password), Some("isovm"), "")
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        for role in ROLES {
            let _ = Command::new("rabbitmqctl")
                .args(["delete_user", &self.user(role)])
                .output();
        }
        let _ = Command::new("rabbitmqctl")
            .args(["delete_vhost", &self.vhost])
            .output();
    }
}

/// Asserts that `outcome` is the broker's ACCESS_REFUSED, for `what`.
fn assert_refused<T>(what: &str, outcome: Result<T, impl std::fmt::Display>) {
    match outcome {
        Ok(_) => panic!("{what} was allowed, but the role must not do it"),
        Err(e) => assert!(
            e.to_string().contains("ACCESS_REFUSED"),
            "{what}: expected ACCESS_REFUSED, got: {e}"
        ),
    }
}

/// Publishes `body` to `exchange` with `key` on a fresh confirmed channel of `conn`.
async fn publish_raw(conn: &Connection, exchange: &str, key: &str) -> lapin::Result<()> {
    let channel = conn.create_channel().await?;
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    channel
        .basic_publish(
            exchange.into(),
            key.into(),
            BasicPublishOptions::default(),
            b"{}",
            BasicProperties::default(),
        )
        .await?
        .await?;
    Ok(())
}

/// What a producer's credentials could try beyond publishing batches, with raw AMQP.
async fn producer_cannot_overstep(url: &str, config: &BusConfig) {
    let names = config.names();
    let conn = Connection::connect(url, ConnectionProperties::default())
        .await
        .unwrap();
    assert_refused(
        "the producer publishing a forged result",
        publish_raw(&conn, &names.results_exchange, "result.0").await,
    );
    assert_refused(
        "the producer publishing with routing key batch.#",
        publish_raw(&conn, &names.batches_exchange, "batch.#").await,
    );
    let channel = conn.create_channel().await.unwrap();
    let consume = channel
        .basic_consume(
            names.batches_queue.as_str().into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await;
    assert_refused("the producer consuming the batches queue", consume);
    let _ = conn.close(200, "done".into()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_role_does_its_part_and_no_more() {
    let deployment = Deployment::import();
    let serving = deployment.bus("isovm", None);
    let files = token_stream(serving.dir.path(), 4, 3);
    let clean = clean_roots(&files);
    let db = serving.dir.path().join("db");

    // isovm serve as `isovm`: it declares (the same topology the file preloaded) and consumes.
    let mut serve = Serve::start(&db, &serving, "serve.log", &[]);
    serve.wait_log("connected; claiming partitions", WAIT).await;

    // The validator: a private queue and a durable one of its own, on results.
    let validator = deployment.bus("validator", None);
    let validator_client = validator.client().await;
    let mut inbox = Inbox::all_results(&validator_client).await;
    let own_queue = format!(
        "{}node-1",
        isovm::bus::validator_queue_prefix(&validator.config)
    );
    let durable = Subscription {
        source: Source::Results,
        partition: Some(0),
        contract: None,
        queue: Some(own_queue.clone()),
    };
    drop(validator_client.subscribe(&durable).await.unwrap());
    // A queue outside its prefix is not its own.
    let foreign = Subscription {
        queue: Some("isovm.batches-copy".into()),
        ..durable.clone()
    };
    assert_refused(
        "the validator declaring isovm.batches-copy",
        validator_client.subscribe(&foreign).await.map(|_| ()),
    );

    // The producer publishes batches; results come out.
    let producer = deployment.bus("producer", None);
    let producer_client = producer.client().await;
    publish_files(&producer_client, &files[..2]).await;
    inbox
        .wait_until(WAIT, "results of heights 1 and 2", |m| has_all(m, 2))
        .await;
    producer_cannot_overstep(&deployment.url("producer", None), &producer.config).await;
    assert_refused(
        "the producer declaring the topology",
        producer_client.declare_topology().await,
    );

    // The validator cannot publish batches, nor call RPC (that publishes to the default
    // exchange, which would reach every queue).
    assert_refused(
        "the validator publishing a batch",
        validator_client
            .publish_batch(&read_batch(&files[2]).unwrap())
            .await,
    );
    let head = serde_json::from_str(r#"{"head":{"partition":0}}"#).unwrap();
    assert_refused(
        "the validator calling RPC",
        validator_client.call(&head, Duration::from_secs(5)).await,
    );
    // isovm itself answers RPC, as the compose health check does.
    let isovm_client = serving.client().await;
    isovm_client
        .call(&head, Duration::from_secs(10))
        .await
        .expect("isovm's user calls RPC");
    isovm_client.close().await;

    // A wrong password: a clear error, retried with backoff, until the broker has it.
    serve.stop_cleanly(WAIT);
    let new_password = "rotated-password";
    let rotated = deployment.bus("isovm", Some(new_password));
    let started = Instant::now();
    let mut serve = Serve::start(&db, &rotated, "serve-rotated.log", &[]);
    let refusal = format!(
        "refused user `{}`: wrong user name or password",
        deployment.user("isovm")
    );
    serve
        .wait_log_count("bus session ended; reconnecting", 3, WAIT)
        .await;
    let attempts = serve.log_events("bus session ended; reconnecting");
    for (i, line) in attempts.iter().enumerate() {
        let error = line["fields"]["error"].as_str().unwrap_or_default();
        assert!(error.contains(&refusal), "attempt {}: {error}", i + 1);
        assert!(
            !error.contains(new_password),
            "the password leaked: {error}"
        );
        assert_eq!(line["fields"]["failures"], i as u64 + 1, "{line}");
    }
    // Backoff, not a tight loop: 100 ms, then doubling up to the 1 s cap of the test config.
    let elapsed = started.elapsed();
    let so_far = serve.log_events("bus session ended; reconnecting").len();
    assert!(
        so_far <= 4 + 2 * elapsed.as_secs() as usize,
        "{so_far} attempts in {elapsed:?}: not backing off"
    );
    assert!(
        serve.is_running(),
        "serve gave up; log:\n{}",
        serve.log_text()
    );
    ctl(
        &["change_password", &deployment.user("isovm"), new_password],
        None,
    );
    serve.wait_log("connected; claiming partitions", WAIT).await;
    publish_files(&producer_client, &files[2..]).await;
    inbox
        .wait_until(WAIT, "results up to height 4", |m| has_all(m, 4))
        .await;
    assert_clean_roots(&inbox.seen, &clean);
    serve.stop_cleanly(WAIT);

    // The tools get the same clear error, at once.
    let wrong = deployment.bus("producer", Some("not-the-password"));
    let error = Client::connect(&wrong.config).await.err().expect("refused");
    assert!(
        error.to_string().contains(&format!(
            "refused user `{}`: wrong user name or password",
            deployment.user("producer")
        )),
        "{error}"
    );

    validator_client.delete_queue(&own_queue).await.unwrap();
    validator_client.close().await;
    producer_client.close().await;
}
