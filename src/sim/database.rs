//! Amazon RDS / Aurora: an embedded in-memory SQLite database per `database` resource, and the connections
//! clients hold on it.
//!
//! Rules (sources in `shared/reference/aws-limits-rds.md`):
//! - `max_connections` comes from the engine and instance class (§1b "typical" column) unless the scenario sets
//!   it; opening one more connection fails with the engine's own error (§1c): MySQL `ERROR 1040 (08004): Too
//!   many connections`, PostgreSQL `sorry, too many clients already` (SQLSTATE 53300), written as the format's
//!   contract gives it: `FATAL: sorry, too many clients already`. MySQL's one extra slot for administrators and
//!   PostgreSQL's `superuser_reserved_connections` are not modelled: application users get `max_connections`.
//! - A Lambda execution environment opens its connection at its first `rds::query` and keeps it while it stays
//!   warm; the connection closes when the environment is reclaimed (`function` schedules the reclaim of an
//!   environment that holds one). Opening takes `connect_ms` (TCP + TLS + authentication, §1d), each statement
//!   `query_ms`: never wall time.
//! - Statements are real SQL in SQLite's dialect, against one database shared by every client. Session-level
//!   statements SQLite lacks (`SET`, `LOCK TABLE(S)`, `LISTEN`, `DISCARD`, `START TRANSACTION` as `BEGIN`) are
//!   accepted as what they are on PostgreSQL and MySQL: they change only the session (and pin it behind a proxy,
//!   see `db_proxy`). SQL that would read the wall clock or a random source (`'now'`, `CURRENT_TIMESTAMP`,
//!   `random()`) is refused so that runs stay deterministic.
//! - Approximation: a handler runs to completion when its invocation starts (see `host`), so its statements are
//!   applied then, in the order handlers start; a transaction left open when the handler ends is rolled back.

use std::collections::BTreeMap;

use rusqlite::types::{Value as SqlValue, ValueRef};
use serde_json::{Map, Value, json};

use super::engine::Sim;
use super::ids::TraceId;
use super::trace::{Ms, TraceRecord};
use crate::scenario::{Database, DbEngine, ResId, ResourceType, Scenario};

/// The most rows one statement may return to a handler (a guard against a runaway `SELECT`; not an AWS limit).
const MAX_ROWS: usize = 10_000;

/// Who holds a connection to a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Holder {
    /// A Lambda execution environment connected directly: (function, environment number).
    Env { func: ResId, env: u32 },
    /// A pooled connection of an RDS Proxy: (proxy, pool slot).
    Proxy { proxy: ResId, slot: u32 },
}

/// One database: its SQL engine and the connections open on it.
#[derive(Default)]
pub(crate) struct DbState {
    /// The embedded database; `None` for resources that are not databases (or, defensively, when the schema the
    /// loader accepted fails here).
    sql: Option<rusqlite::Connection>,
    /// Open connections by holder, with their connection number (1, 2, … per database).
    open: BTreeMap<Holder, u64>,
    next_conn: u64,
}

impl std::fmt::Debug for DbState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbState")
            .field("open", &self.open)
            .field("next_conn", &self.next_conn)
            .finish_non_exhaustive()
    }
}

impl DbState {
    /// Open connections.
    pub(crate) fn open_count(&self) -> u32 {
        u32::try_from(self.open.len()).unwrap_or(u32::MAX)
    }
}

/// Every database and proxy of a run, indexed by resource.
#[derive(Debug, Default)]
pub(crate) struct Databases {
    pub(crate) dbs: Vec<DbState>,
    pub(crate) proxies: Vec<super::db_proxy::ProxyState>,
    /// The databases and proxies, in file order (empty in most scenarios: then nothing here costs anything).
    pub(crate) db_ids: Vec<ResId>,
    pub(crate) proxy_ids: Vec<ResId>,
}

