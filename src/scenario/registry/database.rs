//! `database` — Amazon RDS / Aurora database (relational), run as an embedded in-memory SQLite database.

use super::{Key, Kind, TrafficInput, TypeDesc, key};
use crate::scenario::model::{Dist, ResourceType as T};

pub const DESC: TypeDesc = TypeDesc {
    rtype: T::Database,
    name: "database",
    label: "RDS database",
    id_base: "Database",
    keys: &[
        ENGINE,
        INSTANCE_CLASS,
        MAX_CONNECTIONS,
        CONNECT_MS,
        QUERY_MS,
        SCHEMA,
    ],
    derived_edges: &[],
    traffic: TrafficInput::Refused(
        "a database is reached through function code (rds::query), not by traffic",
    ),
    drawn_as_edge: false,
};

/// The engines: PostgreSQL and MySQL (aws-limits-rds.md §1a: each has its own max_connections formula and §1c its
/// own refusal text).
pub(crate) const ENGINES: &[&str] = &["postgres", "mysql"];
pub(crate) const ENGINE: Key = key(
    "engine",
    Kind::Enum {
        choices: ENGINES,
        default: Some("postgres"),
    },
    "\"postgres\" or \"mysql\": the default max_connections and the error texts clients see",
);
/// Instance classes with their default `max_connections` per engine (PostgreSQL, MySQL): the "typical" column of
/// aws-limits-rds.md §1b (field-measured values below the nominal formula `DBInstanceClassMemory/9531392` for
/// PostgreSQL and `/12582880` for MySQL, RDS-LIM and AUR-PG). t3.small PG takes the lower measured 181 ([R] PR
/// #1657); r6g.large PG 1,700 is [I] from a measured 1,660 on 15.25 GiB.
pub(crate) const INSTANCE_CLASSES: &[(&str, u32, u32)] = &[
    ("db.t3.micro", 87, 66),
    ("db.t3.small", 181, 150),
    ("db.t4g.medium", 405, 312),
    ("db.r6g.large", 1_700, 1_300),
];
pub(crate) const INSTANCE_CLASS_NAMES: &[&str] = &[
    "db.t3.micro",
    "db.t3.small",
    "db.t4g.medium",
    "db.r6g.large",
];
pub(crate) const INSTANCE_CLASS: Key = key(
    "instance_class",
    Kind::Enum {
        choices: INSTANCE_CLASS_NAMES,
        default: Some("db.t3.micro"),
    },
    "sets the default max_connections (db.t3.micro: 87 PostgreSQL / 66 MySQL)",
);
// 1–16,000: Aurora MySQL's maximum settable value (aws-limits-rds.md §1a, AUR-MY), the spec's range.
pub(crate) const MAX_CONNECTIONS: Key = key(
    "max_connections",
    Kind::Int {
        min: 1,
        max: 16_000,
        default: None,
    },
    "override of the class's default; opening one more fails with the engine's error",
);
// The simulator's connection model (spec default; aws-limits-rds.md §1d: 10–30 ms in-region, [R]).
pub(crate) const CONNECT_MS: Key = key(
    "connect_ms",
    Kind::Dist {
        default: Some(&Dist::LogNormal {
            p50: 15.0,
            p99: 40.0,
        }),
    },
    "opening a connection (TCP + TLS + authentication)",
);
// The simulator's statement-time model (spec default), not an AWS figure.
pub(crate) const QUERY_MS: Key = key(
    "query_ms",
    Kind::Dist {
        default: Some(&Dist::LogNormal {
            p50: 2.0,
            p99: 20.0,
        }),
    },
    "time of one statement on the server",
);
pub(crate) const SCHEMA: Key = key(
    "schema",
    Kind::Text,
    "SQL run once before t = 0 (tables, seed rows), in SQLite's dialect",
);

/// The default `max_connections` of a class for an engine (`postgres` = true).
pub(crate) fn default_max_connections(instance_class: &str, postgres: bool) -> u32 {
    INSTANCE_CLASSES
        .iter()
        .find(|(name, _, _)| *name == instance_class)
        .map_or(
            INSTANCE_CLASSES[0].1,
            |(_, pg, my)| if postgres { *pg } else { *my },
        )
}

/// Why `sql` cannot run in a deterministic simulation, if it cannot: it would read the wall clock (`'now'`,
/// `CURRENT_TIMESTAMP`, `CURRENT_DATE`, `CURRENT_TIME`) or a random source (`random()`, `randomblob()`). A
/// handler passes `now()` or `rand()` as a parameter instead.
pub fn nondeterministic_sql(sql: &str) -> Option<&'static str> {
    let upper = sql.to_ascii_uppercase();
    let clock = [
        "'NOW'",
        "\"NOW\"",
        "CURRENT_TIMESTAMP",
        "CURRENT_DATE",
        "CURRENT_TIME",
    ];
    if clock.iter().any(|w| upper.contains(w)) {
        return Some(
            "SQL that reads the wall clock ('now', CURRENT_TIMESTAMP, …) would make runs differ: pass now() from the handler as a parameter",
        );
    }
    if upper.contains("RANDOM(") || upper.contains("RANDOMBLOB(") {
        return Some(
            "random() and randomblob() would make runs differ: pass rand() from the handler as a parameter",
        );
    }
    None
}

/// Opens an in-memory SQLite database and runs `schema` on it: what the loader checks and the engine runs
/// before t = 0.
pub fn open_sql_database(schema: Option<&str>) -> Result<rusqlite::Connection, String> {
    let conn = rusqlite::Connection::open_in_memory().map_err(|e| e.to_string())?;
    if let Some(schema) = schema {
        if let Some(why) = nondeterministic_sql(schema) {
            return Err(why.to_string());
        }
        conn.execute_batch(schema).map_err(|e| e.to_string())?;
    }
    Ok(conn)
}
