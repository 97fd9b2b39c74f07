//! Amazon EventBridge: event buses, rules and target delivery.
//!
//! A PutEvents entry reaching a bus becomes the full EventBridge envelope (aws-semantics.md §4.1). The bus matches
//! it against every enabled rule of that bus, in file order (AWS gives no order; file order keeps runs
//! deterministic); each matching rule receives the event and sends it to each of its targets, shaped by the
//! target's `input`, `input_path` or `input_transformer` (§4.3). No match → a `drop` record.
//! Lambda targets are invoked asynchronously (§4.2), so Lambda's own retries apply to function errors; the rule's
//! retry policy (185 attempts / 24 h) covers only failures to hand the event over, which none of the simulated
//! targets refuses, so it never triggers here.
//!
//! Entries reach a bus through [`Sim::events_put`] (a handler's `events::put`, a Step Functions `putEvents`
//! task, with [`put_events_request`] reading the API's entries) or [`target_item`] (rule and schedule targets,
//! Lambda destinations); traffic sends its entries as they are.

use std::sync::Arc;

use serde_json::{Value, json};

use super::engine::{Item, Origin, Sim};
use super::ids::{IdKind, TraceId};
use super::trace::EventPayload;
use crate::events::eventbridge::{self, TargetInput};
use crate::scenario::{ResId, ResourceKind, ResourceType, Target};

/// A matched event travelling from a bus to a rule.
#[derive(Debug)]
pub(crate) struct RuleEvent {
    /// The event, shared by every rule that matched it and every target that takes it unshaped.
    pub event: Arc<Value>,
}

/// The item a bus target receives: a PutEvents entry, or with `forward_envelope` the complete event (a rule
/// forwarding an event it matched keeps its envelope).
pub(crate) fn target_item(payload: Value, forward_envelope: bool) -> Item {
    Item::PutEvent {
        event: Box::new(payload),
        envelope: forward_envelope,
        event_n: None,
    }
}

/// One entry of a PutEvents API request (Step Functions' `events:putEvents` integration): the bus it names
/// (`EventBusName`, a name or an ARN; `default` when absent) and the entry in the simulator's form (`source`,
/// `detail-type`, `detail` — `{}` when absent — and `resources` — `[]` when absent).
pub(crate) fn put_events_request(entry: &Value) -> (String, Value) {
    let bus_ref = entry
        .get("EventBusName")
        .and_then(Value::as_str)
        .unwrap_or("default");
    let bus = bus_ref
        .rsplit(['/', ':'])
        .next()
        .unwrap_or(bus_ref)
        .to_string();
    let e = json!({
        "source": entry.get("Source").cloned().unwrap_or(Value::Null),
        "detail-type": entry.get("DetailType").cloned().unwrap_or(Value::Null),
        "detail": entry.get("Detail").cloned().unwrap_or(json!({})),
        "resources": entry.get("Resources").cloned().unwrap_or(json!([])),
    });
    (bus, e)
}

impl Sim {
    /// PutEvents by a principal of the account (a handler's `events::put`, a Step Functions task): the entry
    /// is given its event id at once (returned) and sent along the edge `from → bus`.
    pub(crate) fn events_put(
        &mut self,
        from: Origin,
        bus: ResId,
        trace: TraceId,
        entry: Value,
    ) -> String {
        let n = self.next_n(IdKind::Event);
        let item = Item::PutEvent {
            event: Box::new(entry),
            envelope: false,
            event_n: Some(n),
        };
        self.send(from, bus, trace, item);
        self.uuid_of(IdKind::Event, n)
    }

    /// An entry (or a forwarded event) reaches a bus.
    pub(crate) fn bus_put(
        &mut self,
        bus: ResId,
        trace: TraceId,
        event: Value,
        envelope: bool,
        event_n: Option<u64>,
    ) {
        self.stats[bus.index()].count += 1;
        let event = if envelope {
            event
        } else {
            let n = event_n.unwrap_or_else(|| self.next_n(IdKind::Event));
            let id = self.uuid_of(IdKind::Event, n);
            let time = self.wall(self.now());
            match eventbridge::envelope(&self.aws, &id, &event, time) {
                Ok(e) => e,
                Err(reason) => {
                    self.stats[bus.index()].errors += 1;
                    self.drop_item(bus, trace, || format!("PutEvents entry rejected: {reason}"));
                    return;
                }
            }
        };
        // One tree for every rule and unshaped target (and their invocations and records): cloned pointers, not
        // the event (issue 15).
        let event = Arc::new(event);
        let mut matched = false;
        let rule_count = self.rules_of_bus.get(bus.index()).map_or(0, Vec::len);
        for i in 0..rule_count {
            let rule_id = self.rules_of_bus[bus.index()][i];
            let hit = match self.sc.resource(rule_id).kind.as_rule() {
                Some(rule) => rule.enabled && rule.pattern.matches(&event),
                None => {
                    self.wrong_kind(rule_id, ResourceType::Rule);
                    false
                }
            };
            if hit {
                matched = true;
                let item = Item::RuleEvent(Box::new(RuleEvent {
                    event: Arc::clone(&event),
                }));
                self.send(Origin::Resource(bus), rule_id, trace, item);
            }
        }
        if !matched {
            self.drop_item(bus, trace, || "no rule matched".to_string());
        }
    }

    /// A matched event reaches its rule: send it to every target.
    pub(crate) fn rule_deliver(&mut self, rule_id: ResId, trace: TraceId, ev: RuleEvent) {
        self.stats[rule_id.index()].count += 1;
        let sc = std::sync::Arc::clone(&self.sc);
        let ResourceKind::Rule(rule) = &sc.resource(rule_id).kind else {
            self.wrong_kind(rule_id, ResourceType::Rule);
            return;
        };
        let rule_arn = self.aws.events_rule_arn(sc.id(rule_id));
        self.send_to_targets(rule_id, &rule_arn, &rule.targets, &ev.event, trace);
    }

    /// Sends an event to rule or schedule targets, shaping each target's input.
    pub(crate) fn send_to_targets(
        &mut self,
        from: ResId,
        arn: &str,
        targets: &[Target],
        event: &Arc<Value>,
        trace: TraceId,
    ) {
        // EventBridge does not carry Lambda's recursion tracking: what its targets cause is counted afresh, so a
        // loop through a bus is never stopped (Lambda guide, "Recursive loop detection").
        let mut trace = trace;
        trace.loop_epoch = trace.span;
        let name = self.sc.id(from).to_string();
        for t in targets {
            let transformer = t.input_transformer.as_ref();
            let shaping = TargetInput {
                input: t.input.as_ref(),
                input_path: t.input_path.as_deref(),
                input_paths: transformer.map(|x| x.input_paths.as_slice()),
                input_template: transformer.map(|x| x.input_template.as_str()),
            };
            let unshaped = t.input.is_none() && t.input_path.is_none() && transformer.is_none();
            let input = if unshaped {
                Ok(EventPayload::Shared(Arc::clone(event)))
            } else {
                eventbridge::target_input(event, &shaping, arn, &name, self.wall(self.now()))
                    .map(EventPayload::from)
            };
            match input {
                Ok(input) => {
                    let item =
                        self.target_item(t.target, input, unshaped, t.message_group_id.clone());
                    self.send(Origin::Resource(from), t.target, trace, item);
                }
                Err(reason) => {
                    self.stats[from.index()].errors += 1;
                    let target = self.name(t.target);
                    self.drop_item(from, trace, || {
                        format!("input for target {target}: {reason}")
                    });
                }
            }
        }
    }
}
