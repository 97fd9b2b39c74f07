//! The `--summary` table: one row per resource, then the estimated Lambda cost.

use std::fmt::Write;

use crate::scenario::ResourceType;
use crate::sim::Sim;
use crate::sim::stats::{PRICE_PER_GB_SECOND_USD, PRICE_PER_REQUEST_USD};

/// Renders the summary of a finished (or paused) run as plain text.
pub fn summary_table(sim: &Sim) -> String {
    let sc = sim.scenario();
    let headers = [
        "resource",
        "type",
        "count",
        "errors",
        "throttles",
        "retries",
        "dead-lettered",
        "dropped",
        "p50 ms",
        "p99 ms",
    ];
    let mut rows: Vec<[String; 10]> = Vec::new();
    for id in sc.ids() {
        let r = sc.resource(id);
        let s = sim.stats(id);
        let fmt_ms = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.1}"));
        rows.push([
            r.id.clone(),
            r.resource_type().name().to_string(),
            s.count.to_string(),
            s.errors.to_string(),
            s.throttles.to_string(),
            s.retries.to_string(),
            s.dead_lettered.to_string(),
            s.dropped.to_string(),
            fmt_ms(s.percentile_ms(50.0)),
            fmt_ms(s.percentile_ms(99.0)),
        ]);
    }
    for (i, t) in sc.traffic.iter().enumerate() {
        let n = sim.traffic_counts().get(i).copied().unwrap_or(0);
        let mut row: [String; 10] = Default::default();
        row[0] = format!("traffic:{}", t.name);
        row[1] = "traffic".to_string();
        row[2] = n.to_string();
        for cell in row.iter_mut().skip(3) {
            *cell = "-".to_string();
        }
        rows.push(row);
    }
    let mut widths = headers.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let line = |out: &mut String, cells: &[&str]| {
        for (i, (cell, w)) in cells.iter().zip(widths.iter()).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            if i < 2 {
                let _ = write!(out, "{cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(out, "{}{cell}", " ".repeat(pad));
            }
            out.push_str(if i + 1 < cells.len() { "  " } else { "\n" });
        }
    };
    line(&mut out, &headers);
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        line(&mut out, &cells);
    }
    let queues: Vec<_> = sc
        .ids()
        .filter(|id| sc.resource(*id).resource_type() == ResourceType::Queue)
        .collect();
    if !queues.is_empty() {
        let _ = writeln!(
            out,
            "\nqueues: sent, received (receives, counting redeliveries), deleted, dead-lettered, max depth, left"
        );
        let width = queues
            .iter()
            .map(|q| sc.id(*q).chars().count())
            .max()
            .unwrap_or(5)
            .max(5);
        let _ = writeln!(
            out,
            "{:<width$}  {:>8}  {:>8}  {:>8}  {:>13}  {:>9}  {:>6}",
            "queue", "sent", "received", "deleted", "dead-lettered", "max depth", "left"
        );
        for q in queues {
            let s = sim.stats(q);
            let live = sim.live(q);
            let left =
                u64::from(live.visible) + u64::from(live.in_flight) + u64::from(live.delayed);
            let _ = writeln!(
                out,
                "{:<width$}  {:>8}  {:>8}  {:>8}  {:>13}  {:>9}  {:>6}",
                sc.id(q),
                s.count,
                s.received,
                s.deleted,
                s.dead_lettered,
                s.max_depth,
                left
            );
        }
    }
    database_section(sim, &mut out);
    let (mut requests, mut gb_s) = (0u64, 0.0f64);
    for id in sc.ids() {
        if sc.resource(id).resource_type() == ResourceType::Function {
            requests += sim.stats(id).count;
            gb_s += sim.stats(id).gb_seconds;
        }
    }
    let cost = requests as f64 * PRICE_PER_REQUEST_USD + gb_s * PRICE_PER_GB_SECOND_USD;
    let _ = writeln!(
        out,
        "\nEstimated Lambda cost: ${cost:.6} ({requests} requests, {gb_s:.3} GB-s at us-east-1 x86 list prices, no free tier)"
    );
    let _ = writeln!(
        out,
        "Simulated {:.3} s in {} engine events.",
        sim.now_us() as f64 / 1e6,
        sim.events_processed()
    );
    out
}

/// The database section: per database and proxy, peak connections (a proxy's: pooled) of the most allowed,
/// refused connects, statements, p99 statement time (through a proxy: including the borrow), borrow waits and
/// time-outs, pinned sessions.
fn database_section(sim: &Sim, out: &mut String) {
    let sc = sim.scenario();
    let dbs: Vec<_> = sc
        .ids()
        .filter(|id| {
            matches!(
                sc.resource(*id).resource_type(),
                ResourceType::Database | ResourceType::DbProxy
            )
        })
        .collect();
    if dbs.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\ndatabases: peak connections of max (proxies: pooled), refused connects, statements, p99 statement ms, borrow waits, borrow time-outs, pinned"
    );
    let width = dbs
        .iter()
        .map(|d| sc.id(*d).chars().count())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = writeln!(
        out,
        "{:<width$}  {:>10}  {:>7}  {:>10}  {:>6}  {:>12}  {:>9}  {:>6}",
        "database",
        "peak/max",
        "refused",
        "statements",
        "p99 ms",
        "borrow waits",
        "time-outs",
        "pinned"
    );
    for d in dbs {
        let s = sim.stats(d);
        let live = sim.live(d);
        let p99 = s
            .percentile_ms(99.0)
            .map_or("-".to_string(), |x| format!("{x:.1}"));
        let _ = writeln!(
            out,
            "{:<width$}  {:>10}  {:>7}  {:>10}  {:>6}  {:>12}  {:>9}  {:>6}",
            sc.id(d),
            format!("{}/{}", s.peak_connections, live.max_connections),
            s.refused,
            s.count,
            p99,
            s.borrow_waits,
            s.borrow_timeouts,
            s.pinned
        );
    }
}
