//! The deploy files, read as their tools read them: `deploy/compose.yaml` (workers, each with a
//! volume of its own, the health check, the validator) and every manifest under
//! `deploy/kubernetes/` (the workers' StatefulSet, its probe, mounts, Secrets, the validator's
//! StatefulSet), parsed as YAML with merge keys applied. The validator is `isovm verify` on a
//! database volume of its own, on queues its broker user may declare, with the workers'
//! consensus options. Every isovm command line in them (commands, health checks,
//! probes, and the environment variables beside them) is parsed by the built binary, so a
//! subcommand, flag, variable or value it does not know fails here rather than in a cluster.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_yaml_ng::Value;

fn deploy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every document of a YAML file, merge keys (`<<: *anchor`) applied.
fn documents(path: &Path) -> Vec<Value> {
    let text = read(path);
    serde_yaml_ng::Deserializer::from_str(&text)
        .map(|document| {
            let mut value = Value::deserialize(document)
                .unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()));
            value
                .apply_merge()
                .unwrap_or_else(|e| panic!("{}: merge keys: {e}", path.display()));
            value
        })
        .filter(|value| !value.is_null())
        .collect()
}

fn text<'a>(value: &'a Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what}: expected a string, found {value:?}"))
}

fn texts(value: &Value, what: &str) -> Vec<String> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("{what}: expected a list, found {value:?}"))
        .iter()
        .map(|item| text(item, what).to_string())
        .collect()
}

/// What the image sets up (deploy/Dockerfile): its entry point, its user id, and the
/// database path.
struct Image {
    entrypoint: Vec<String>,
    uid: u64,
    db: String,
}

fn image() -> Image {
    let dockerfile = read(&deploy().join("Dockerfile"));
    let instruction = |name: &str| {
        dockerfile
            .lines()
            .rfind(|line| line.starts_with(&format!("{name} ")))
            .map(|line| line[name.len() + 1..].trim().to_string())
            .unwrap_or_else(|| panic!("deploy/Dockerfile has no {name}"))
    };
    let entrypoint: Vec<String> = serde_json::from_str(&instruction("ENTRYPOINT"))
        .expect("deploy/Dockerfile: ENTRYPOINT in exec form");
    let user = instruction("USER");
    let uid = user
        .split(':')
        .next()
        .and_then(|uid| uid.parse().ok())
        .unwrap_or_else(|| panic!("deploy/Dockerfile: USER {user} is not a numeric id"));
    let db = dockerfile
        .split_whitespace()
        .find_map(|word| word.strip_prefix("ISOVM_DB="))
        .expect("deploy/Dockerfile sets ISOVM_DB")
        .to_string();
    Image {
        entrypoint,
        uid,
        db,
    }
}

