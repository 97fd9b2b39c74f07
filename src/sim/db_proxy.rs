//! Amazon RDS Proxy: a pool of database connections lent to clients one transaction at a time.
//!
//! Rules (sources in `shared/reference/aws-limits-rds.md` §2):
//! - The pool opens database connections lazily, "as the workload needs them", up to `max_connections_percent`
//!   of the database's `max_connections` (PRX-API, PRX-CONN); each is a real connection of the database and
//!   counts toward its limit (a direct client can make the proxy's open fail like any other).
//! - A client (an execution environment) connects to the proxy cheaply and keeps that client connection while it
//!   stays warm. The proxy lends a database connection per transaction (multiplexing, PRX-PIN): for one
//!   autocommit statement, or from `BEGIN` to `COMMIT`/`ROLLBACK`.
//! - When every connection is lent and the pool is full, the client waits; after `borrow_timeout_s` it gets the
//!   documented error (PRX-TS): PostgreSQL `Timed-out waiting to acquire database connection.`, MySQL
//!   `ERROR 9501 (HY000): Timed-out waiting to acquire database connection`.
//! - Pinning (PRX-PIN): `SET`, creating a temporary table, `LOCK TABLE(S)`, `LISTEN`, `DISCARD`, `PREPARE`,
//!   `DECLARE` (a cursor), advisory locks (`GET_LOCK(`, `pg_advisory_lock(`) and any statement over 16 KB pin the
//!   session: the client keeps its database connection until it disconnects (its environment is reclaimed).
//!   MySQL's tracked-variable exceptions and `SessionPinningFilters` are not modelled.
//! - Idle connections: one unused for 5 minutes is idle (PRX-CONN); the proxy keeps at most
//!   `max_idle_connections_percent` of `max_connections` idle and closes the rest.
//! - Each statement through the proxy takes `added_latency_ms` on top of the database's `query_ms` (no AWS figure;
//!   §2 "Added latency per query").
//! - A handler runs to completion when its invocation starts (see `host`), so what a connection is lent for is
//!   known as intervals of virtual time; a borrow looks for a connection free over the whole interval it needs.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::database::{DbAnswer, DbCall, DbError, Holder, StatementKind, statement_kind};
use super::engine::Sim;
use super::ids::TraceId;
use super::trace::{Ms, TraceRecord};
use crate::scenario::{DbEngine, DbProxy, ResId, ResourceType};

/// A pooled connection unused this long is idle (aws-limits-rds.md §2, PRX-CONN: "no activity for 5 minutes").
const IDLE_AFTER_US: u64 = 300_000_000;
/// A statement longer than this pins the session (aws-limits-rds.md §2, PRX-PIN: "over 16 KB of text").
const PIN_STATEMENT_BYTES: usize = 16 * 1024;
/// The end of an interval that has none yet (an open transaction, a pinned session).
const OPEN_END: u64 = u64::MAX;

/// One database connection of the pool.
#[derive(Debug, Clone)]
struct PoolConn {
    slot: u32,
    /// The database's number of this connection.
    connection: u64,
    /// When it is lent: `[from, to)` intervals of virtual time, `to` = [`OPEN_END`] while still lent.
    lent: Vec<(u64, u64)>,
    /// The client session it is pinned to.
    pinned_to: Option<(ResId, u32)>,
}

impl PoolConn {
    /// Whether the connection is free over `[t, t + d)`.
    fn free(&self, t: u64, d: u64) -> bool {
        self.pinned_to.is_none()
            && !self
                .lent
                .iter()
                .any(|(a, b)| *a < t.saturating_add(d.max(1)) && t < *b)
    }

    /// The earliest moment at or after `t` from which it is free for `d`.
    fn earliest_free(&self, t: u64, d: u64) -> Option<u64> {
        if self.pinned_to.is_some() {
            return None;
        }
        std::iter::once(t)
            .chain(
                self.lent
                    .iter()
                    .map(|(_, b)| *b)
                    .filter(|b| *b >= t && *b != OPEN_END),
            )
            .filter(|c| self.free(*c, d))
            .min()
    }

    /// The end of its last loan (0 when never lent).
    fn last_end(&self) -> u64 {
        self.lent.iter().map(|(_, b)| *b).max().unwrap_or(0)
    }
}