impl Databases {
    /// Opens every database of the scenario and runs its `schema` (before t = 0).
    pub(crate) fn for_scenario(sc: &Scenario) -> Databases {
        let n = sc.resources.len();
        let mut out = Databases {
            dbs: (0..n).map(|_| DbState::default()).collect(),
            proxies: (0..n)
                .map(|_| super::db_proxy::ProxyState::default())
                .collect(),
            db_ids: Vec::new(),
            proxy_ids: Vec::new(),
        };
        for id in sc.ids() {
            let kind = &sc.resource(id).kind;
            if let Some(db) = kind.as_database() {
                out.dbs[id.index()].sql =
                    crate::scenario::open_sql_database(db.schema.as_deref()).ok();
                out.db_ids.push(id);
            }
            if kind.as_db_proxy().is_some() {
                out.proxy_ids.push(id);
            }
        }
        out
    }
}

/// An error a client sees: the engine's code and message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DbError {
    pub code: String,
    pub message: String,
}

/// One `rds::query` as the handler made it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DbCall<'a> {
    pub func: ResId,
    pub env: u32,
    pub trace: TraceId,
    pub sql: &'a str,
    pub params: &'a [Value],
}

/// What an `rds::query` answers: rows or a write's counts, the time the handler waited, and what the `call`
/// trace record shows (`statement`, `rows`, `query_ms`, `connection`).
#[derive(Debug)]
pub(crate) struct DbAnswer {
    pub result: Result<Value, DbError>,
    pub latency_us: u64,
    pub detail: Value,
}

/// What a statement is for a connection's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatementKind {
    /// `BEGIN` / `START TRANSACTION`.
    Begin,
    /// `COMMIT`, `END` or `ROLLBACK`.
    End,
    /// Only the session changes (`SET`, `LOCK`, `LISTEN`, `DISCARD`): not run by SQLite.
    SessionOnly,
    /// Anything else: run by SQLite.
    Plain,
}

/// The first keyword of a statement, upper-cased (comments and whitespace skipped).
fn first_words(sql: &str, n: usize) -> Vec<String> {
    let mut rest = sql.trim_start();
    while let Some(after) = rest.strip_prefix("--") {
        rest = after.split_once('\n').map_or("", |(_, r)| r).trim_start();
    }
    rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect()
}

pub(crate) fn statement_kind(sql: &str) -> StatementKind {
    let words = first_words(sql, 2);
    match words.first().map(String::as_str) {
        Some("BEGIN") => StatementKind::Begin,
        Some("START") if words.get(1).is_some_and(|w| w == "TRANSACTION") => StatementKind::Begin,
        Some("COMMIT" | "END" | "ROLLBACK") => StatementKind::End,
        Some("SET" | "LOCK" | "LISTEN" | "UNLISTEN" | "DISCARD") => StatementKind::SessionOnly,
        _ => StatementKind::Plain,
    }
}

impl Sim {
    fn database_cfg(&self, db: ResId) -> Option<&Database> {
        let cfg = self.sc.resource(db).kind.as_database();
        if cfg.is_none() {
            self.wrong_kind(db, ResourceType::Database);
        }
        cfg
    }

    /// The effective `max_connections` of a database.
    pub(crate) fn db_max_connections(&self, db: ResId) -> u32 {
        self.database_cfg(db).map_or(0, |d| d.max_connections)
    }

    /// A handler's `rds::query` on a database or a proxy, at the call's virtual moment.
    pub(crate) fn rds_query(&mut self, target: ResId, call: DbCall<'_>) -> DbAnswer {
        if self.sc.resource(target).kind.as_db_proxy().is_some() {
            return self.proxy_query(target, call);
        }
        let mut latency_us = 0;
        let holder = Holder::Env {
            func: call.func,
            env: call.env,
        };
        let existing = self.databases.dbs[target.index()]
            .open
            .get(&holder)
            .copied();
        let connection = match existing {
            Some(n) => n,
            None => {
                let client = self.name(call.func);
                match self.db_connect(target, holder, client, Some(call.env), Some(call.trace)) {
                    Ok((n, us)) => {
                        latency_us += us;
                        n
                    }
                    Err((error, us)) => {
                        return DbAnswer {
                            result: Err(error),
                            latency_us: us,
                            detail: json!({ "statement": call.sql }),
                        };
                    }
                }
            }
        };
        let query_us = self.db_sample_query_us(target);
        let (result, rows) = self.db_execute(target, call.sql, call.params, query_us);
        latency_us += query_us;
        DbAnswer {
            result,
            latency_us,
            detail: statement_detail(call.sql, rows, query_us, connection),
        }
    }