/// `isovm ARGS... --help`: clap parses everything before `--help` (subcommands, flags and
/// their values) and at it prints the help and exits 0, running nothing.
fn help(args: &[String]) -> Result<String, String> {
    assert_eq!(args.first().map(String::as_str), Some("isovm"), "{args:?}");
    let mut command = Command::new(env!("CARGO_BIN_EXE_isovm"));
    command.args(&args[1..]).arg("--help");
    for (name, _) in std::env::vars().filter(|(name, _)| name.starts_with("ISOVM_")) {
        command.env_remove(name);
    }
    let output = command.output().expect("running isovm");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// The option each environment variable of a help text stands for, e.g. `ISOVM_DB` →
/// `--db`, and whether it takes a value.
fn env_options(help: &str) -> BTreeMap<String, (String, bool)> {
    let mut options = BTreeMap::new();
    let mut option = None;
    for line in help.lines().map(str::trim) {
        if line.starts_with('-') {
            let long = line.split([',', ' ']).find(|word| word.starts_with("--"));
            option = long.map(|long| (long.to_string(), line.contains('<')));
        }
        let mut rest = line;
        while let Some(at) = rest.find("[env: ") {
            rest = &rest[at + "[env: ".len()..];
            let name = rest.split('=').next().unwrap().to_string();
            options.insert(name, option.clone().expect("an [env] before any option"));
        }
    }
    options
}

/// Whether the built binary accepts `args` (`isovm` first) with `env` set: every subcommand,
/// flag and value of the command line, and every variable (one the subcommand reads, with a
/// value its option would take; clap leaves the environment alone when asked for help, so
/// each is checked as its option).
fn accepts(args: &[String], env: &[(String, String)]) -> Result<(), String> {
    let options = env_options(&help(args)?);
    let mut with_env = args.to_vec();
    for (name, value) in env {
        let (option, takes_value) = options
            .get(name)
            .ok_or_else(|| format!("`{}` reads no {name}", args[..2].join(" ")))?;
        // A flag on the command line wins over its variable.
        if *takes_value && !args.contains(option) {
            with_env.extend([option.clone(), value.clone()]);
        }
    }
    help(&with_env).map(|_| ())
}

fn assert_accepts(args: &[String], env: &[(String, String)], whose: &str) {
    if let Err(e) = accepts(args, env) {
        panic!("{whose}: isovm does not accept {args:?} with {env:?}: {e}");
    }
}

/// A compose health check: `isovm probe` of the worker's own `/readyz`, on the port its
/// `ISOVM_METRICS_ADDR` listens on, through loopback (inside the container).
fn assert_readyz_check(args: &[String], metrics: Option<&String>, whose: &str) {
    assert_eq!(
        args[..2],
        ["isovm", "probe"],
        "{whose}: health check {args:?}"
    );
    let metrics: std::net::SocketAddr = metrics
        .unwrap_or_else(|| panic!("{whose}: no ISOVM_METRICS_ADDR, so no /readyz"))
        .parse()
        .unwrap_or_else(|e| panic!("{whose}: ISOVM_METRICS_ADDR: {e}"));
    let url = args.last().unwrap();
    assert_eq!(
        url,
        &format!("http://127.0.0.1:{}/readyz", metrics.port()),
        "{whose}: health check against metrics on {metrics}"
    );
    assert!(
        metrics.ip().is_unspecified() || metrics.ip().is_loopback(),
        "{whose}: /readyz on {metrics} is not reachable through loopback"
    );
}

/// The user, password and host of an amqp:// URL.
fn amqp_login(url: &str) -> (&str, &str, &str) {
    let rest = url
        .strip_prefix("amqp://")
        .or_else(|| url.strip_prefix("amqps://"))
        .unwrap_or_else(|| panic!("{url}: not an AMQP URL"));
    let (login, rest) = rest.split_once('@').expect("a user in the URL");
    let (user, password) = login.split_once(':').expect("a password in the URL");
    let host = rest.split([':', '/']).next().unwrap();
    (user, password, host)
}

/// The broker users of deploy/rabbitmq/definitions.json, the file the compose broker boots
/// with and the one a cluster's broker imports.
fn broker_users() -> BTreeSet<String> {
    let text = read(&deploy().join("rabbitmq/definitions.json"));
    let definitions: serde_json::Value = serde_json::from_str(&text).unwrap();
    definitions["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|user| user["name"].as_str().unwrap().to_string())
        .collect()
}

/// A URL logs in as `role`, one of the broker's users, with its trial password (what
/// tests/bus_roles.rs logs in with against those definitions).
fn assert_login(url: &str, role: &str, whose: &str) {
    let (user, password, host) = amqp_login(url);
    assert_eq!(user, role, "{whose}: {url}");
    assert!(
        broker_users().contains(user),
        "{whose}: no broker user {user}"
    );
    assert_eq!(password, format!("{role}-trial-password"), "{whose}: {url}");
    assert!(
        !["localhost", "127.0.0.1"].contains(&host),
        "{whose}: {url} points at no broker of the deployment"
    );
}

/// The value of `--flag` in a command line.
fn flag<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    let at = args.iter().position(|arg| arg == flag)?;
    args.get(at + 1).map(String::as_str)
}

/// What is wrong with a validator's command line, if anything: it must be `isovm verify`
/// (re-executing every batch, not only printing results) on a base queue name its broker
/// user may declare (`--queue`, the base of `<queue>.batches` and `<queue>.results`).
fn validator_problem(args: &[String]) -> Option<String> {
    if args.get(..2) != Some(&["isovm".to_string(), "verify".to_string()][..]) {
        return Some(format!("{args:?} is not isovm verify"));
    }
    match flag(args, "--queue") {
        None => Some("verify without --queue".into()),
        Some(queue) if !queue.starts_with("isovm.validator.") => Some(format!(
            "the validator user may not declare queues {queue}.batches and {queue}.results"
        )),
        Some(_) => None,
    }
}

fn assert_validator(args: &[String], whose: &str) {
    if let Some(problem) = validator_problem(args) {
        panic!("{whose}: {problem}");
    }
}

/// The executor options that change receipts, as flag and variable. A verifier must run
/// with the workers' values of each, or it reports its own configuration as divergences.
/// (The others, workers, watchdog, heap, are safety nets or sizes: no receipt depends on
/// them.)
const CONSENSUS_OPTIONS: [(&str, &str); 1] = [(
    "--insecure-accept-unsigned-transactions",
    "ISOVM_INSECURE_ACCEPT_UNSIGNED_TRANSACTIONS",
)];

/// The consensus options a command line with its environment turns on.
fn consensus_options(args: &[String], env: &[(String, String)]) -> BTreeSet<&'static str> {
    // clap's BoolishValueParser.
    let on = |value: &str| match value.to_ascii_lowercase().as_str() {
        "y" | "yes" | "t" | "true" | "on" | "1" => true,
        "n" | "no" | "f" | "false" | "off" | "0" => false,
        _ => panic!("{value}: not a boolean"),
    };
    CONSENSUS_OPTIONS
        .iter()
        .filter(|(option, variable)| {
            args.iter().any(|arg| arg == option)
                || env
                    .iter()
                    .any(|(name, value)| name == variable && on(value))
        })
        .map(|(option, _)| *option)
        .collect()
}