/// A client connection to the proxy (an execution environment).
#[derive(Debug, Clone, Copy, Default)]
struct ClientSession {
    /// The pool slot lent for an open transaction.
    transaction: Option<u32>,
    /// The pool slot it is pinned to.
    pinned: Option<u32>,
}

/// One proxy's pool and clients.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProxyState {
    pool: Vec<PoolConn>,
    clients: BTreeMap<(ResId, u32), ClientSession>,
    next_slot: u32,
}

impl ProxyState {
    pub(crate) fn has_client(&self, func: ResId, env: u32) -> bool {
        self.clients.contains_key(&(func, env))
    }

    /// Database connections in the pool.
    pub(crate) fn pooled(&self) -> u32 {
        u32::try_from(self.pool.len()).unwrap_or(u32::MAX)
    }

    /// Pool connections lent at `t`.
    pub(crate) fn borrowed_at(&self, t: u64) -> u32 {
        let n = self
            .pool
            .iter()
            .filter(|c| c.pinned_to.is_some() || c.lent.iter().any(|(a, b)| *a <= t && t < *b))
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn conn_mut(&mut self, slot: u32) -> Option<&mut PoolConn> {
        self.pool.iter_mut().find(|c| c.slot == slot)
    }

    /// Ends the open loan of `slot` at `t`.
    fn close_loan(&mut self, slot: u32, t: u64) {
        if let Some(c) = self.conn_mut(slot) {
            for loan in c.lent.iter_mut().filter(|(_, b)| *b == OPEN_END) {
                loan.1 = t.max(loan.0);
            }
        }
    }
}

/// Why a statement pins its session, if it does (aws-limits-rds.md §2, PRX-PIN).
pub(crate) fn pin_reason(sql: &str) -> Option<&'static str> {
    if sql.len() > PIN_STATEMENT_BYTES {
        return Some("statement over 16 KB");
    }
    let upper = sql.trim_start().to_ascii_uppercase();
    let words: Vec<&str> = upper.split_whitespace().take(3).collect();
    match words.as_slice() {
        ["SET", ..] => Some("SET"),
        ["LOCK", ..] => Some("LOCK TABLE"),
        ["LISTEN", ..] => Some("LISTEN"),
        ["DISCARD", ..] => Some("DISCARD"),
        ["PREPARE", ..] => Some("prepared statement"),
        ["DECLARE", ..] => Some("DECLARE cursor"),
        ["CREATE", "TEMP" | "TEMPORARY", ..] => Some("temporary table"),
        _ if upper.contains("GET_LOCK(") || upper.contains("PG_ADVISORY_LOCK(") => {
            Some("advisory lock")
        }
        _ => None,
    }
}

/// The proxy's borrow time-out error (aws-limits-rds.md §2, PRX-TS).
fn borrow_timeout_error(engine: DbEngine) -> DbError {
    match engine {
        DbEngine::Postgres => DbError {
            code: "BorrowTimeout".to_string(),
            message: "Timed-out waiting to acquire database connection.".to_string(),
        },
        DbEngine::Mysql => DbError {
            code: "9501".to_string(),
            message: "ERROR 9501 (HY000): Timed-out waiting to acquire database connection"
                .to_string(),
        },
    }
}

/// A borrowed pool connection: its slot, the database's connection number, and the time spent getting it.
struct Borrowed {
    slot: u32,
    connection: u64,
    wait_us: u64,
}

impl Sim {
    fn proxy_cfg(&self, proxy: ResId) -> Option<&DbProxy> {
        let cfg = self.sc.resource(proxy).kind.as_db_proxy();
        if cfg.is_none() {
            self.wrong_kind(proxy, ResourceType::DbProxy);
        }
        cfg
    }

    /// The most database connections the proxy may open: `max_connections_percent` of the database's limit.
    pub(crate) fn proxy_max_connections(&self, proxy: ResId) -> u32 {
        let Some(cfg) = self.proxy_cfg(proxy) else {
            return 0;
        };
        let max = u64::from(self.db_max_connections(cfg.database));
        let n = max * u64::from(cfg.max_connections_percent) / 100;
        u32::try_from(n.max(1)).unwrap_or(u32::MAX)
    }