    /// Opens a connection for `holder`: its number and the time it took, or the engine's refusal (and the time
    /// the refusal took).
    pub(crate) fn db_connect(
        &mut self,
        db: ResId,
        holder: Holder,
        client: String,
        env: Option<u32>,
        trace: Option<TraceId>,
    ) -> Result<(u64, u64), (DbError, u64)> {
        let Some(cfg) = self.database_cfg(db) else {
            let error = DbError {
                code: "ResourceNotFoundException".to_string(),
                message: "not a database".to_string(),
            };
            return Err((error, 0));
        };
        let (max, engine, connect_ms) = (cfg.max_connections, cfg.engine, cfg.connect_ms.clone());
        let connect_us = self.rng.sample_us(&connect_ms);
        let now = self.now();
        let state = &mut self.databases.dbs[db.index()];
        if state.open_count() >= max {
            let error = refusal(engine);
            self.stats[db.index()].refused += 1;
            let open = self.databases.dbs[db.index()].open_count();
            let resource = self.name(db);
            let message = error.message.clone();
            self.emit(|| TraceRecord::Connection {
                t_ms: Ms(now),
                resource: resource.into(),
                event: "refused",
                client: client.into(),
                environment: env,
                trace_id: trace.map(|t| t.record_id()),
                parent_span_id: trace.and_then(|t| t.cause()),
                connection: None,
                open,
                max_connections: max,
                wait_ms: None,
                error: Some(message),
            });
            return Err((error, connect_us));
        }
        state.next_conn += 1;
        let n = state.next_conn;
        state.open.insert(holder, n);
        let open = state.open_count();
        let stats = &mut self.stats[db.index()];
        stats.peak_connections = stats.peak_connections.max(u64::from(open));
        stats.connects += 1;
        let resource = self.name(db);
        self.emit(|| TraceRecord::Connection {
            t_ms: Ms(now),
            resource: resource.into(),
            event: "connect",
            client: client.into(),
            environment: env,
            trace_id: trace.map(|t| t.record_id()),
            parent_span_id: trace.and_then(|t| t.cause()),
            connection: Some(n),
            open,
            max_connections: max,
            wait_ms: None,
            error: None,
        });
        Ok((n, connect_us))
    }

    /// Closes `holder`'s connection to `db`, if it has one.
    pub(crate) fn db_disconnect(
        &mut self,
        db: ResId,
        holder: Holder,
        client: String,
        env: Option<u32>,
    ) {
        let Some(n) = self.databases.dbs[db.index()].open.remove(&holder) else {
            return;
        };
        let open = self.databases.dbs[db.index()].open_count();
        let max = self.db_max_connections(db);
        let now = self.now();
        let resource = self.name(db);
        self.emit(|| TraceRecord::Connection {
            t_ms: Ms(now),
            resource: resource.into(),
            event: "close",
            client: client.into(),
            environment: env,
            trace_id: None,
            parent_span_id: None,
            connection: Some(n),
            open,
            max_connections: max,
            wait_ms: None,
            error: None,
        });
    }

    /// Samples the server time of one statement (`query_ms`).
    pub(crate) fn db_sample_query_us(&mut self, db: ResId) -> u64 {
        match self.database_cfg(db).map(|d| d.query_ms.clone()) {
            Some(dist) => self.rng.sample_us(&dist),
            None => 0,
        }
    }