/// The database of a command line: `--db`, else `ISOVM_DB`, else the image's.
fn database(args: &[String], env: &[(String, String)], image: &Image) -> String {
    flag(args, "--db")
        .map(String::from)
        .or_else(|| {
            env.iter()
                .find(|(name, _)| name == "ISOVM_DB")
                .map(|(_, value)| value.clone())
        })
        .unwrap_or_else(|| image.db.clone())
}

/// The source of the compose volume (`SOURCE:TARGET[:MODE]`) whose target holds `db`.
fn volume_holding<'a>(mounts: &'a [String], db: &str) -> Option<&'a str> {
    mounts.iter().find_map(|mount| {
        let mut parts = mount.split(':');
        let (source, target) = (parts.next()?, parts.next()?);
        db.starts_with(&format!("{}/", target.trim_end_matches('/')))
            .then_some(source)
    })
}

/// Seconds of a compose duration such as `60s` or `1m30s`.
fn seconds(duration: &str) -> u64 {
    let (mut total, mut number) = (0, 0);
    for c in duration.chars() {
        let unit = match c {
            '0'..='9' => {
                number = number * 10 + u64::from(c as u8 - b'0');
                continue;
            }
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => panic!("duration {duration}"),
        };
        total += number * unit;
        number = 0;
    }
    total
}

/// The command-line check itself: what it must refuse.
#[test]
fn the_check_refuses_what_isovm_does_not_know() {
    let args = |line: &str| -> Vec<String> { line.split(' ').map(String::from).collect() };
    let env = |name: &str, value: &str| vec![(name.to_string(), value.to_string())];
    assert_accepts(&args("isovm serve --log-format json"), &[], "serve");
    assert!(
        accepts(&args("isovm no-such-command"), &[]).is_err(),
        "no such command"
    );
    assert!(accepts(&args("isovm serve --no-such-flag"), &[]).is_err());
    assert!(accepts(&args("isovm tail --source everything"), &[]).is_err());
    assert!(accepts(&args("isovm serve"), &env("ISOVM_NO_SUCH_VARIABLE", "1")).is_err());
    assert!(accepts(&args("isovm tail"), &env("ISOVM_DB", "/var/lib/isovm/db")).is_err());
    assert!(accepts(&args("isovm serve"), &env("ISOVM_WORKERS", "4..1")).is_err());
    assert_accepts(
        &args("isovm verify --queue isovm.validator.x"),
        &env("ISOVM_DB", "/var/lib/isovm/db"),
        "verify",
    );
    assert!(accepts(&args("isovm verify --source both"), &[]).is_err());

    // The validator checks.
    assert_eq!(
        validator_problem(&args("isovm verify --queue isovm.validator.x")),
        None
    );
    for refused in [
        "isovm tail --source both --queue isovm.validator.x",
        "isovm verify",
        "isovm verify --queue isovm.verify",
    ] {
        assert!(validator_problem(&args(refused)).is_some(), "{refused}");
    }
    let unsigned = "--insecure-accept-unsigned-transactions";
    for cmd in ["serve", "verify"] {
        let help = help(&args(&format!("isovm {cmd}"))).unwrap();
        let options = env_options(&help);
        for (option, variable) in CONSENSUS_OPTIONS {
            assert_eq!(
                options.get(variable),
                Some(&(option.to_string(), false)),
                "isovm {cmd}: {variable}"
            );
        }
    }
    let none = consensus_options(&args("isovm serve"), &[]);
    assert!(none.is_empty());
    assert_eq!(
        consensus_options(&args(&format!("isovm verify {unsigned}")), &[]),
        BTreeSet::from([unsigned])
    );
    let by_env =
        |value| consensus_options(&args("isovm serve"), &env(CONSENSUS_OPTIONS[0].1, value));
    assert_eq!(by_env("true"), BTreeSet::from([unsigned]));
    assert_eq!(by_env("0"), none);
    let image = image();
    let mounts = vec!["./isovm.toml:/etc/isovm/isovm.toml:ro".to_string()];
    let db = database(&args("isovm verify"), &[], &image);
    assert_eq!(
        volume_holding(&mounts, &db),
        None,
        "the image's database on no volume"
    );
    let db = database(
        &args("isovm verify --db /data/db"),
        &env("ISOVM_DB", &db),
        &image,
    );
    assert_eq!(volume_holding(&["v:/data".to_string()], &db), Some("v"));
    assert_eq!(volume_holding(&["v:/data/db".to_string()], &db), None);
}

