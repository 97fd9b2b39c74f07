//! Amazon DynamoDB: an in-memory table keyed by partition and sort key, and its stream.
//!
//! Items are plain JSON objects; the stream carries them in DynamoDB attribute-value JSON (aws-semantics.md §7).
//! Every change that alters an item appends one record — INSERT, MODIFY or REMOVE — with the images the table's
//! `stream` view type asks for; a put or update that changes nothing writes no record (DynamoDB Streams
//! developer guide). Records are kept 24 hours; sequence numbers increase per table, so order per key holds.
//! Approximation: one shard per table (AWS splits by key range; order per item is the same either way).
//!
//! Time to Live (`ttl_attribute`): an item whose attribute holds a number of epoch seconds is deleted by the
//! service [`TTL_DELETE_DELAY_US`] after that time (at once plus the delay when it is already past). Until then
//! it is still read, as on AWS. The deletion's stream REMOVE record carries `userIdentity` `{type: Service,
//! principalId: dynamodb.amazonaws.com}`; rewriting the item with a later expiry postpones it. The deletion
//! belongs to the chain of the write that set the expiry; a table's initial `items` (written by no one in the
//! run, so with no chain to belong to) do not expire.
//!
//! Writes go through [`Sim::table_apply`] (PutItem, DeleteItem, UpdateItem), reads through [`Sim::table_get`]
//! and [`Sim::table_query`], whoever calls: a handler's `dynamodb::…` calls, a Step Functions task (its
//! attribute-value JSON read by [`item_request`]), traffic.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::engine::{Ev, Sim};
use super::ids::{IdKind, TraceId};
use crate::events::dynamodb::{self, StreamChange, StreamView};
use crate::scenario::{ResId, ResourceKind, ResourceType, Scenario, StreamViewType, Table};

/// Stream records live 24 hours (DynamoDB Streams developer guide).
const STREAM_RETENTION_US: u64 = 86_400_000_000;
/// How long after its expiry Time to Live deletes an item: 60 s here. AWS gives a window, not a delay ("TTL
/// typically deletes expired items within a few days of their expiration time", DynamoDB Developer Guide, "Using
/// time to live"; formerly "within 48 hours"): a fixed minute keeps runs deterministic and short while showing
/// that expiry and deletion are not the same moment.
const TTL_DELETE_DELAY_US: u64 = 60_000_000;

/// A sort key value, ordered as DynamoDB orders keys: numbers numerically, strings by UTF-8 bytes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SortValue {
    None,
    Number(f64),
    Text(String),
}

impl Eq for SortValue {}
impl PartialOrd for SortValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for SortValue {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (SortValue::Number(a), SortValue::Number(b)) => a.total_cmp(b),
            (SortValue::Text(a), SortValue::Text(b)) => a.cmp(b),
            (SortValue::None, SortValue::None) => Ordering::Equal,
            (SortValue::None, _) => Ordering::Less,
            (_, SortValue::None) => Ordering::Greater,
            (SortValue::Number(_), SortValue::Text(_)) => Ordering::Less,
            (SortValue::Text(_), SortValue::Number(_)) => Ordering::Greater,
        }
    }
}