    fn proxy_max_idle(&self, proxy: ResId) -> usize {
        let Some(cfg) = self.proxy_cfg(proxy) else {
            return 0;
        };
        let max = u64::from(self.db_max_connections(cfg.database));
        (max * u64::from(cfg.max_idle_connections_percent) / 100) as usize
    }

    /// A handler's `rds::query` through a proxy.
    pub(crate) fn proxy_query(&mut self, proxy: ResId, call: DbCall<'_>) -> DbAnswer {
        let Some(cfg) = self.proxy_cfg(proxy) else {
            let error = DbError {
                code: "ResourceNotFoundException".to_string(),
                message: "not a proxy".to_string(),
            };
            return DbAnswer {
                result: Err(error),
                latency_us: 0,
                detail: Value::Null,
            };
        };
        let (db, added, borrow_timeout_s) = (
            cfg.database,
            cfg.added_latency_ms.clone(),
            cfg.borrow_timeout_s,
        );
        let t = self.now();
        let key = (call.func, call.env);
        let client = self.name(call.func);
        if !self.databases.proxies[proxy.index()]
            .clients
            .contains_key(&key)
        {
            self.databases.proxies[proxy.index()]
                .clients
                .insert(key, ClientSession::default());
        }
        let added_us = self.rng.sample_us(&added);
        let kind = statement_kind(call.sql);
        let session = self.databases.proxies[proxy.index()]
            .clients
            .get(&key)
            .copied()
            .unwrap_or_default();
        // Its own connection (pinned, or lent for its open transaction), else one borrowed for this statement (or,
        // for BEGIN, until the transaction ends).
        let held = session.pinned.or(session.transaction);
        let query_us = self.db_sample_query_us(db);
        let borrowed = match held {
            Some(slot) => {
                let connection = self.databases.proxies[proxy.index()]
                    .pool
                    .iter()
                    .find(|c| c.slot == slot)
                    .map_or(0, |c| c.connection);
                Ok(Borrowed {
                    slot,
                    connection,
                    wait_us: 0,
                })
            }
            None => {
                let hold_open = kind == StatementKind::Begin;
                let need_us = if hold_open {
                    OPEN_END - t
                } else {
                    added_us.saturating_add(query_us)
                };
                self.proxy_borrow(proxy, db, t, need_us, &client, call, borrow_timeout_s)
            }
        };
        let borrowed = match borrowed {
            Ok(b) => b,
            Err((error, waited_us)) => {
                return DbAnswer {
                    result: Err(error),
                    latency_us: waited_us.saturating_add(added_us),
                    detail: json!({ "statement": call.sql }),
                };
            }
        };
        let start = t.saturating_add(borrowed.wait_us).saturating_add(added_us);
        let (result, rows) = self.at_moment(start, |sim| {
            sim.db_execute(db, call.sql, call.params, query_us)
        });
        let end = start.saturating_add(query_us);
        self.stats[proxy.index()].count += 1;
        self.stats[proxy.index()].record_duration(end.saturating_sub(t));
        let state = &mut self.databases.proxies[proxy.index()];
        let mut session = state.clients.get(&key).copied().unwrap_or_default();
        match (held, kind) {
            // A loan for one statement: lent over [start of the borrow, end of the statement).
            (None, StatementKind::Plain | StatementKind::SessionOnly | StatementKind::End) => {
                if let Some(c) = state.conn_mut(borrowed.slot) {
                    c.lent.push((t.saturating_add(borrowed.wait_us), end));
                }
            }
            (None, StatementKind::Begin) => {
                if result.is_ok() {
                    session.transaction = Some(borrowed.slot);
                } else {
                    state.close_loan(borrowed.slot, end);
                }
            }
            (Some(slot), StatementKind::End) if session.pinned.is_none() => {
                state.close_loan(slot, end);
                session.transaction = None;
            }
            (Some(_), _) => {}
        }
        if session.pinned.is_none()
            && let Some(reason) = pin_reason(call.sql)
        {
            let slot = borrowed.slot;
            if let Some(c) = state.conn_mut(slot) {
                // Lent from now until the client disconnects.
                c.pinned_to = Some(key);
                c.lent.push((t, OPEN_END));
            }
            session.pinned = Some(slot);
            session.transaction = None;
            self.stats[proxy.index()].pinned += 1;
            self.proxy_record(
                proxy,
                "pinned",
                &client,
                Some(call.env),
                Some(call.trace),
                Some(borrowed.connection),
                None,
                Some(reason.to_string()),
            );
        }
        if let Some(s) = self.databases.proxies[proxy.index()].clients.get_mut(&key) {
            *s = session;
        }
        DbAnswer {
            result,
            latency_us: end.saturating_sub(t),
            detail: super::database::statement_detail(
                call.sql,
                rows,
                query_us,
                borrowed.connection,
            ),
        }
    }

