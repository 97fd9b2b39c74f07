//! RDS: `AWS::RDS::DBInstance` and Aurora's `AWS::RDS::DBCluster` → `database` (engine, instance class, and
//! `max_connections` from the parameter group the template gives it); `AWS::RDS::DBProxy` → `db_proxy`, whose
//! database and pool settings come from its `AWS::RDS::DBProxyTargetGroup`. An instance that belongs to a cluster
//! is not a database of its own: it gives the cluster its class. Subnet and parameter groups are support
//! resources (read here, skipped silently).

use serde_json::{Map, Value};

use super::{Props, int, object, string};
use crate::import::intrinsic::text;
use crate::import::template::TemplateResource;
use crate::import::{Build, Pending, Slot};
use crate::scenario::registry::database as dbr;

/// The scenario engine a template `Engine` is simulated as, and whether that is an approximation.
fn engine(aws_engine: &str) -> Option<(&'static str, bool)> {
    Some(match aws_engine.to_ascii_lowercase().as_str() {
        "postgres" | "aurora-postgresql" => ("postgres", false),
        "mysql" | "aurora-mysql" | "aurora" => ("mysql", false),
        "mariadb" => ("mysql", true),
        _ => return None,
    })
}

/// Whether a DB instance is a member of a cluster (written, before evaluation).
pub fn is_cluster_member(raw_properties: &Value) -> bool {
    raw_properties
        .get("DBClusterIdentifier")
        .is_some_and(|v| !v.is_null())
}

/// The scenario type of an RDS resource, from its raw properties: None for an engine eventflow does not model
/// (Oracle, SQL Server, Db2) when the template writes it literally, and for a cluster's member instance.
pub fn kind_of(aws_type: &str, raw_properties: &Value) -> Option<&'static str> {
    let literal_engine_unknown = raw_properties
        .get("Engine")
        .and_then(Value::as_str)
        .is_some_and(|e| engine(e).is_none());
    match aws_type {
        "AWS::RDS::DBInstance" if is_cluster_member(raw_properties) => None,
        "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" if literal_engine_unknown => None,
        "AWS::RDS::DBInstance" | "AWS::RDS::DBCluster" => Some("database"),
        "AWS::RDS::DBProxy" => Some("db_proxy"),
        _ => None,
    }
}

/// `AWS::RDS::DBInstance` (not in a cluster) and `AWS::RDS::DBCluster` → `database`.
pub fn database(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let cluster = r.aws_type == "AWS::RDS::DBCluster";
    if !cluster && is_cluster_member(&r.properties) {
        // Its class is read by the cluster (below); the instance itself adds nothing to the graph.
        return;
    }
    let aws_engine = string(p, "Engine").unwrap_or_default();
    let Some((scenario_engine, approximated)) = engine(&aws_engine) else {
        b.note(
            from.0,
            from.1,
            format!(
                "engine \"{aws_engine}\" is not simulated (PostgreSQL and MySQL are); left out"
            ),
        );
        b.external.push(crate::import::External {
            id: r.id.clone(),
            aws_type: r.aws_type.clone(),
        });
        return;
    };
    if approximated {
        b.note(
            from.0,
            from.1,
            format!(
                "engine {aws_engine} is simulated as MySQL (its max_connections and error texts)"
            ),
        );
    }
    let mut d = super::new_resource("database", string(p, "Description"));
    d.insert("engine".into(), Value::from(scenario_engine));
    let class = if cluster {
        member_class(b, &r.id)
    } else {
        string(p, "DBInstanceClass")
    };
    match class {
        Some(c) if dbr::INSTANCE_CLASS_NAMES.contains(&c.as_str()) => {
            d.insert("instance_class".into(), Value::from(c));
        }
        Some(c) => b.note(
            from.0,
            from.1,
            format!(
                "instance class {c} is not one eventflow models ({}): max_connections is db.t3.micro's unless the parameter group sets it",
                dbr::INSTANCE_CLASS_NAMES.join(", ")
            ),
        ),
        None if cluster => b.note(
            from.0,
            from.1,
            "no DB instance names this cluster: max_connections is db.t3.micro's unless the parameter group sets it",
        ),
        None => {}
    }
    let group_key = if cluster {
        "DBClusterParameterGroupName"
    } else {
        "DBParameterGroupName"
    };
    if let Some(group) = p.get(group_key).map(text)
        && let Some(n) = max_connections(b, from, &group)
    {
        d.insert("max_connections".into(), Value::from(n));
    }
    b.add(&r.id, &r.aws_type, d);
}

