//! `amqps://` with certificate verification, against a private RabbitMQ node with a TLS
//! listener whose CA the test makes (rcgen) and which demands client certificates (mutual
//! TLS): `isovm serve` executes a batch and publishes its result over TLS; a client that
//! trusts another CA, one that names the broker by a host its certificate does not cover,
//! one without a client certificate and one that speaks TLS to the plain port are each
//! refused with an error that says which of these it was.

mod bus_common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use bus_common::broker::{PrivateBroker, free_port};
use bus_common::*;
use isovm::bus::{BusConfig, BusError, Client};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

const WAIT: Duration = Duration::from_secs(120);

/// A CA: its certificate (PEM) and what signs with it.
struct Ca {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let key = KeyPair::generate().unwrap();
        let pem = params.self_signed(&key).unwrap().pem();
        Ca {
            pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// A certificate for `names` (host names or IP addresses) with `usage`, and its key.
    fn issue(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (String, String) {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "isovm test");
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// The `[bus]` lines that make a config verify the broker with `ca` and show `client`.
fn tls_toml(ca: &Path, client: Option<(&Path, &Path)>) -> String {
    let mut text = format!("ca_file = \"{}\"\n", ca.display());
    if let Some((cert, key)) = client {
        text.push_str(&format!(
            "client_cert_file = \"{}\"\nclient_key_file = \"{}\"\n",
            cert.display(),
            key.display()
        ));
    }
    text
}

/// The TLS error a connection attempt with `config` must end in.
async fn refused(config: &BusConfig) -> String {
    match Client::connect(config).await {
        Ok(_) => panic!("{} connected, but must be refused", config.amqp_url),
        Err(error @ BusError::Tls { .. }) => {
            eprintln!("refused, as it must be: {error}");
            error.to_string()
        }
        Err(other) => panic!("expected a TLS error, got: {other} ({other:?})"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn isovm_serves_over_verified_mutual_tls_and_refuses_what_does_not_check_out() {
    let certs = tempfile::tempdir().unwrap();
    let dir = certs.path();
    let ca = Ca::new("isovm test CA");
    let ca_file = write(dir, "ca.pem", &ca.pem);
    // The broker's certificate names 127.0.0.1 only: `localhost` is a mismatch.
    let (server_pem, server_key) = ca.issue(&["127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
    let server_cert = write(dir, "server.pem", &server_pem);
    let server_key = write(dir, "server-key.pem", &server_key);
    let (client_pem, client_key) = ca.issue(&["isovm"], ExtendedKeyUsagePurpose::ClientAuth);
    let client_cert = write(dir, "client.pem", &client_pem);
    let client_key = write(dir, "client-key.pem", &client_key);
    let other_ca_file = write(dir, "other-ca.pem", &Ca::new("another CA").pem);

    let tls_port = free_port();
    let conf = format!(
        "listeners.ssl.default = 127.0.0.1:{tls_port}\n\
         ssl_options.cacertfile = {}\n\
         ssl_options.certfile = {}\n\
         ssl_options.keyfile = {}\n\
         ssl_options.verify = verify_peer\n\
         ssl_options.fail_if_no_peer_cert = true\n",
        ca_file.display(),
        server_cert.display(),
        server_key.display()
    );
    let broker = PrivateBroker::start_with_config("tls", &conf);
    let url = format!("amqps://guest:guest@127.0.0.1:{tls_port}/%2f");
    let client_files = Some((client_cert.as_path(), client_key.as_path()));

    // A batch in, its result out, everything over TLS.
    let bus = TestBus::new(&url, None, &tls_toml(&ca_file, client_files));
    let files = token_stream(bus.dir.path(), 2, 3);
    let clean = clean_roots(&files);
    let db = bus.dir.path().join("db");
    let mut serve = Serve::start(&db, &bus, "serve.log", &[]);
    serve.wait_log("connected; claiming partitions", WAIT).await;
    let client = bus.client().await;
    let mut inbox = Inbox::all_results(&client).await;
    publish_files(&client, &files).await;
    inbox
        .wait_until(WAIT, "the results over TLS", |m| has_all(m, 2))
        .await;
    assert_clean_roots(&inbox.seen, &clean);
    serve.stop_cleanly(WAIT);

    // Trusting another CA: the broker's certificate is not signed by it.
    let other = TestBus::new(&url, None, &tls_toml(&other_ca_file, client_files));
    let error = refused(&other.config).await;
    assert!(
        error.contains("not signed by a trusted CA")
            && error.contains(&other_ca_file.display().to_string()),
        "{error}"
    );
    assert!(
        !error.contains("guest:guest"),
        "the password leaked: {error}"
    );

    // The right CA, but a host name the certificate does not cover.
    let by_name = format!("amqps://guest:guest@localhost:{tls_port}/%2f");
    let mismatch = TestBus::new(&by_name, None, &tls_toml(&ca_file, client_files));
    let error = refused(&mismatch.config).await;
    assert!(
        error.contains("not valid for the host name `localhost`"),
        "{error}"
    );

    // No client certificate: the broker ends the handshake.
    let anonymous = TestBus::new(&url, None, &tls_toml(&ca_file, None));
    let error = refused(&anonymous.config).await;
    assert!(error.contains("client certificate"), "{error}");

    // TLS spoken to the plain AMQP port.
    let plain = format!("amqps://guest:guest@127.0.0.1:{}/%2f", broker.port);
    let plain = TestBus::new(&plain, None, &tls_toml(&ca_file, client_files));
    let error = refused(&plain.config).await;
    assert!(error.contains("does not speak TLS"), "{error}");

    // `isovm serve` meeting a certificate it cannot trust says so, and keeps retrying
    // (the broker's certificate may be fixed), rather than exiting.
    let mut serve = Serve::start(&db, &other, "serve-other-ca.log", &[]);
    serve
        .wait_log_count("bus session ended; reconnecting", 2, WAIT)
        .await;
    let lines = serve.log_events("bus session ended; reconnecting");
    let error = lines[0]["fields"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("not signed by a trusted CA"), "{error}");
    assert!(
        serve.is_running(),
        "serve exited; log:\n{}",
        serve.log_text()
    );
    drop(serve);

    client.close().await;
    bus.cleanup().await;
}