    /// Borrows a pool connection at `t` for `need_us` (one statement), or until the transaction ends (`need_us` reaching
    /// [`OPEN_END`]): a free
    /// one, else a new one while the pool may grow, else the first to come free within the borrow time-out.
    #[allow(clippy::too_many_arguments)]
    fn proxy_borrow(
        &mut self,
        proxy: ResId,
        db: ResId,
        t: u64,
        need_us: u64,
        client: &str,
        call: DbCall<'_>,
        borrow_timeout_s: u32,
    ) -> Result<Borrowed, (DbError, u64)> {
        let hold_open = need_us == OPEN_END - t;
        self.proxy_close_idle(proxy, t);
        let state = &self.databases.proxies[proxy.index()];
        if let Some(c) = state.pool.iter().find(|c| c.free(t, need_us)) {
            let (slot, connection) = (c.slot, c.connection);
            if hold_open && let Some(c) = self.databases.proxies[proxy.index()].conn_mut(slot) {
                c.lent.push((t, OPEN_END));
            }
            return Ok(Borrowed {
                slot,
                connection,
                wait_us: 0,
            });
        }
        let max = self.proxy_max_connections(proxy);
        if self.databases.proxies[proxy.index()].pooled() < max {
            let state = &mut self.databases.proxies[proxy.index()];
            state.next_slot += 1;
            let slot = state.next_slot;
            let holder = Holder::Proxy { proxy, slot };
            let name = self.name(proxy);
            if let Ok((connection, connect_us)) =
                self.db_connect(db, holder, name, None, Some(call.trace))
            {
                let lent = if hold_open {
                    vec![(t, OPEN_END)]
                } else {
                    Vec::new()
                };
                self.databases.proxies[proxy.index()].pool.push(PoolConn {
                    slot,
                    connection,
                    lent,
                    pinned_to: None,
                });
                let pooled = u64::from(self.databases.proxies[proxy.index()].pooled());
                let stats = &mut self.stats[proxy.index()];
                stats.peak_connections = stats.peak_connections.max(pooled);
                return Ok(Borrowed {
                    slot,
                    connection,
                    wait_us: connect_us,
                });
            }
        }
        let engine = self
            .sc
            .resource(db)
            .kind
            .as_database()
            .map_or(DbEngine::Postgres, |d| d.engine);
        let timeout_us = u64::from(borrow_timeout_s) * 1_000_000;
        let state = &self.databases.proxies[proxy.index()];
        let earliest = state
            .pool
            .iter()
            .filter_map(|c| {
                c.earliest_free(t, need_us)
                    .map(|w| (w, c.slot, c.connection))
            })
            .min();
        match earliest {
            Some((w, slot, connection)) if w.saturating_sub(t) <= timeout_us => {
                let wait_us = w.saturating_sub(t);
                if hold_open && let Some(c) = self.databases.proxies[proxy.index()].conn_mut(slot) {
                    c.lent.push((w, OPEN_END));
                }
                self.stats[proxy.index()].borrow_waits += 1;
                self.proxy_record(
                    proxy,
                    "borrow_wait",
                    client,
                    Some(call.env),
                    Some(call.trace),
                    Some(connection),
                    Some(wait_us),
                    None,
                );
                Ok(Borrowed {
                    slot,
                    connection,
                    wait_us,
                })
            }
            Some(_) | None => {
                let error = borrow_timeout_error(engine);
                self.stats[proxy.index()].borrow_timeouts += 1;
                self.proxy_record(
                    proxy,
                    "borrow_timeout",
                    client,
                    Some(call.env),
                    Some(call.trace),
                    None,
                    Some(timeout_us),
                    Some(error.message.clone()),
                );
                Err((error, timeout_us))
            }
        }
    }