/// The class of the first DB instance (in file order) whose `DBClusterIdentifier` names `cluster`.
fn member_class(b: &Build, cluster: &str) -> Option<String> {
    b.scope
        .resource_types
        .iter()
        .filter(|(_, t)| *t == "AWS::RDS::DBInstance")
        .filter_map(|(id, _)| b.props.get(id))
        .find(|p| p.get("DBClusterIdentifier").map(text).as_deref() == Some(cluster))
        .and_then(|p| string(p, "DBInstanceClass"))
}

/// `max_connections` of the parameter group the template defines as `group` (a number within AWS's range, not
/// a formula like `{DBInstanceClassMemory/9531392}`).
fn max_connections(b: &mut Build, from: (&str, &str), group: &str) -> Option<i64> {
    let parameters = object(b.props.get(group)?, "Parameters");
    let value = parameters.get("max_connections")?;
    match super::super::intrinsic::as_i64(value) {
        // 1–16,000: the scenario format's range (aws-limits-rds.md §1a).
        Some(n) if (1..=16_000).contains(&n) => Some(n),
        _ => {
            b.note(
                from.0,
                from.1,
                format!(
                    "max_connections {} of {group} is not a number from 1 to 16,000: the class's default is used",
                    text(value)
                ),
            );
            None
        }
    }
}

/// `AWS::RDS::DBProxy` → `db_proxy`; its target group adds the database and the pool settings.
pub fn proxy(b: &mut Build, r: &TemplateResource, p: &Props) {
    let family = string(p, "EngineFamily").unwrap_or_default();
    if !family.is_empty() && !matches!(family.as_str(), "POSTGRESQL" | "MYSQL") {
        b.note(
            &r.id,
            &r.aws_type,
            format!("engine family {family} is not simulated; left out"),
        );
        b.external.push(crate::import::External {
            id: r.id.clone(),
            aws_type: r.aws_type.clone(),
        });
        return;
    }
    b.add(&r.id, &r.aws_type, super::new_resource("db_proxy", None));
}

/// `AWS::RDS::DBProxyTargetGroup` → its proxy's `database` (the first instance or cluster it names) and pool
/// settings (`ConnectionPoolConfigurationInfo`).
pub fn proxy_target_group(b: &mut Build, r: &TemplateResource, p: &Props) {
    let from = (r.id.as_str(), r.aws_type.as_str());
    let proxy_name = p.get("DBProxyName").cloned().unwrap_or(Value::Null);
    let Some(proxy) = b.resolve(from, &proxy_name, &["db_proxy"], "proxy") else {
        return;
    };
    let targets: Vec<Value> = ["DBInstanceIdentifiers", "DBClusterIdentifiers"]
        .iter()
        .filter_map(|k| p.get(*k).and_then(Value::as_array))
        .flatten()
        .cloned()
        .collect();
    let mut keys = Map::new();
    if targets.len() > 1 {
        b.note(
            from.0,
            from.1,
            "targets more than one database; eventflow's proxy pools the first",
        );
    }
    if let Some(target) = targets.first()
        && let Some(db) = resolve_database(b, from, target)
    {
        keys.insert("database".into(), Value::from(db));
    }
    let pool = object(p, "ConnectionPoolConfigurationInfo");
    for (key, out) in [
        ("MaxConnectionsPercent", "max_connections_percent"),
        ("MaxIdleConnectionsPercent", "max_idle_connections_percent"),
        ("ConnectionBorrowTimeout", "borrow_timeout_s"),
    ] {
        if let Some(n) = int(&pool, key) {
            keys.insert(out.into(), Value::from(n));
        }
    }
    b.pending.push(Pending {
        from_id: r.id.clone(),
        from_type: r.aws_type.clone(),
        target: proxy,
        slot: Slot::Keys(keys),
    });
}

/// A target of a proxy: a database, or an instance of a cluster (the cluster is the database).
fn resolve_database(b: &mut Build, from: (&str, &str), target: &Value) -> Option<String> {
    let name = text(target);
    let member_of = b
        .props
        .get(&name)
        .filter(|_| {
            b.scope.resource_types.get(&name).map(String::as_str) == Some("AWS::RDS::DBInstance")
        })
        .and_then(|p| p.get("DBClusterIdentifier"))
        .map(text);
    let named = member_of.map(Value::from).unwrap_or_else(|| target.clone());
    b.resolve(from, &named, &["database"], "database")
}