    /// Runs one statement that takes `query_us` on the server: its result and the rows it returned (or changed).
    pub(crate) fn db_execute(
        &mut self,
        db: ResId,
        sql: &str,
        params: &[Value],
        query_us: u64,
    ) -> (Result<Value, DbError>, Option<usize>) {
        let stats = &mut self.stats[db.index()];
        stats.count += 1;
        stats.record_duration(query_us);
        let result = match &self.databases.dbs[db.index()].sql {
            Some(conn) => run_statement(conn, sql, params),
            None => Err(DbError {
                code: "DatabaseUnavailable".to_string(),
                message: "the database could not be created".to_string(),
            }),
        };
        if result.is_err() {
            self.stats[db.index()].errors += 1;
        }
        let rows = result.as_ref().ok().map(|v| match v {
            Value::Array(rows) => rows.len(),
            other => other
                .get("rows_affected")
                .and_then(Value::as_u64)
                .map_or(0, |n| n as usize),
        });
        (result, rows)
    }

    /// A handler ended (at `end_us`): a transaction it left open is rolled back, and a proxy connection it
    /// borrowed for it goes back to the pool.
    pub(crate) fn db_handler_done(&mut self, func: ResId, env: u32, end_us: u64) {
        for i in 0..self.databases.db_ids.len() {
            let db = self.databases.db_ids[i];
            if let Some(conn) = &self.databases.dbs[db.index()].sql
                && !conn.is_autocommit()
            {
                // Rolling back an open transaction of a healthy connection cannot fail in a way a handler could
                // act on; the connection stays usable either way.
                let _ = conn.execute_batch("ROLLBACK");
            }
        }
        for i in 0..self.databases.proxy_ids.len() {
            let proxy = self.databases.proxy_ids[i];
            self.proxy_transaction_end(proxy, func, env, end_us);
        }
    }

    /// Whether an execution environment holds a connection (to a database or a proxy).
    pub(crate) fn env_holds_connections(&self, func: ResId, env: u32) -> bool {
        let holder = Holder::Env { func, env };
        self.databases
            .db_ids
            .iter()
            .any(|db| self.databases.dbs[db.index()].open.contains_key(&holder))
            || self
                .databases
                .proxy_ids
                .iter()
                .any(|p| self.databases.proxies[p.index()].has_client(func, env))
    }

    /// An execution environment was reclaimed: its connections close.
    pub(crate) fn db_env_reclaimed(&mut self, func: ResId, env: u32) {
        let holder = Holder::Env { func, env };
        for i in 0..self.databases.db_ids.len() {
            let db = self.databases.db_ids[i];
            let client = self.name(func);
            self.db_disconnect(db, holder, client, Some(env));
        }
        for i in 0..self.databases.proxy_ids.len() {
            let proxy = self.databases.proxy_ids[i];
            self.proxy_client_gone(proxy, func, env);
        }
    }
}

/// The engine's refusal of a connection over `max_connections` (aws-limits-rds.md §1c).
fn refusal(engine: DbEngine) -> DbError {
    match engine {
        DbEngine::Postgres => DbError {
            code: "53300".to_string(),
            message: "FATAL: sorry, too many clients already".to_string(),
        },
        DbEngine::Mysql => DbError {
            code: "1040".to_string(),
            message: "ERROR 1040 (08004): Too many connections".to_string(),
        },
    }
}

/// The `rds` part of a `call` trace record.
pub(crate) fn statement_detail(
    sql: &str,
    rows: Option<usize>,
    query_us: u64,
    connection: u64,
) -> Value {
    let mut m = Map::new();
    m.insert("statement".to_string(), Value::String(sql.to_string()));
    if let Some(rows) = rows {
        m.insert("rows".to_string(), json!(rows));
    }
    m.insert("query_ms".to_string(), json!(Ms(query_us)));
    m.insert("connection".to_string(), json!(connection));
    Value::Object(m)
}