    /// Closes pool connections idle for 5 minutes beyond the `max_idle_connections_percent` the proxy keeps.
    fn proxy_close_idle(&mut self, proxy: ResId, t: u64) {
        let keep = self.proxy_max_idle(proxy);
        let Some(db) = self.proxy_cfg(proxy).map(|c| c.database) else {
            return;
        };
        loop {
            let state = &self.databases.proxies[proxy.index()];
            let idle: Vec<(u64, u32)> = state
                .pool
                .iter()
                .filter(|c| c.pinned_to.is_none() && c.last_end() != OPEN_END && c.last_end() <= t)
                .map(|c| (c.last_end(), c.slot))
                .collect();
            if idle.len() <= keep {
                return;
            }
            let Some((last_end, slot)) = idle.into_iter().min() else {
                return;
            };
            if t.saturating_sub(last_end) < IDLE_AFTER_US {
                return;
            }
            self.databases.proxies[proxy.index()]
                .pool
                .retain(|c| c.slot != slot);
            let name = self.name(proxy);
            self.db_disconnect(db, Holder::Proxy { proxy, slot }, name, None);
        }
    }

    /// A handler ended at `end_us` with a transaction open through the proxy: its loan ends (the database side
    /// was rolled back).
    pub(crate) fn proxy_transaction_end(
        &mut self,
        proxy: ResId,
        func: ResId,
        env: u32,
        end_us: u64,
    ) {
        let state = &mut self.databases.proxies[proxy.index()];
        let Some(session) = state.clients.get_mut(&(func, env)) else {
            return;
        };
        if let Some(slot) = session.transaction.take() {
            state.close_loan(slot, end_us);
        }
    }

    /// A client disconnected (its environment was reclaimed): a pinned connection goes back to the pool.
    pub(crate) fn proxy_client_gone(&mut self, proxy: ResId, func: ResId, env: u32) {
        let now = self.now();
        let state = &mut self.databases.proxies[proxy.index()];
        let Some(session) = state.clients.remove(&(func, env)) else {
            return;
        };
        for slot in [session.pinned, session.transaction].into_iter().flatten() {
            state.close_loan(slot, now);
            if let Some(c) = state.conn_mut(slot) {
                c.pinned_to = None;
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn proxy_record(
        &mut self,
        proxy: ResId,
        event: &'static str,
        client: &str,
        env: Option<u32>,
        trace: Option<TraceId>,
        connection: Option<u64>,
        wait_us: Option<u64>,
        error: Option<String>,
    ) {
        let now = self.now();
        let open = self.databases.proxies[proxy.index()].pooled();
        let max = self.proxy_max_connections(proxy);
        let resource = self.name(proxy);
        let client = client.to_string();
        self.emit(|| TraceRecord::Connection {
            t_ms: Ms(now),
            resource: resource.into(),
            event,
            client: client.into(),
            environment: env,
            trace_id: trace.map(|t| t.record_id()),
            parent_span_id: trace.and_then(|t| t.cause()),
            connection,
            open,
            max_connections: max,
            wait_ms: wait_us.map(Ms),
            error,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinning_statements() {
        assert_eq!(pin_reason("SET search_path = app"), Some("SET"));
        assert_eq!(
            pin_reason("create temp table x (a)"),
            Some("temporary table")
        );
        assert_eq!(pin_reason("LOCK TABLE orders"), Some("LOCK TABLE"));
        assert_eq!(
            pin_reason("SELECT pg_advisory_lock(1)"),
            Some("advisory lock")
        );
        assert_eq!(pin_reason("SELECT * FROM orders"), None);
        assert_eq!(
            pin_reason(&"x".repeat(16 * 1024 + 1)),
            Some("statement over 16 KB")
        );
    }

    #[test]
    fn a_connection_is_free_only_outside_its_loans() {
        let c = PoolConn {
            slot: 1,
            connection: 1,
            lent: vec![(10, 20)],
            pinned_to: None,
        };
        assert!(c.free(0, 10));
        assert!(!c.free(5, 10));
        assert!(!c.free(15, 1));
        assert!(c.free(20, 5));
        assert_eq!(c.earliest_free(12, 1), Some(20));
    }
}
