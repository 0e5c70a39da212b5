//! The broker users of a deployment, one per role, each allowed only what its role does,
//! as RabbitMQ permissions (configure, write and read regular expressions over resource
//! names) and topic permissions (over routing keys), built from the config's names so they
//! follow a prefix or an override.
//!
//! RabbitMQ checks: declaring or deleting a queue or exchange needs *configure* on it (and a
//! queue with a dead-letter exchange also *read* on the queue and *write* on that exchange);
//! binding a queue needs *write* on the queue and *read* on the exchange; publishing needs
//! *write* on the exchange (`amq.default` for the default exchange); consuming needs *read*
//! on the queue. Queue and exchange names share one space in these expressions.

use serde_json::{Value, json};

use super::config::BusConfig;

/// One broker user and what it may do in the virtual host.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Role {
    pub user: &'static str,
    pub configure: String,
    pub write: String,
    pub read: String,
    /// Routing keys the user may use on one topic exchange, if limited.
    pub topic: Option<TopicPermission>,
}

/// A RabbitMQ topic permission: regular expressions over the routing keys a user may
/// publish with (`write`) and bind with (`read`) on one topic exchange.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TopicPermission {
    pub exchange: String,
    pub write: String,
    pub read: String,
}

/// The prefix of the durable queues a validator may keep on the broker, e.g.
/// `isovm.validator.` for `isovm tail --queue isovm.validator.node-7`.
pub fn validator_queue_prefix(config: &BusConfig) -> String {
    format!("{}.validator.", config.prefix)
}

/// The roles of a deployment:
/// - `isovm` (`isovm serve`): declares its exchanges and queues, consumes batches and RPC
///   requests, publishes results, events, parked batches, dead letters and RPC replies;
/// - `producer`: publishes batches (routing key `batch.<partition>`), nothing else;
/// - `validator`: reads results and events through queues of its own (server-named, or
///   durable under [`validator_queue_prefix`]); for `isovm verify`, also reads batches
///   through such a queue and publishes divergences on the results exchange (routing key
///   `divergence` only, so it cannot forge a block result); nothing else.
pub(super) fn roles(config: &BusConfig) -> Vec<Role> {
    let n = config.names();
    let own_queues = format!("amq\\.gen-.*|{}.*", escape(&validator_queue_prefix(config)));
    // Each partition's queue and block log.
    let partitions = [
        format!("{}\\.[0-9]+", escape(&n.batches_queue)),
        format!("{}\\.[0-9]+", escape(&n.block_logs)),
    ];
    // Plus each partition's lock (declared and deleted: configure only).
    let configured = [
        partitions[0].clone(),
        partitions[1].clone(),
        format!("{}\\.owner\\.[0-9]+", escape(&n.members_queue)),
    ];
    vec![
        Role {
            user: "isovm",
            configure: any_of_with(
                &[
                    &n.batches_exchange,
                    &n.batches_queue,
                    &n.route_exchange,
                    &n.unrouted_exchange,
                    &n.park_exchange,
                    &n.park_queue,
                    &n.results_exchange,
                    &n.events_exchange,
                    &n.dead_exchange,
                    &n.dead_queue,
                    &n.rpc_queue,
                    &n.partitions_log,
                    &n.members_queue,
                    &n.hungry_queue(),
                ],
                &configured,
            ),
            // Bound queues and exchanges; exchanges published to (the default one for the
            // streams and RPC replies); the dead-letter exchanges of its queues.
            write: any_of_with(
                &[
                    &n.batches_queue,
                    &n.park_queue,
                    &n.dead_queue,
                    &n.route_exchange,
                    &n.results_exchange,
                    &n.events_exchange,
                    &n.park_exchange,
                    &n.dead_exchange,
                    &n.batches_exchange,
                    &n.unrouted_exchange,
                    &n.partitions_log,
                    "amq.default",
                ],
                &partitions,
            ),
            // Exchanges bound from; queues and streams consumed or declared with a
            // dead-letter exchange.
            read: any_of_with(
                &[
                    &n.batches_exchange,
                    &n.route_exchange,
                    &n.unrouted_exchange,
                    &n.park_exchange,
                    &n.dead_exchange,
                    &n.batches_queue,
                    &n.park_queue,
                    &n.rpc_queue,
                    &n.partitions_log,
                    &n.members_queue,
                    &n.hungry_queue(),
                ],
                &partitions,
            ),
            topic: None,
        },
        Role {
            user: "producer",
            configure: "^$".into(),
            write: any_of(&[&n.batches_exchange]),
            read: "^$".into(),
            topic: Some(TopicPermission {
                exchange: n.batches_exchange.clone(),
                write: "^batch\\.[0-9]+$".into(),
                read: "^$".into(),
            }),
        },
        Role {
            user: "validator",
            configure: format!("^({own_queues})$"),
            write: format!("^({}|{own_queues})$", escape(&n.results_exchange)),
            read: format!(
                "^({}|{}|{}|{own_queues})$",
                escape(&n.results_exchange),
                escape(&n.events_exchange),
                escape(&n.batches_exchange)
            ),
            topic: Some(TopicPermission {
                exchange: n.results_exchange.clone(),
                write: format!("^{}$", escape(super::config::DIVERGENCE_KEY)),
                read: ".*".into(),
            }),
        },
    ]
}