/// Runs one statement on the embedded database.
fn run_statement(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
) -> Result<Value, DbError> {
    let sql_error = |e: rusqlite::Error| DbError {
        code: match &e {
            rusqlite::Error::SqliteFailure(f, _) => format!("{:?}", f.code),
            _ => "SqlError".to_string(),
        },
        message: e.to_string(),
    };
    if let Some(why) = crate::scenario::nondeterministic_sql(sql) {
        return Err(DbError {
            code: "NotSupported".to_string(),
            message: why.to_string(),
        });
    }
    let kind = statement_kind(sql);
    let to_run = match kind {
        StatementKind::SessionOnly => {
            return Ok(json!({ "rows_affected": 0, "last_insert_id": 0 }));
        }
        StatementKind::Begin => "BEGIN",
        StatementKind::End | StatementKind::Plain => sql,
    };
    let mut stmt = conn.prepare(to_run).map_err(sql_error)?;
    let bound: Vec<SqlValue> = params.iter().map(sql_value).collect();
    if stmt.column_count() == 0 {
        let changed = stmt
            .execute(rusqlite::params_from_iter(bound))
            .map_err(sql_error)?;
        if matches!(kind, StatementKind::Begin | StatementKind::End) {
            // SQLite reports the last write's counts after BEGIN/COMMIT; a driver reports none.
            return Ok(json!({ "rows_affected": 0, "last_insert_id": 0 }));
        }
        return Ok(json!({
            "rows_affected": changed,
            "last_insert_id": conn.last_insert_rowid(),
        }));
    }
    let names: Vec<String> = stmt.column_names().map(str::to_string).collect();
    let mut rows = stmt
        .query(rusqlite::params_from_iter(bound))
        .map_err(sql_error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sql_error)? {
        if out.len() == MAX_ROWS {
            return Err(DbError {
                code: "TooManyRows".to_string(),
                message: format!("the statement returned more than {MAX_ROWS} rows"),
            });
        }
        let mut m = Map::new();
        for (i, name) in names.iter().enumerate() {
            let v = row.get_ref(i).map_err(sql_error)?;
            m.insert(name.clone(), json_value(v));
        }
        out.push(Value::Object(m));
    }
    Ok(Value::Array(out))
}

/// A handler's parameter as an SQL value: numbers stay numbers, booleans become 1/0, arrays and maps their JSON.
fn sql_value(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Array(_) | Value::Object(_) => SqlValue::Text(v.to_string()),
    }
}

/// A column value as JSON (blobs as their text, lossily).
fn json_value(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => json!(i),
        ValueRef::Real(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            Value::String(String::from_utf8_lossy(t).into_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statement_kinds() {
        assert_eq!(statement_kind("begin"), StatementKind::Begin);
        assert_eq!(statement_kind("  START TRANSACTION"), StatementKind::Begin);
        assert_eq!(statement_kind("COMMIT"), StatementKind::End);
        assert_eq!(statement_kind("-- x\nrollback"), StatementKind::End);
        assert_eq!(
            statement_kind("SET search_path = x"),
            StatementKind::SessionOnly
        );
        assert_eq!(statement_kind("select 1"), StatementKind::Plain);
    }

    #[test]
    fn statements_return_rows_or_counts() {
        let conn = crate::scenario::open_sql_database(Some(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);",
        ))
        .expect("schema");
        let w =
            run_statement(&conn, "INSERT INTO t (name) VALUES (?)", &[json!("a")]).expect("insert");
        assert_eq!(w, json!({ "rows_affected": 1, "last_insert_id": 1 }));
        let r = run_statement(&conn, "SELECT id, name FROM t", &[]).expect("select");
        assert_eq!(r, json!([{ "id": 1, "name": "a" }]));
        let e = run_statement(&conn, "SELECT nope FROM t", &[]).expect_err("bad column");
        assert!(e.message.contains("no such column"), "{e:?}");
        let e = run_statement(&conn, "SELECT datetime('now')", &[]).expect_err("clock");
        assert_eq!(e.code, "NotSupported");
    }
}
