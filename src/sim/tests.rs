//! Engine tests of the service operations: every caller of an operation gets the same AWS behaviour.

use std::sync::Arc;

use serde_json::{Value, json};

use super::queue::{MAX_DELAY_S, SqsSend};
use super::{Sim, SimOptions, TraceRecord};

/// Runs a scenario text to its end with the trace on.
fn run(text: &str) -> Vec<TraceRecord> {
    let sc = crate::scenario::load_str(text, "test.json", None).expect("test scenario loads");
    let mut sim = Sim::new(
        Arc::new(sc),
        SimOptions {
            seed: None,
            trace: true,
        },
    );
    sim.run_until(10_000_000);
    sim.take_trace()
}

/// A FIFO queue written to by a handler and by two Step Functions tasks, with and without a message group.
const FIFO_SENDERS: &str = r#"{
  "format": "eventflow/1",
  "name": "FIFO senders",
  "settings": { "seed": 1, "until_s": 10, "hop_latency_ms": 10, "sdk_latency_ms": 5 },
  "resources": {
    "Jobs": { "type": "queue", "fifo": true, "content_based_deduplication": true },
    "NoGroup": { "type": "state_machine", "definition": { "StartAt": "Send", "States": {
      "Send": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": { "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/Jobs", "MessageBody": "a" },
        "End": true } } } },
    "WithGroup": { "type": "state_machine", "definition": { "StartAt": "Send", "States": {
      "Send": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": { "QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/Jobs", "MessageBody": "b",
          "MessageGroupId": "g" },
        "End": true } } } },
    "Sender": { "type": "function", "duration_ms": 1, "cold_start_ms": 0,
      "code": { "inline": "fn handler(event, context) { sqs::send(\"Jobs\", \"c\"); }" } }
  },
  "traffic": [
    { "to": "NoGroup", "at_s": 0, "input": {} },
    { "to": "WithGroup", "at_s": 0, "input": {} },
    { "to": "Sender", "at_s": 0, "payload": {} }
  ]
}"#;

#[test]
fn handlers_and_step_functions_share_sendmessage_checks() {
    let records = run(FIFO_SENDERS);
    let execution = |machine: &str| {
        records.iter().find_map(|r| match r {
            TraceRecord::Execution {
                state_machine,
                status,
                error,
                ..
            } if state_machine == machine => Some((*status, error.clone())),
            _ => None,
        })
    };
    let (status, error) = execution("NoGroup").expect("NoGroup ends");
    assert_eq!(status, "failed");
    let error = error.expect("a failed execution has an error");
    assert_eq!(error["error"], json!("SQS.MissingParameter"));
    assert_eq!(
        error["cause"],
        json!("The request must contain the parameter MessageGroupId.")
    );
    assert_eq!(execution("WithGroup").map(|e| e.0), Some("succeeded"));
    let call_error = records.iter().find_map(|r| match r {
        TraceRecord::Call {
            function, error, ..
        } if function == "Sender" => Some(error.clone()),
        _ => None,
    });
    let call_error = call_error.flatten().expect("the handler's send fails");
    assert_eq!(call_error["errorType"], json!("MissingParameter"));
    let enqueued = records
        .iter()
        .filter(|r| matches!(r, TraceRecord::Enqueue { queue, .. } if queue == "Jobs"))
        .count();
    assert_eq!(enqueued, 1, "only the grouped message reaches the queue");
}

#[test]
fn a_new_message_has_sendmessage_defaults() {
    let m = SqsSend::new("body".to_string(), "AIDAEXAMPLE");
    assert_eq!(m.attributes, Value::Object(serde_json::Map::new()));
    assert_eq!(m.group_id, None);
    assert_eq!(m.deduplication_id, None);
    assert_eq!(m.delay_s, None);
    assert_eq!(m.message_n, None);
    assert_eq!(m.sender, "AIDAEXAMPLE");
    let late = SqsSend::new(String::new(), "x").with_delay_s(Some(MAX_DELAY_S + 1));
    assert_eq!(late.delay_s, Some(MAX_DELAY_S));
}