/// The roles as the `users`, `permissions` and `topic_permissions` of a RabbitMQ
/// definitions document for `vhost`. The users have no password (`password_hash` empty: no
/// password login) until the operator sets one with `rabbitmqctl change_password`.
pub(super) fn definitions(roles: &[Role], vhost: &str) -> Value {
    let users: Vec<Value> = roles
        .iter()
        .map(|r| {
            json!({
                "name": r.user,
                "password_hash": "",
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "tags": [],
                "limits": {},
            })
        })
        .collect();
    let permissions: Vec<Value> = roles
        .iter()
        .map(|r| {
            json!({
                "user": r.user,
                "vhost": vhost,
                "configure": r.configure,
                "write": r.write,
                "read": r.read,
            })
        })
        .collect();
    let topic_permissions: Vec<Value> = roles
        .iter()
        .filter_map(|r| {
            let topic = r.topic.as_ref()?;
            Some(json!({
                "user": r.user,
                "vhost": vhost,
                "exchange": topic.exchange,
                "write": topic.write,
                "read": topic.read,
            }))
        })
        .collect();
    json!({
        "users": users,
        "permissions": permissions,
        "topic_permissions": topic_permissions,
    })
}

/// `^(a|b|...)$` over the distinct names, escaped.
fn any_of(names: &[&str]) -> String {
    any_of_with(names, &[])
}

/// [`any_of`] plus regular expressions `patterns`, as they are.
fn any_of_with(names: &[&str], patterns: &[String]) -> String {
    let mut seen: Vec<String> = Vec::new();
    for e in names
        .iter()
        .map(|n| escape(n))
        .chain(patterns.iter().cloned())
    {
        if !seen.contains(&e) {
            seen.push(e);
        }
    }
    format!("^({})$", seen.join("|"))
}

/// `name` as a literal in a (PCRE) regular expression.
fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if "\\.^$|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_escaped_and_deduplicated() {
        assert_eq!(escape("a.b*c"), "a\\.b\\*c");
        assert_eq!(any_of(&["x.y", "z", "x.y"]), "^(x\\.y|z)$");
    }

    #[test]
    fn roles_follow_the_prefix() {
        let config = BusConfig {
            prefix: "p1".into(),
            ..BusConfig::default()
        };
        let roles = roles(&config);
        let producer = roles.iter().find(|r| r.user == "producer").unwrap();
        assert_eq!(producer.write, "^(p1\\.batches)$");
        let validator = roles.iter().find(|r| r.user == "validator").unwrap();
        assert!(
            validator.read.contains("p1\\.results"),
            "{}",
            validator.read
        );
        assert!(validator.configure.contains("p1\\.validator\\."));
        assert!(!validator.write.contains("batches"), "{}", validator.write);
        // It binds a queue to the batches (isovm verify) and publishes divergences only.
        assert!(
            validator.read.contains("p1\\.batches"),
            "{}",
            validator.read
        );
        let topic = validator.topic.as_ref().unwrap();
        assert_eq!(
            (topic.exchange.as_str(), topic.write.as_str()),
            ("p1.results", "^divergence$")
        );
    }
}