#[test]
fn compose_runs_workers_and_a_verifier_with_their_own_volumes() {
    let image = image();
    let path = deploy().join("compose.yaml");
    let compose = documents(&path)
        .pop()
        .expect("deploy/compose.yaml is empty");
    let services = compose["services"].as_mapping().expect("services");
    let declared: BTreeSet<&str> = compose["volumes"]
        .as_mapping()
        .expect("top-level volumes")
        .keys()
        .map(|name| text(name, "volume name"))
        .collect();

    let mut workers = BTreeMap::new();
    let mut validators = Vec::new();
    let mut data_volumes = BTreeSet::new();
    for (name, service) in services {
        let name = text(name, "service name");
        // Bind-mounted files exist.
        for volume in service["volumes"].as_sequence().into_iter().flatten() {
            let source = text(volume, name).split(':').next().unwrap();
            if source.starts_with('.') {
                assert!(deploy().join(source).exists(), "{name}: no {source}");
            } else {
                assert!(
                    declared.contains(source),
                    "{name}: volume {source} not declared"
                );
            }
        }
        if !text(&service["image"], name).starts_with("isovm") {
            continue;
        }
        let mut args = image.entrypoint.clone();
        args.extend(texts(&service["command"], name));
        let env: Vec<(String, String)> = service["environment"]
            .as_mapping()
            .unwrap_or_else(|| panic!("{name}: environment as a map"))
            .iter()
            .map(|(k, v)| (text(k, name).to_string(), text(v, name).to_string()))
            .collect();
        assert_accepts(&args, &env, name);
        let db = database(&args, &env, &image);
        let consensus = consensus_options(&args, &env);
        let env: BTreeMap<String, String> = env.into_iter().collect();
        assert_eq!(
            service["build"]["dockerfile"].as_str(),
            Some("deploy/Dockerfile"),
            "{name}: built from deploy/Dockerfile"
        );
        // The config file is mounted where ISOVM_CONFIG says.
        let config = &env["ISOVM_CONFIG"];
        let mounts = texts(&service["volumes"], name);
        assert!(
            mounts.contains(&format!("./isovm.toml:{config}:ro")),
            "{name}: deploy/isovm.toml not mounted at {config}: {mounts:?}"
        );
        // Its database on a named volume of its own (an anonymous one, the image's VOLUME,
        // does not outlive `docker compose down`).
        let data = volume_holding(&mounts, &db)
            .unwrap_or_else(|| panic!("{name}: the database {db} is on no volume: {mounts:?}"));
        assert!(
            declared.contains(data),
            "{name}: {data} is not a named volume"
        );
        assert!(
            data_volumes.insert(data.to_string()),
            "{name}: shares volume {data}"
        );
        let grace = seconds(text(&service["stop_grace_period"], name));
        assert!(grace >= 60, "{name}: {grace} s to finish a batch");
        match args[1].as_str() {
            "serve" => {
                workers.insert(name.to_string(), (service, env, consensus));
            }
            "verify" => {
                assert_validator(&args, name);
                assert_login(&env["ISOVM_AMQP_URL"], "validator", name);
                let check = texts(&service["healthcheck"]["test"], name);
                assert_eq!(check[0], "CMD", "{name}: {check:?}");
                assert_readyz_check(&check[1..], env.get("ISOVM_METRICS_ADDR"), name);
                assert_accepts(&check[1..], &[], name);
                validators.push((name, consensus));
            }
            other => panic!("{name}: isovm {other}: neither a worker nor a validator"),
        }
    }
    assert!(workers.len() >= 2, "workers: {:?}", workers.keys());
    let [(validator, consensus)] = validators.as_slice() else {
        panic!("validators: {validators:?}");
    };

    for (name, (service, env, worker_consensus)) in &workers {
        assert_eq!(
            worker_consensus, consensus,
            "{name} and {validator}: consensus options differ, so would their receipts"
        );
        let check = texts(&service["healthcheck"]["test"], name);
        assert_eq!(check[0], "CMD", "{name}: {check:?}");
        assert_readyz_check(&check[1..], env.get("ISOVM_METRICS_ADDR"), name);
        assert_accepts(&check[1..], &[], name);
        assert_login(&env["ISOVM_AMQP_URL"], "isovm", name);
        let (_, _, host) = amqp_login(&env["ISOVM_AMQP_URL"]);
        assert!(
            services.contains_key(host),
            "{name}: no broker service {host}"
        );
        assert_eq!(
            service["depends_on"][host]["condition"].as_str(),
            Some("service_healthy"),
            "{name}"
        );
    }
}

