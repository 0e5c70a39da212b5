//! A private RabbitMQ node for tests that stop and start the broker: its own node name,
//! ports and data directory, so the shared broker (and tests using it) are untouched.
//! Stopped and removed on drop, also when the test fails.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct PrivateBroker {
    pub node: String,
    pub port: u16,
    dir: tempfile::TempDir,
}

/// The RabbitMQ scripts themselves: Debian's wrappers in /usr/sbin switch to the
/// `rabbitmq` user when run as root, whose Erlang cookie is not ours.
fn script(name: &str) -> PathBuf {
    let direct = Path::new("/usr/lib/rabbitmq/bin").join(name);
    if direct.exists() {
        direct
    } else {
        PathBuf::from(name)
    }
}

/// A port nothing listens on at the moment.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PrivateBroker {
    /// Starts the node and waits (bounded) until it accepts connections.
    pub fn start(name: &str) -> PrivateBroker {
        PrivateBroker::start_with_config(name, "")
    }

    /// [`PrivateBroker::start`] with `config` as its rabbitmq.conf (e.g. a TLS listener).
    pub fn start_with_config(name: &str, config: &str) -> PrivateBroker {
        let dir = tempfile::tempdir().unwrap();
        let node = format!("isovm-test-{}-{name}@localhost", std::process::id());
        let port = free_port();
        let broker = PrivateBroker { node, port, dir };
        let conf = broker.dir.path().join("rabbitmq.conf");
        std::fs::write(&conf, config).unwrap();
        let status = Command::new(script("rabbitmq-server"))
            .arg("-detached")
            .envs(broker.env())
            .env("RABBITMQ_NODE_PORT", port.to_string())
            .env("RABBITMQ_DIST_PORT", free_port().to_string())
            .env("RABBITMQ_NODE_IP_ADDRESS", "127.0.0.1")
            .env("RABBITMQ_CONFIG_FILE", &conf)
            .env(
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                broker.dir.path().join("enabled_plugins"),
            )
            .status()
            .expect("cannot run rabbitmq-server (is rabbitmq-server installed?)");
        assert!(status.success(), "rabbitmq-server -detached failed");
        broker.await_startup(Duration::from_secs(120));
        broker
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        let path = |p: &str| self.dir.path().join(p).display().to_string();
        vec![
            ("RABBITMQ_NODENAME", self.node.clone()),
            ("RABBITMQ_MNESIA_BASE", path("mnesia")),
            ("RABBITMQ_LOG_BASE", path("log")),
            ("RABBITMQ_PID_FILE", path("pid")),
        ]
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    /// Runs `rabbitmqctl -n <node> args...`.
    pub fn ctl(&self, args: &[&str]) -> Output {
        Command::new(script("rabbitmqctl"))
            .args(["-n", &self.node])
            .args(args)
            .envs(self.env())
            .output()
            .expect("cannot run rabbitmqctl")
    }

    pub fn ctl_ok(&self, args: &[&str]) {
        let out = self.ctl(args);
        assert!(
            out.status.success(),
            "rabbitmqctl {args:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `await_startup` fails at once while the node is not up at all, so poll it.
    fn await_startup(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let out = self.ctl(&["await_startup", "--timeout", "10"]);
            if out.status.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "RabbitMQ node {} did not start within {timeout:?}: {}{}\nits log ends:\n{}",
                self.node,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                self.log_tail(4000)
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// The last `n` bytes of the node's log files, for failure messages.
    pub fn log_tail(&self, n: usize) -> String {
        let mut text = String::new();
        if let Ok(entries) = std::fs::read_dir(self.dir.path().join("log")) {
            for entry in entries.flatten() {
                text.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        let start = text.len().saturating_sub(n);
        let start = (start..text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        text[start..].to_string()
    }

    /// Stops the RabbitMQ application: connections are closed, the port refuses.
    pub fn stop_app(&self) {
        self.ctl_ok(&["stop_app"]);
    }

    /// Starts it again and waits until it accepts connections.
    pub fn start_app(&self) {
        self.ctl_ok(&["start_app"]);
        self.await_startup(Duration::from_secs(60));
    }

    pub fn import_definitions(&self, file: &Path) {
        self.ctl_ok(&["import_definitions", &file.display().to_string()]);
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        let _ = self.ctl(&["stop"]);
    }
}