/// A test event ("Send a test event") has its placeholders expanded as a traffic event's, `{{seq}}` counting the
/// test events of the run; a handler never sees `{{…}}` text (issue 17 item 3).
#[test]
fn injected_payload_placeholders_are_expanded_like_traffic() {
    let sc = crate::scenario::load_str(FIFO_SENDERS, "test.json", None).expect("loads");
    let mut sim = Sim::new(
        Arc::new(sc),
        SimOptions {
            seed: None,
            trace: true,
        },
    );
    let template = crate::scenario::Payload::Input(json!({
        "n": "{{seq}}", "order": "o-{{seq}}", "qty": "{{rand_int:3:3}}", "id": "{{uuid}}", "at": "{{time}}"
    }));
    let crate::scenario::Payload::Input(first) = sim.expand_injected(&template) else {
        panic!("the payload kind changed");
    };
    assert_eq!(first["n"], json!(1));
    assert_eq!(first["order"], json!("o-1"));
    assert_eq!(first["qty"], json!(3));
    let id = first["id"].as_str().expect("uuid is a string");
    assert_eq!(id.len(), 36, "{id}");
    assert!(
        first["at"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{first}"
    );
    let crate::scenario::Payload::Input(second) = sim.expand_injected(&template) else {
        panic!("the payload kind changed");
    };
    assert_eq!(second["order"], json!("o-2"));
    assert!(!second.to_string().contains("{{"), "{second}");
}

/// Runs a scenario file to its `until_s` with the trace on, sweeping dead chains' loop counts at every step
/// (`sweep_every_step`) or as a normal run does; returns the trace as JSON Lines and the loop counts left.
fn run_file_sweeping(path: &std::path::Path, sweep_every_step: bool) -> (Vec<u8>, usize) {
    let sc = crate::scenario::load_file(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let until_us = super::rng::ms_to_us(sc.settings.until_s * 1000.0);
    let mut sim = Sim::new(
        Arc::new(sc),
        SimOptions {
            seed: None,
            trace: true,
        },
    );
    if sweep_every_step {
        sim.loop_sweep_min = 0;
        sim.loop_sweep_at = 0;
    }
    let mut out = Vec::new();
    while sim.next_event_us().is_some_and(|t| t <= until_us) {
        sim.run_until_bounded(until_us, 10_000);
        for r in sim.take_trace() {
            r.write_line(&mut out);
        }
    }
    sim.run_until(until_us);
    for r in sim.take_trace() {
        r.write_line(&mut out);
    }
    (out, sim.loop_counts.len())
}

#[test]
fn sweeping_loop_counts_changes_no_trace() {
    // Every test scenario (the recursion ones among them) gives the same trace when the loop counts of dead
    // chains are swept out after every single event as when they are swept only past thousands of entries.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/scenarios")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p.to_string_lossy().ends_with(".expect.json")
        })
        .collect();
    paths.sort();
    assert!(paths.len() > 20, "found only {} scenarios", paths.len());
    let mut swept_any = false;
    for path in &paths {
        let (normal, kept_normal) = run_file_sweeping(path, false);
        let (swept, kept_swept) = run_file_sweeping(path, true);
        assert!(
            normal == swept,
            "{}: sweeping loop counts changed the trace",
            path.display()
        );
        swept_any |= kept_swept < kept_normal;
    }
    assert!(swept_any, "no scenario had a loop count to sweep");
}

/// Asynchronous invocations with no loop: every one counts toward recursion detection.
const ASYNC_INVOCATIONS: &str = r#"{
  "format": "eventflow/1",
  "name": "many async invocations",
  "settings": { "seed": 1, "until_s": 60 },
  "resources": { "Worker": { "type": "function", "duration_ms": 5, "cold_start_ms": 0 } },
  "traffic": [ { "to": "Worker", "every_s": 0.001, "count": 50000, "payload": { "n": "{{seq}}" } } ]
}"#;

#[test]
fn loop_counts_stay_bounded_without_loops() {
    let sc = crate::scenario::load_str(ASYNC_INVOCATIONS, "test.json", None).expect("loads");
    let mut sim = Sim::new(Arc::new(sc), SimOptions::default());
    let mut most = 0;
    while sim.next_event_us().is_some() {
        sim.run_until_bounded(u64::MAX, 1_000);
        most = most.max(sim.loop_counts.len());
    }
    let worker = sim.scenario().find("Worker").expect("Worker");
    assert_eq!(sim.stats(worker).count, 50_000);
    // Without the sweep, one entry per invocation (50,000); with it, at most twice the floor.
    assert!(
        most <= 2 * super::engine::LOOP_COUNTS_SWEEP_MIN + 1,
        "{most} loop counts kept"
    );
}