/// A Kubernetes object: what every manifest document is.
struct Object {
    file: String,
    kind: String,
    name: String,
    value: Value,
}

fn manifests() -> (Vec<Object>, Value) {
    let dir = deploy().join("kubernetes");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("deploy/kubernetes/")
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    let mut objects = Vec::new();
    let mut kustomization = None;
    for path in &files {
        let file = path.file_name().unwrap().to_str().unwrap().to_string();
        assert!(
            file.ends_with(".yaml"),
            "deploy/kubernetes/{file}: not a manifest"
        );
        for value in documents(path) {
            let kind = text(&value["kind"], &file).to_string();
            assert!(
                value["apiVersion"].is_string(),
                "{file}: {kind} has no apiVersion"
            );
            if kind == "Kustomization" {
                kustomization = Some(value);
                continue;
            }
            let name = text(&value["metadata"]["name"], &file).to_string();
            assert!(
                value["metadata"]["namespace"].is_null(),
                "{file}: {kind} {name} names a namespace"
            );
            objects.push(Object {
                file: file.clone(),
                kind,
                name,
                value,
            });
        }
    }
    (
        objects,
        kustomization.expect("deploy/kubernetes/kustomization.yaml"),
    )
}

fn find<'a>(objects: &'a [Object], kind: &str, name: &str) -> &'a Value {
    &objects
        .iter()
        .find(|o| o.kind == kind && o.name == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in deploy/kubernetes/"))
        .value
}

/// A Secret's name and one of its keys.
type SecretKey = (String, String);

/// A container's environment.
struct Env {
    /// The variables set to a value.
    literal: Vec<(String, String)>,
    /// The variables that come from a Secret, and from which key.
    secret: BTreeMap<String, SecretKey>,
}

fn container_env(container: &Value) -> Env {
    let mut env = Env {
        literal: Vec::new(),
        secret: BTreeMap::new(),
    };
    for var in container["env"].as_sequence().into_iter().flatten() {
        let name = text(&var["name"], "env").to_string();
        if let Some(value) = var["value"].as_str() {
            env.literal.push((name, value.to_string()));
        } else {
            let key = &var["valueFrom"]["secretKeyRef"];
            let secret_name = text(&key["name"], &name).to_string();
            let secret_key = text(&key["key"], &name).to_string();
            env.secret.insert(name, (secret_name, secret_key));
        }
    }
    env
}

/// The value a Secret of the manifests holds under a key.
fn secret_value(objects: &[Object], (name, key): &SecretKey) -> String {
    let secret = find(objects, "Secret", name);
    text(
        &secret["stringData"][key.as_str()],
        &format!("Secret {name}"),
    )
    .to_string()
}

/// Every container of the workloads, with whose it is.
fn containers(objects: &[Object]) -> Vec<(String, &Value)> {
    let mut all = Vec::new();
    for object in objects {
        let pod = &object.value["spec"]["template"]["spec"];
        for container in pod["containers"].as_sequence().into_iter().flatten() {
            let whose = format!("{} {} ({})", object.kind, object.name, object.file);
            all.push((whose, container));
        }
    }
    all
}

fn argv(container: &Value, whose: &str) -> Vec<String> {
    let mut args = texts(&container["command"], whose);
    if !container["args"].is_null() {
        args.extend(texts(&container["args"], whose));
    }
    args
}