impl SortValue {
    fn of(v: &Value) -> SortValue {
        match v {
            Value::Number(n) => SortValue::Number(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => SortValue::Text(s.clone()),
            Value::Null => SortValue::None,
            other => SortValue::Text(other.to_string()),
        }
    }
}

/// The primary key of an item: partition value (as canonical JSON text) and sort value.
pub(crate) type ItemKey = (String, SortValue);

/// One stream record with what the engine needs besides its JSON.
#[derive(Debug, Clone)]
pub(crate) struct StreamEntry {
    pub record: Value,
    pub trace: TraceId,
    pub created_us: u64,
    pub sequence_number: String,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct TableState {
    pub items: BTreeMap<ItemKey, Value>,
    stream: Vec<StreamEntry>,
    /// Records before this index were trimmed from `stream` (positions stay absolute).
    stream_base: usize,
    sequence: u64,
}

/// A write arriving at a table.
#[derive(Debug, Clone)]
pub(crate) enum TableOp {
    Put(Value),
    Delete(Value),
    Update { key: Value, changes: Value },
}

/// An item request of DynamoDB's JSON API, as Step Functions' optimized integration passes it.
#[derive(Debug, Clone)]
pub(crate) enum ItemRequest {
    /// `putItem` or `deleteItem`.
    Write(TableOp),
    /// `getItem`, by key.
    Get(Value),
}

/// Reads an item request of DynamoDB's JSON API (`putItem` with `Item`, `getItem` and `deleteItem` with `Key`,
/// all in attribute-value JSON) into the table's name and the request on plain items; `None` for other APIs.
pub(crate) fn item_request(api: &str, p: &Value) -> Option<(String, ItemRequest)> {
    let plain = |key: &str| {
        p.get(key)
            .and_then(dynamodb::attribute_map_to_item)
            .unwrap_or(Value::Null)
    };
    let request = match api {
        "putItem" => ItemRequest::Write(TableOp::Put(plain("Item"))),
        "deleteItem" => ItemRequest::Write(TableOp::Delete(plain("Key"))),
        "getItem" => ItemRequest::Get(plain("Key")),
        _ => return None,
    };
    let table = p.get("TableName").and_then(Value::as_str).unwrap_or("");
    Some((table.to_string(), request))
}

fn key_of(cfg: &Table, item: &Value) -> Option<ItemKey> {
    let pk = item.get(&cfg.partition_key)?;
    let sk = match &cfg.sort_key {
        Some(name) => SortValue::of(item.get(name)?),
        None => SortValue::None,
    };
    Some((pk.to_string(), sk))
}

fn keys_only(cfg: &Table, item: &Value) -> Value {
    let mut keys = Map::new();
    for name in std::iter::once(&cfg.partition_key).chain(cfg.sort_key.iter()) {
        if let Some(v) = item.get(name) {
            keys.insert(name.clone(), v.clone());
        }
    }
    Value::Object(keys)
}

fn view(v: StreamViewType) -> StreamView {
    match v {
        StreamViewType::KeysOnly => StreamView::KeysOnly,
        StreamViewType::NewImage => StreamView::NewImage,
        StreamViewType::OldImage => StreamView::OldImage,
        StreamViewType::NewAndOldImages => StreamView::NewAndOldImages,
    }
}

impl TableState {
    /// Calls `f` with the causal chain of every record still in the table's stream (`Sim::live_chains`).
    pub(crate) fn chains(&self, f: &mut impl FnMut(u64)) {
        for entry in &self.stream {
            f(entry.trace.n);
        }
    }

    /// The state of every resource: tables hold their initial items, other resources an unused empty state.
    pub fn for_scenario(sc: &Scenario) -> Vec<TableState> {
        sc.resources
            .iter()
            .map(|r| {
                r.kind
                    .as_table()
                    .map(TableState::with_items)
                    .unwrap_or_default()
            })
            .collect()
    }

    /// A table holding its initial items (they predate the stream: no records).
    pub fn with_items(cfg: &Table) -> TableState {
        let mut state = TableState::default();
        for item in &cfg.items {
            if let Some(k) = key_of(cfg, item) {
                state.items.insert(k, item.clone());
            }
        }
        state
    }

    /// The stream record at absolute position `pos`, while the table still holds it.
    pub fn stream_entry(&self, pos: usize) -> Option<&StreamEntry> {
        pos.checked_sub(self.stream_base)
            .and_then(|i| self.stream.get(i))
    }

    /// The position after the newest stream record.
    pub fn stream_end(&self) -> usize {
        self.stream_base + self.stream.len()
    }

    /// The first position at or after `from` whose record is still readable at `now_us`: records older than
    /// the stream's 24-hour retention are gone (GetRecords skips them).
    pub fn first_live_position(&self, from: usize, now_us: u64) -> usize {
        let mut pos = from.max(self.stream_base);
        while let Some(e) = self.stream_entry(pos) {
            if now_us.saturating_sub(e.created_us) < STREAM_RETENTION_US {
                break;
            }
            pos += 1;
        }
        pos
    }