/// Fixed payloads of 64 KiB: a queue `Q` read by an event source mapping (whose invocations last a minute, so
/// received messages stay in flight), a function that may not run (reserved concurrency 0: its asynchronous
/// events wait in Lambda's retry queue), a topic whose raw deliveries go to `Q` and to `Unread`, a queue nothing
/// reads, which also gets bodies that differ per message (placeholders).
fn fixed_payload_scenario() -> String {
    let body = "x".repeat(64 * 1024);
    let published = "y".repeat(64 * 1024);
    let varying = format!("{{{{seq}}}}-{}", "z".repeat(64 * 1024));
    json!({
        "format": "eventflow/1",
        "name": "Fixed payloads",
        "settings": { "seed": 1, "until_s": 10 },
        "resources": {
            "Q": { "type": "queue", "visibility_timeout_s": 900 },
            "Poll": { "type": "trigger", "source": "Q", "function": "Slow", "batch_size": 10 },
            "Slow": { "type": "function", "duration_ms": 60000, "timeout_s": 900 },
            "Unread": { "type": "queue" },
            "T": { "type": "topic", "subscriptions": [
                { "target": "Q", "raw_message_delivery": true },
                { "target": "Unread", "raw_message_delivery": true }
            ] },
            "F": { "type": "function", "duration_ms": 1, "reserved_concurrency": 0 }
        },
        "traffic": [
            { "to": "Q", "every_s": 0.1, "count": 50,
              "message": { "body": body, "attributes": { "kind": "big" } } },
            { "to": "F", "every_s": 0.1, "count": 20, "payload": { "data": body } },
            { "to": "T", "every_s": 0.1, "count": 30, "message": { "body": published } },
            { "to": "Unread", "every_s": 0.1, "count": 10, "message": { "body": varying } }
        ]
    })
    .to_string()
}

/// Issue 18 item 8: a fixed traffic payload is built once and shared, not copied per event. Every stored queue
/// message holds the one body its source cached (a topic's raw delivery included); every waiting asynchronous
/// invocation holds the one event; a queue nothing can receive from keeps no body at all, only sizes.
#[test]
fn fixed_traffic_payloads_are_shared_not_copied() {
    let sc =
        crate::scenario::load_str(&fixed_payload_scenario(), "test.json", None).expect("loads");
    let queue = sc.find("Q").expect("queue Q");
    let unread = sc.find("Unread").expect("queue Unread");
    let mut sim = Sim::new(Arc::new(sc), SimOptions::default());
    sim.run_until(8_000_000);

    let sent = sim.traffic[0]
        .queue_message
        .as_ref()
        .expect("the message is cached");
    let published = sim.traffic[2]
        .topic_message
        .as_ref()
        .expect("the topic message is cached");
    let bodies: Vec<&Arc<str>> = sim.queues[queue.index()]
        .messages
        .values()
        .map(|m| &m.content.as_ref().expect("Q is read: content kept").body)
        .collect();
    assert_eq!(bodies.len(), 80, "50 sent and 30 published, all in flight");
    let shared_sent = bodies.iter().filter(|b| Arc::ptr_eq(b, &sent.body)).count();
    let shared_published = bodies
        .iter()
        .filter(|b| Arc::ptr_eq(b, &published.message))
        .count();
    assert_eq!((shared_sent, shared_published), (50, 30));
    // The stored messages and the sources' cached ones: no other copy of either body is alive (`Unread` holds
    // none of the published ones).
    assert_eq!(Arc::strong_count(&sent.body), 51);
    assert_eq!(Arc::strong_count(&published.message), 31);

    let unread = &sim.queues[unread.index()].messages;
    assert_eq!(unread.len(), 40, "30 published and 10 sent");
    assert!(unread.values().all(|m| m.content.is_none()));
    assert!(unread.values().all(|m| m.record_bytes > 64 * 1024));

    let event = sim.traffic[1]
        .invoke_event
        .as_ref()
        .expect("the event is cached");
    assert_eq!(event["data"].as_str().map(str::len), Some(64 * 1024));
    // 20 throttled events waiting for their retry, and the cached one.
    assert_eq!(Arc::strong_count(event), 21);
}

