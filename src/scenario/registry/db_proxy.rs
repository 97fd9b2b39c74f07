//! `db_proxy` — Amazon RDS Proxy: a pool of database connections shared by many clients.

use super::{Key, Kind, Ref, TrafficInput, TypeDesc, key, required};
use crate::scenario::graph::EdgeRole;
use crate::scenario::model::{Dist, ResourceType as T};

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::DbProxy,
    name: "db_proxy",
    label: "RDS Proxy",
    id_base: "Proxy",
    keys: &[
        DATABASE,
        MAX_CONNECTIONS_PERCENT,
        MAX_IDLE_CONNECTIONS_PERCENT,
        BORROW_TIMEOUT_S,
        ADDED_LATENCY_MS,
    ],
    derived_edges: &[],
    traffic: TrafficInput::Refused(
        "a proxy is reached through function code (rds::query), not by traffic",
    ),
    drawn_as_edge: false,
};

pub(crate) const DATABASE: Key = required(
    "database",
    Kind::Ref(Ref {
        types: &[T::Database],
        role: "a proxy's database",
        edge: EdgeRole::ProxyTarget,
    }),
    "the database it pools (one target per proxy)",
);
// 1–100, default 100 (RDS for SQL Server: 10, not modelled): aws-limits-rds.md §2, PRX-API MaxConnectionsPercent.
pub(crate) const MAX_CONNECTIONS_PERCENT: Key = key(
    "max_connections_percent",
    Kind::Int {
        min: 1,
        max: 100,
        default: Some(100),
    },
    "share of the database's max_connections the proxy may open",
);
// 0..MaxConnectionsPercent, default half of it (50 when MaxConnectionsPercent is unset): aws-limits-rds.md §2,
// PRX-API MaxIdleConnectionsPercent. The upper bound is a cross-field rule of the loader.
pub(crate) const MAX_IDLE_CONNECTIONS_PERCENT: Key = key(
    "max_idle_connections_percent",
    Kind::Int {
        min: 0,
        max: 100,
        default: Some(50),
    },
    "idle connections it keeps, as a share of max_connections (at most max_connections_percent)",
);
// Default 120 s; the API reference gives 0–3600 in one version and 0–300 in another (aws-limits-rds.md §2,
// PRX-API ConnectionBorrowTimeout): the wider range is accepted.
pub(crate) const BORROW_TIMEOUT_S: Key = key(
    "borrow_timeout_s",
    Kind::Int {
        min: 0,
        max: 3_600,
        default: Some(120),
    },
    "a client waits this long for a pooled connection, then gets `Timed-out waiting to acquire database connection`",
);
// No AWS figure exists (aws-limits-rds.md §2 "Added latency per query", [I] 1–5 ms): the spec's default.
pub(crate) const ADDED_LATENCY_MS: Key = key(
    "added_latency_ms",
    Kind::Dist {
        default: Some(&Dist::Uniform { min: 1.0, max: 3.0 }),
    },
    "latency the proxy adds to each statement",
);