    pub fn get(&self, cfg: &Table, key: &Value) -> Option<&Value> {
        key_of(cfg, key).and_then(|k| self.items.get(&k))
    }

    /// Items of one partition, in sort-key order.
    pub fn query(&self, partition_value: &Value) -> Vec<Value> {
        let pk = partition_value.to_string();
        self.items
            .range((pk.clone(), SortValue::None)..)
            .take_while(|((p, _), _)| *p == pk)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl Sim {
    fn table_cfg(&self, t: ResId) -> Option<&Table> {
        let ResourceKind::Table(cfg) = &self.sc.resource(t).kind else {
            self.wrong_kind(t, ResourceType::Table);
            return None;
        };
        Some(cfg)
    }

    /// GetItem: the item with this key, as the table holds it now.
    pub(crate) fn table_get(&self, t: ResId, key: &Value) -> Option<Value> {
        let cfg = self.table_cfg(t)?;
        self.tables[t.index()].get(cfg, key).cloned()
    }

    /// Query: the items of one partition, in sort-key order.
    pub(crate) fn table_query(&self, t: ResId, partition_value: &Value) -> Vec<Value> {
        self.tables[t.index()].query(partition_value)
    }

    /// Applies a write to a table now; returns (old image, new image) and appends the stream record.
    pub(crate) fn table_apply(
        &mut self,
        t: ResId,
        trace: TraceId,
        op: TableOp,
    ) -> Result<(Option<Value>, Option<Value>), String> {
        self.table_write(t, trace, op, false)
    }

    /// When `item` carries an expiry in the table's TTL attribute, schedules its deletion.
    fn schedule_ttl(&mut self, t: ResId, cfg: &Table, item: &Value, trace: TraceId) {
        let Some(expiry_s) = cfg
            .ttl_attribute
            .as_ref()
            .and_then(|a| item.get(a))
            .and_then(Value::as_f64)
        else {
            return;
        };
        let start_s = self.sc.settings.start_time.timestamp() as f64;
        let expiry_us = ((expiry_s - start_s).max(0.0) * 1e6).min(u64::MAX as f64) as u64;
        let at = expiry_us
            .max(self.now())
            .saturating_add(TTL_DELETE_DELAY_US);
        let key = Box::new(keys_only(cfg, item));
        self.schedule(
            at,
            Ev::TtlExpire {
                table: t,
                key,
                trace,
            },
        );
    }

    /// Time to Live comes due: the item is deleted by the service if it is still there and still expired.
    pub(crate) fn table_ttl_expire(&mut self, t: ResId, key: &Value, trace: TraceId) {
        let Some(cfg) = self.table_cfg(t) else { return };
        let Some(attr) = cfg.ttl_attribute.clone() else {
            return;
        };
        let now_s = self.wall(self.now()).timestamp() as f64;
        let expired = self
            .table_get(t, key)
            .and_then(|item| item.get(&attr).and_then(Value::as_f64))
            .is_some_and(|expiry_s| expiry_s <= now_s);
        if expired {
            // The key comes from the stored item: the delete cannot fail.
            let _ = self.table_write(t, trace, TableOp::Delete(key.clone()), true);
        }
    }

    /// [`Sim::table_apply`], `by_ttl` when Time to Live deletes the item.
    fn table_write(
        &mut self,
        t: ResId,
        trace: TraceId,
        op: TableOp,
        by_ttl: bool,
    ) -> Result<(Option<Value>, Option<Value>), String> {
        let sc = std::sync::Arc::clone(&self.sc);
        let ResourceKind::Table(cfg) = &sc.resource(t).kind else {
            self.wrong_kind(t, ResourceType::Table);
            return Err("not a table".to_string());
        };
        let state = &mut self.tables[t.index()];
        let (old, new) = match op {
            TableOp::Put(item) => {
                if !item.is_object() {
                    return Err("an item must be an object".to_string());
                }
                let k = key_of(cfg, &item).ok_or_else(|| {
                    format!("the item lacks its key attribute {}", cfg.partition_key)
                })?;
                let old = state.items.insert(k, item.clone());
                (old, Some(item))
            }
            TableOp::Delete(key) => {
                let k = key_of(cfg, &key)
                    .ok_or_else(|| format!("the key lacks {}", cfg.partition_key))?;
                (state.items.remove(&k), None)
            }
            TableOp::Update { key, changes } => {
                let k = key_of(cfg, &key)
                    .ok_or_else(|| format!("the key lacks {}", cfg.partition_key))?;
                let old = state.items.get(&k).cloned();
                let mut item = match &old {
                    Some(Value::Object(m)) => m.clone(),
                    _ => key.as_object().cloned().unwrap_or_default(),
                };
                if let Value::Object(ch) = &changes {
                    for (name, v) in ch {
                        if name == &cfg.partition_key || Some(name) == cfg.sort_key.as_ref() {
                            return Err(format!("cannot update key attribute {name}"));
                        }
                        if v.is_null() {
                            item.remove(name);
                        } else {
                            item.insert(name.clone(), v.clone());
                        }
                    }
                } else {
                    return Err("changes must be an object".to_string());
                }
                let item = Value::Object(item);
                state.items.insert(k, item.clone());
                (old, Some(item))
            }
        };
        self.stats[t.index()].count += 1;
        if let Some(item) = &new
            && new != old
        {
            self.schedule_ttl(t, cfg, item, trace);
        }
        if old == new {
            return Ok((old, new));
        }
        if let Some(v) = cfg.stream {
            let event_name = match (&old, &new) {
                (None, Some(_)) => "INSERT",
                (Some(_), Some(_)) => "MODIFY",
                _ => "REMOVE",
            };
            let now = self.now();
            let state = &mut self.tables[t.index()];
            state.sequence += 1;
            let sequence_number = format!(
                "{}",
                100_000_000_000_000_000_000u128 + u128::from(state.sequence) * 100
            );
            let image = new
                .as_ref()
                .or(old.as_ref())
                .cloned()
                .unwrap_or(Value::Null);
            let keys = keys_only(cfg, &image);
            let event_n = self.next_n(IdKind::Event);
            let event_id = format!(
                "{:032x}",
                super::ids::id_bits(self.seed, IdKind::Event, event_n)
            );
            let change = StreamChange {
                table: sc.id(t),
                stream_label: &self.stream_label(),
                event_id: &event_id,
                event_name,
                keys: &keys,
                old_image: old.as_ref(),
                new_image: new.as_ref(),
                sequence_number: &sequence_number,
                view: view(v),
                time: self.wall(now),
                by_ttl,
            };
            let record = dynamodb::stream_record(&self.aws, &change);
            let state = &mut self.tables[t.index()];
            state.stream.push(StreamEntry {
                record,
                trace,
                created_us: now,
                sequence_number,
            });
            self.stream_changed(t);
        }
        Ok((old, new))
    }

    /// The label of every stream ARN: the simulation start time, as AWS labels a stream by its creation time.
    pub(crate) fn stream_label(&self) -> String {
        self.sc
            .settings
            .start_time
            .format("%Y-%m-%dT%H:%M:%S%.3f")
            .to_string()
    }

    /// A write arrives at a table from traffic.
    pub(crate) fn table_op(&mut self, t: ResId, trace: TraceId, op: TableOp) {
        if let Err(reason) = self.table_apply(t, trace, op) {
            self.stats[t.index()].errors += 1;
            self.drop_item(t, trace, || format!("write rejected: {reason}"));
        }
    }

    fn stream_changed(&mut self, t: ResId) {
        let count = self.triggers_of_source.get(t.index()).map_or(0, Vec::len);
        for i in 0..count {
            let trig = self.triggers_of_source[t.index()][i];
            self.esm_poll(trig);
        }
    }
}