#[test]
fn kubernetes_manifests_run_a_statefulset_of_workers_and_one_of_a_verifier() {
    let image = image();
    let (objects, kustomization) = manifests();

    // `kubectl apply -k` applies every manifest; no RabbitMQ operator resource.
    let listed: BTreeSet<String> = texts(&kustomization["resources"], "resources")
        .into_iter()
        .collect();
    let files: BTreeSet<String> = objects.iter().map(|o| o.file.clone()).collect();
    assert_eq!(listed, files, "kustomization.yaml resources");
    for object in &objects {
        assert_ne!(
            object.kind, "RabbitmqCluster",
            "{}: RabbitMQ is referenced",
            object.file
        );
    }

    // Every container runs isovm (none is a broker), with a command line and probes isovm
    // accepts.
    for (whose, container) in containers(&objects) {
        let image_name = text(&container["image"], &whose);
        assert!(
            image_name.starts_with("isovm"),
            "{whose}: image {image_name}"
        );
        let env = container_env(container);
        assert_accepts(&argv(container, &whose), &env.literal, &whose);
        for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
            if let Some(exec) = container[probe]["exec"]["command"].as_sequence() {
                let args: Vec<String> = exec.iter().map(|a| text(a, probe).to_string()).collect();
                assert_accepts(&args, &[], &format!("{whose} {probe}"));
            }
        }
    }

    // The workloads: the workers and the validator, nothing else.
    let workloads: BTreeSet<(&str, &str)> = objects
        .iter()
        .filter(|o| !o.value["spec"]["template"].is_null())
        .map(|o| (o.kind.as_str(), o.name.as_str()))
        .collect();
    assert_eq!(
        workloads,
        BTreeSet::from([("StatefulSet", "isovm"), ("StatefulSet", "isovm-validator")]),
        "workloads"
    );

    let worker = stateful_pod(&objects, "isovm", &image);
    let StatefulPod {
        whose,
        spec,
        pod,
        container,
        args,
        literal,
        secret,
        mounts,
    } = &worker;
    let whose = whose.as_str();
    assert!(spec["replicas"].as_u64().unwrap() >= 2, "{whose}: replicas");
    assert_eq!(args[..2], ["isovm", "serve"], "{whose}: {args:?}");
    let env: BTreeMap<String, String> = literal.iter().cloned().collect();

    // Ready when its own /readyz says so: the metrics server listens where the kubelet can
    // reach it, on the container port the probe names.
    let metrics = env
        .get("ISOVM_METRICS_ADDR")
        .unwrap_or_else(|| panic!("{whose}: no ISOVM_METRICS_ADDR, so no /readyz"));
    let (host, port) = metrics.rsplit_once(':').unwrap();
    assert_eq!(
        host, "0.0.0.0",
        "{whose}: /readyz on {metrics} is out of the kubelet's reach"
    );
    let probe = &container["readinessProbe"]["httpGet"];
    assert_eq!(
        text(&probe["path"], whose),
        "/readyz",
        "{whose}: readiness probe"
    );
    let named = text(&probe["port"], whose);
    let exposed = container["ports"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{whose}: no container ports"))
        .iter()
        .find(|p| p["name"].as_str() == Some(named))
        .unwrap_or_else(|| panic!("{whose}: the probe's port {named} is not a container port"));
    assert_eq!(
        exposed["containerPort"]
            .as_u64()
            .map(|p| p.to_string())
            .as_deref(),
        Some(port),
        "{whose}: the probe's port is not where the metrics server listens ({metrics})"
    );
    let requests = &container["resources"]["requests"];
    assert!(
        requests["cpu"].is_string() && requests["memory"].is_string(),
        "{whose}: requests"
    );

    // The config file is the ConfigMap mounted where ISOVM_CONFIG says, and isovm reads it.
    let config = &env["ISOVM_CONFIG"];
    let (dir, file) = config.rsplit_once('/').unwrap();
    let volume = mounts
        .iter()
        .find(|(_, path)| **path == dir)
        .map(|(name, _)| *name)
        .unwrap_or_else(|| panic!("{whose}: nothing mounted at {dir}"));
    let volume = pod["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|v| v["name"].as_str() == Some(volume))
        .expect("the config volume");
    let map = find(
        &objects,
        "ConfigMap",
        text(&volume["configMap"]["name"], whose),
    );
    let toml = text(&map["data"][file], &format!("ConfigMap key {file}"));
    let temp = tempfile::tempdir().unwrap();
    let toml_path = temp.path().join(file);
    std::fs::write(&toml_path, toml).unwrap();
    let topology = |path: &Path| {
        Command::new(env!("CARGO_BIN_EXE_isovm"))
            .args(["topology", "--config", path.to_str().unwrap()])
            .output()
            .unwrap()
    };
    let output = topology(&toml_path);
    assert!(
        output.status.success(),
        "the ConfigMap's {file}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(&toml_path, format!("{toml}\nno_such_key = 1\n")).unwrap();
    assert!(
        !topology(&toml_path).status.success(),
        "isovm checks config keys"
    );

    // The broker: an existing service, reached as `isovm`, from a Secret.
    let url = secret_value(&objects, &secret["ISOVM_AMQP_URL"]);
    assert_login(&url, "isovm", whose);

    // The validator: one verifier (two on its queues would split the batches), with a
    // database of its own, the validator's login, and the workers' consensus options.
    let validator = stateful_pod(&objects, "isovm-validator", &image);
    let whose = validator.whose.as_str();
    assert_eq!(
        validator.spec["replicas"].as_u64(),
        Some(1),
        "{whose}: one on its queues"
    );
    assert_validator(&validator.args, whose);
    let url = secret_value(&objects, &validator.secret["ISOVM_AMQP_URL"]);
    assert_login(&url, "validator", whose);
    assert_eq!(
        consensus_options(&validator.args, &validator.literal),
        consensus_options(args, literal),
        "{whose} and the workers: consensus options differ, so would their receipts"
    );
}

/// An isovm StatefulSet's pod, checked for what every one needs: a headless Service of its
/// own that selects it, time to finish its batches after SIGTERM, the image's user, one
/// container, and its database on a ReadWriteOnce claim template (a volume per pod that
/// outlives the pod and the StatefulSet).
struct StatefulPod<'a> {
    whose: String,
    spec: &'a Value,
    pod: &'a Value,
    container: &'a Value,
    args: Vec<String>,
    /// The variables set to a value, and those from a Secret.
    literal: Vec<(String, String)>,
    secret: BTreeMap<String, SecretKey>,
    /// Volume name → mount path.
    mounts: BTreeMap<&'a str, &'a str>,
}

fn stateful_pod<'a>(objects: &'a [Object], name: &str, image: &Image) -> StatefulPod<'a> {
    let whose = format!("StatefulSet {name}");
    let spec = &find(objects, "StatefulSet", name)["spec"];
    let labels = spec["selector"]["matchLabels"]
        .as_mapping()
        .unwrap_or_else(|| panic!("{whose}: matchLabels"));
    let template_labels = spec["template"]["metadata"]["labels"].as_mapping().unwrap();
    for (k, v) in labels {
        assert_eq!(template_labels.get(k), Some(v), "{whose}: pod labels");
    }
    let service = find(objects, "Service", text(&spec["serviceName"], &whose));
    assert_eq!(
        service["spec"]["clusterIP"].as_str(),
        Some("None"),
        "{whose}: headless"
    );
    assert_eq!(
        service["spec"]["selector"].as_mapping(),
        Some(labels),
        "{whose}: its Service selects its pods"
    );
    let pod = &spec["template"]["spec"];
    let grace = pod["terminationGracePeriodSeconds"].as_u64().unwrap_or(30);
    assert!(
        grace >= 60,
        "{whose}: {grace} s to finish a batch after SIGTERM"
    );
    assert_eq!(
        pod["securityContext"]["runAsUser"].as_u64(),
        Some(image.uid),
        "{whose}: the image's user"
    );
    assert_eq!(
        pod["securityContext"]["fsGroup"].as_u64(),
        Some(image.uid),
        "{whose}: the volume writable by the image's user"
    );
    let [container] = pod["containers"].as_sequence().unwrap().as_slice() else {
        panic!("{whose}: one container");
    };
    let args = argv(container, &whose);
    let Env { literal, secret } = container_env(container);
    let mounts: BTreeMap<&str, &str> = container["volumeMounts"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{whose}: volumeMounts"))
        .iter()
        .map(|m| (text(&m["name"], &whose), text(&m["mountPath"], &whose)))
        .collect();

    // The database on a volume of each pod's own.
    let db = database(&args, &literal, image);
    let claim = spec["volumeClaimTemplates"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|claim| {
            let name = text(&claim["metadata"]["name"], "claim");
            mounts
                .get(name)
                .is_some_and(|path| db.starts_with(&format!("{path}/")))
        })
        .unwrap_or_else(|| panic!("{whose}: the database {db} is on no claim template"));
    assert!(
        texts(&claim["spec"]["accessModes"], "accessModes").contains(&"ReadWriteOnce".into()),
        "{whose}: ReadWriteOnce"
    );
    assert!(
        claim["spec"]["resources"]["requests"]["storage"].is_string(),
        "{whose}: claim size"
    );
    StatefulPod {
        whose,
        spec,
        pod,
        container,
        args,
        literal,
        secret,
        mounts,
    }
}