/// Content-based deduplication on a FIFO queue: the id is the SHA-256 of the body (and the Lambda event shows it as
/// `MessageDeduplicationId`), the same body within 5 minutes is dropped, after them it is accepted again, and an
/// explicit id never collides with a body that merely looks like one.
#[test]
fn content_based_deduplication_uses_the_sha256_of_the_body_for_five_minutes() {
    let text = r#"{
      "format": "eventflow/1",
      "name": "dedup",
      "settings": { "seed": 1, "until_s": 400 },
      "resources": {
        "Jobs": { "type": "queue", "fifo": true, "content_based_deduplication": true },
        "Work": { "type": "function", "duration_ms": 1 },
        "T": { "type": "trigger", "source": "Jobs", "function": "Work", "batch_size": 1 }
      },
      "traffic": [
        { "to": "Jobs", "at_s": 0, "message": { "body": "x", "group_id": "g" } },
        { "to": "Jobs", "at_s": 60, "message": { "body": "x", "group_id": "g" } },
        { "to": "Jobs", "at_s": 120, "message": { "body": "y", "group_id": "g", "deduplication_id": "body:x" } },
        { "to": "Jobs", "at_s": 320, "message": { "body": "x", "group_id": "g" } }
      ]
    }"#;
    let sc = crate::scenario::load_str(text, "dedup.json", None).expect("loads");
    let mut sim = Sim::new(
        Arc::new(sc),
        SimOptions {
            seed: None,
            trace: true,
        },
    );
    sim.run_until(400_000_000);
    let records: Vec<Value> = sim
        .take_trace()
        .iter()
        .map(|r| serde_json::to_value(r).expect("a record serialises"))
        .collect();
    let ids: Vec<(String, String)> = records
        .iter()
        .filter(|r| r["kind"] == "invoke")
        .map(|r| {
            let m = &r["event"]["Records"][0];
            (
                m["body"].as_str().unwrap_or_default().to_string(),
                m["attributes"]["MessageDeduplicationId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    // sha256("x"), as `printf x | sha256sum` prints it.
    let sha_x = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881";
    assert_eq!(
        ids,
        [
            ("x".to_string(), sha_x.to_string()),
            ("y".to_string(), "body:x".to_string()),
            ("x".to_string(), sha_x.to_string()),
        ],
        "the duplicate at 60 s is dropped; the one at 320 s is past the 5-minute interval"
    );
    let duplicates = records
        .iter()
        .filter(|r| {
            r["kind"] == "drop"
                && r["reason"]
                    .as_str()
                    .is_some_and(|s| s.contains("duplicate"))
        })
        .count();
    assert_eq!(duplicates, 1);
}

/// Erlang's loss formula B(c, A) = (A^c / c!) / Σ_{k=0..c} A^k / k!, by its stable recurrence.
fn erlang_b(servers: u32, offered_erlang: f64) -> f64 {
    (1..=servers).fold(1.0, |b, k| {
        offered_erlang * b / (f64::from(k) + offered_erlang * b)
    })
}

/// A function's reserved concurrency under Poisson traffic of synchronous invocations with exponential durations
/// is an M/M/c loss system: the share of invocations throttled matches Erlang B (benches/mmc-loss.json is the
/// same model at 200,000 requests, timed against SimPy).
#[test]
fn reserved_concurrency_under_poisson_load_loses_what_erlang_b_predicts() {
    let text = r#"{
      "format": "eventflow/1",
      "name": "M/M/10 loss",
      "settings": { "seed": 3, "until_s": 40, "hop_latency_ms": { "dist": "fixed", "value": 0 } },
      "resources": {
        "Server": { "type": "function", "reserved_concurrency": 10,
                    "duration_ms": { "dist": "exponential", "mean": 10 },
                    "cold_start_ms": { "dist": "fixed", "value": 0 } }
      },
      "traffic": [ { "to": "Server", "poisson_per_s": 800, "count": 20000, "payload": {},
                     "invocation_type": "RequestResponse" } ]
    }"#;
    let sc = crate::scenario::load_str(text, "mmc.json", None).expect("loads");
    let server = sc.find("Server").expect("Server");
    let mut sim = Sim::new(
        Arc::new(sc),
        SimOptions {
            seed: None,
            trace: false,
        },
    );
    sim.run_until(40_000_000);
    let stats = sim.stats(server);
    let lost = stats.throttles as f64 / 20_000.0;
    let expected = erlang_b(10, 8.0); // 0.1217: 800/s × 10 ms = 8 Erlang on 10 servers
    assert!(
        (lost - expected).abs() < 0.1 * expected,
        "throttled share {lost:.4} against Erlang B {expected:.4} ({} invocations, {} throttles)",
        stats.count,
        stats.throttles
    );
    assert_eq!(stats.count + stats.throttles, 20_000);
}

/// A message moved to a dead-letter queue keeps its original enqueue time on a standard queue (its retention
/// runs on from when it was first sent) and starts afresh on a FIFO queue (SQS Developer Guide, "Setting-up
/// dead-letter queue retention in Amazon SQS").
#[test]
fn a_dead_letter_queue_counts_retention_from_the_first_enqueue_unless_fifo() {
    let expired_at_ms = |fifo: bool| -> Vec<f64> {
        let (suffix, group) = if fifo {
            ("Fifo", r#", "group_id": "g""#)
        } else {
            ("", "")
        };
        let text = format!(
            r#"{{
          "format": "eventflow/1",
          "name": "dlq retention",
          "settings": {{ "seed": 1, "until_s": 200, "hop_latency_ms": {{ "dist": "fixed", "value": 0 }} }},
          "resources": {{
            "Src{suffix}": {{ "type": "queue", "fifo": {fifo}, "content_based_deduplication": {fifo},
                     "visibility_timeout_s": 30,
                     "dead_letter": {{ "target": "Dlq{suffix}", "max_receive_count": 1 }} }},
            "Dlq{suffix}": {{ "type": "queue", "fifo": {fifo}, "retention_s": 60 }},
            "Fails": {{ "type": "function", "duration_ms": 10, "error_rate": 1 }},
            "Reads": {{ "type": "trigger", "source": "Src{suffix}", "function": "Fails", "batch_size": 1 }}
          }},
          "traffic": [ {{ "to": "Src{suffix}", "at_s": 0, "message": {{ "body": "x"{group} }} }} ]
        }}"#
        );
        let sc = crate::scenario::load_str(&text, "dlq.json", None).expect("loads");
        let mut sim = Sim::new(
            Arc::new(sc),
            SimOptions {
                seed: None,
                trace: true,
            },
        );
        sim.run_until(200_000_000);
        let records: Vec<Value> = sim
            .take_trace()
            .iter()
            .map(|r| serde_json::to_value(r).expect("a record serialises"))
            .collect();
        let moved_ms: Vec<f64> = records
            .iter()
            .filter(|r| r["kind"] == "dead_letter")
            .filter_map(|r| r["t_ms"].as_f64())
            .collect();
        assert_eq!(moved_ms.len(), 1, "moved once: {moved_ms:?}");
        assert!(
            (30_000.0..31_000.0).contains(&moved_ms[0]),
            "moved at the second receive, after the 30 s visibility timeout: {moved_ms:?}"
        );
        records
            .iter()
            .filter(|r| r["kind"] == "drop" && r["reason"] == "message expired (retention period)")
            .filter_map(|r| r["t_ms"].as_f64())
            .collect()
    };
    // Sent at 0, moved at ~30 s: 60 s of the DLQ's retention end at 60 s on a standard queue ...
    assert_eq!(expired_at_ms(false), [60_000.0]);
    // ... and 60 s after the move on a FIFO queue.
    let fifo = expired_at_ms(true);
    assert_eq!(fifo.len(), 1, "{fifo:?}");
    assert!((90_000.0..91_000.0).contains(&fifo[0]), "{fifo:?}");
}

/// Messages nothing receives expire at the end of the queue's retention period (they used to stay until a
/// receive that never came): each is dropped at its own moment, a delayed one too, and the queue is empty
/// afterwards.
#[test]
fn unread_messages_expire_when_their_retention_period_ends() {
    let text = r#"{
      "format": "eventflow/1",
      "name": "retention",
      "settings": { "seed": 1, "until_s": 200, "hop_latency_ms": { "dist": "fixed", "value": 0 } },
      "resources": {
        "Parked": { "type": "queue", "retention_s": 60, "delay_s": 5 },
        "Slow": { "type": "queue", "retention_s": 60, "delay_s": 900 }
      },
      "traffic": [
        { "to": "Parked", "at_s": 0, "message": { "body": "a" } },
        { "to": "Parked", "at_s": 10, "message": { "body": "b" } },
        { "to": "Parked", "at_s": 100, "message": { "body": "c" } },
        { "to": "Slow", "at_s": 130, "message": { "body": "d" } }
      ]
    }"#;
    let sc = crate::scenario::load_str(text, "retention.json", None).expect("loads");
    let queue = sc.find("Parked").expect("Parked");
    let slow = sc.find("Slow").expect("Slow");
    let mut sim = Sim::new(
        Arc::new(sc),
        SimOptions {
            seed: None,
            trace: true,
        },
    );
    sim.run_until(120_000_000);
    let live = sim.live(queue);
    assert_eq!(
        (live.visible, live.delayed),
        (1, 0),
        "a and b expired, c waits"
    );
    sim.run_until(200_000_000);
    let expired_at_ms: Vec<f64> = sim
        .take_trace()
        .iter()
        .map(|r| serde_json::to_value(r).expect("a record serialises"))
        .filter(|r| r["kind"] == "drop" && r["reason"] == "message expired (retention period)")
        .filter_map(|r| r["t_ms"].as_f64())
        .collect();
    // d expires while still delayed (900 s delay, 60 s retention).
    assert_eq!(expired_at_ms, [60_000.0, 70_000.0, 160_000.0, 190_000.0]);
    for q in [queue, slow] {
        let live = sim.live(q);
        assert_eq!((live.visible, live.delayed, live.in_flight), (0, 0, 0));
    }
}