/// `isovm config --json` for a compose service's command line and environment, its config
/// file read from `deploy/` (where compose mounts it from): the effective settings.
fn compose_settings(name: &str, service: &Value) -> serde_json::Value {
    let mut args = texts(&service["command"], name);
    assert!(
        matches!(args[0].as_str(), "serve" | "verify"),
        "{name}: {args:?}"
    );
    args[0] = "config".into();
    args.push("--json".into());
    let mut command = Command::new(env!("CARGO_BIN_EXE_isovm"));
    for (var, _) in std::env::vars().filter(|(var, _)| var.starts_with("ISOVM_")) {
        command.env_remove(var);
    }
    let mounts = texts(&service["volumes"], name);
    for (key, value) in service["environment"].as_mapping().expect("environment") {
        let (key, mut value) = (text(key, name), text(value, name).to_string());
        if key == "ISOVM_CONFIG" {
            let mount = mounts
                .iter()
                .find_map(|m| m.strip_suffix(&format!(":{value}:ro")))
                .unwrap_or_else(|| panic!("{name}: nothing mounted at {value}"));
            value = deploy().join(mount).display().to_string();
        }
        command.env(key, value);
    }
    let out = command.args(&args).output().expect("running isovm config");
    assert!(
        out.status.success(),
        "{name}: isovm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Prometheus (deploy/prometheus/prometheus.yml) scrapes exactly the metrics addresses of
/// the compose file's isovm services (as `isovm config` resolves them), which listen on
/// every interface so that another container reaches them; Grafana is provisioned with
/// that Prometheus and the dashboard.
#[test]
fn compose_scrapes_every_isovm_process_and_provisions_grafana() {
    let compose = documents(&deploy().join("compose.yaml")).pop().unwrap();
    let services = compose["services"].as_mapping().expect("services");
    let mut expected = BTreeSet::new();
    for (name, service) in services {
        let name = text(name, "service name");
        if !text(&service["image"], name).starts_with("isovm") {
            continue;
        }
        let settings = compose_settings(name, service);
        let addr = &settings["metrics.addr"];
        let addr: std::net::SocketAddr = text_json(&addr["value"], name)
            .parse()
            .unwrap_or_else(|e| panic!("{name}: metrics address {addr}: {e}"));
        assert!(
            addr.ip().is_unspecified(),
            "{name}: metrics on {addr}, unreachable from the prometheus container"
        );
        expected.insert(format!("{name}:{}", addr.port()));
    }
    assert!(expected.len() >= 3, "{expected:?}");

    let prometheus = &services[&Value::from("prometheus")];
    let mounts = texts(&prometheus["volumes"], "prometheus");
    assert!(
        mounts.contains(&"./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro".into()),
        "prometheus: {mounts:?}"
    );
    let config = documents(&deploy().join("prometheus/prometheus.yml"))
        .pop()
        .unwrap();
    let mut targets = BTreeSet::new();
    for job in config["scrape_configs"]
        .as_sequence()
        .expect("scrape_configs")
    {
        let path = job["metrics_path"].as_str().unwrap_or("/metrics");
        assert_eq!(path, "/metrics", "{job:?}");
        for group in job["static_configs"].as_sequence().expect("static_configs") {
            targets.extend(texts(&group["targets"], "targets"));
        }
    }
    assert_eq!(
        targets, expected,
        "prometheus.yml's targets against compose's isovm services"
    );

    // Grafana: the data source is that Prometheus, the dashboard is where the provider looks,
    // and the dashboard's data source variable selects it.
    let grafana = &services[&Value::from("grafana")];
    let mounts = texts(&grafana["volumes"], "grafana");
    let mounted_at = |source: &str| {
        mounts
            .iter()
            .find_map(|m| m.strip_prefix(&format!("{source}:")))
            .map(|rest| rest.trim_end_matches(":ro").to_string())
            .unwrap_or_else(|| panic!("grafana: {source} not mounted: {mounts:?}"))
    };
    assert_eq!(
        mounted_at("./grafana/provisioning"),
        "/etc/grafana/provisioning"
    );
    let dashboard_file = mounted_at("./grafana/isovm.json");
    let sources = documents(&deploy().join("grafana/provisioning/datasources/prometheus.yml"));
    let source = &sources[0]["datasources"][0];
    assert_eq!(text(&source["type"], "datasource"), "prometheus");
    let url = text(&source["url"], "datasource url");
    let port = prometheus["ports"][0]
        .as_str()
        .and_then(|p| p.rsplit(':').next())
        .unwrap_or("9090");
    assert_eq!(
        url,
        format!("http://prometheus:{port}"),
        "grafana's data source"
    );
    let providers = documents(&deploy().join("grafana/provisioning/dashboards/isovm.yml"));
    let path = text(
        &providers[0]["providers"][0]["options"]["path"],
        "provider path",
    );
    assert_eq!(dashboard_file, format!("{path}/isovm.json"));
    let dashboard: serde_json::Value =
        serde_json::from_str(&read(&deploy().join("grafana/isovm.json"))).unwrap();
    let variable = &dashboard["templating"]["list"][0];
    assert_eq!(variable["type"], "datasource");
    assert_eq!(variable["current"]["value"], text(&source["uid"], "uid"));
}

fn text_json<'a>(value: &'a serde_json::Value, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what}: expected a string, found {value}"))
}
