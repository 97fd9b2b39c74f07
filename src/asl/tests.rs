//! Tests of the ASL interpreter: data-driven tables per state type, data-flow step, Choice operator,
//! intrinsic function and validation error, plus retry timing, catch routing, Parallel/Map ordering with
//! out-of-order completions, timeouts, limits, and a never-panic test over generated definitions.

use super::path::Path;
use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

fn ctx() -> ExecContext {
    ExecContext::new(
        "arn:aws:states:us-east-1:123456789012:stateMachine:Demo",
        "exec-1",
        t0(),
        42,
    )
}

/// A task call seen by the test engine.
#[derive(Debug, Clone, PartialEq)]
struct Call {
    target: String,
    payload: Value,
    at_ms: i64,
}

type Reply = (i64, Result<Value, (String, String)>);

struct Run {
    status: ExecStatus,
    timers: Vec<u64>,
    calls: Vec<Call>,
    history: Vec<HistoryEvent>,
    end_ms: i64,
}

/// A tiny discrete-event engine: tasks answer after the handler's latency, timers fire after their delay.
fn run_with(def: Value, input: Value, handler: impl FnMut(&Call) -> Reply) -> Run {
    run_limited(def, input, None, handler)
}

/// [`run_with`] under a workflow type's maximum duration.
fn run_limited(
    def: Value,
    input: Value,
    max_duration: Option<MaxDuration>,
    mut handler: impl FnMut(&Call) -> Reply,
) -> Run {
    let def = Arc::new(Definition::parse(&def).unwrap_or_else(|e| panic!("definition: {e}")));
    let (mut ex, first) = Execution::start_with_max_duration(def, input, ctx(), max_duration);
    let mut heap: BinaryHeap<Reverse<(i64, u64, u64, u8)>> = BinaryHeap::new();
    let mut results: std::collections::HashMap<u64, Result<Value, (String, String)>> =
        Default::default();
    let mut seq = 0u64;
    let mut now = 0i64;
    let mut timers = Vec::new();
    let mut calls = Vec::new();
    let mut finished = 0;
    let mut pending = first;
    for _ in 0..100_000 {
        for a in std::mem::take(&mut pending) {
            seq += 1;
            match a {
                Action::InvokeLambda {
                    token,
                    function,
                    payload,
                } => {
                    let c = Call {
                        target: function,
                        payload,
                        at_ms: now,
                    };
                    let (lat, r) = handler(&c);
                    calls.push(c);
                    results.insert(token, r);
                    heap.push(Reverse((now + lat, seq, token, 0)));
                }
                Action::ServiceCall {
                    token,
                    service,
                    api,
                    parameters,
                } => {
                    let c = Call {
                        target: format!("{service}:{api}"),
                        payload: parameters,
                        at_ms: now,
                    };
                    let (lat, r) = handler(&c);
                    calls.push(c);
                    results.insert(token, r);
                    heap.push(Reverse((now + lat, seq, token, 0)));
                }
                Action::Timer { token, delay_ms } => {
                    timers.push(delay_ms);
                    heap.push(Reverse((now + delay_ms as i64, seq, token, 1)));
                }
                Action::Finished => finished += 1,
            }
        }
        let Some(Reverse((at, _, token, kind))) = heap.pop() else {
            break;
        };
        now = at;
        ex.set_now(t0() + Duration::milliseconds(now));
        pending = if kind == 1 {
            ex.timer_fired(token)
        } else {
            match results.remove(&token) {
                Some(Ok(v)) => ex.task_succeeded(token, v),
                Some(Err((e, c))) => ex.task_failed(token, &e, &c),
                None => Vec::new(),
            }
        };
    }
    assert!(finished <= 1, "Finished emitted {finished} times");
    if ex.status() != ExecStatus::Running {
        assert_eq!(finished, 1, "Finished must be emitted once");
    }
    Run {
        status: ex.status(),
        timers,
        calls,
        history: ex.history().to_vec(),
        end_ms: now,
    }
}

/// Echo handler: every task returns its payload after 10 ms.
fn echo(c: &Call) -> Reply {
    (10, Ok(c.payload.clone()))
}

fn ok(r: &Run) -> Value {
    match &r.status {
        ExecStatus::Succeeded(v) => v.clone(),
        other => panic!("expected success, got {other:?}"),
    }
}

fn failed(r: &Run) -> (String, String) {
    match &r.status {
        ExecStatus::Failed { error, cause } => (error.clone(), cause.clone()),
        other => panic!("expected failure, got {other:?}"),
    }
}

/// The error and cause of an execution that ran past its time limit.
fn timed_out(r: &Run) -> (String, String) {
    match &r.status {
        ExecStatus::TimedOut { error, cause } => (error.clone(), cause.clone()),
        other => panic!("expected a time-out, got {other:?}"),
    }
}

fn one_state(state: Value) -> Value {
    json!({"StartAt": "S", "States": {"S": state}})
}

const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:Work";

// ---------------------------------------------------------------- paths

#[test]
fn path_table() {
    let doc =
        json!({"a": {"b": [10, 20, {"c": "x"}], "d e": 1}, "list": [{"v": 1}, {"v": 2}, {"w": 3}]});
    let cases: &[(&str, Option<Value>)] = &[
        ("$", Some(doc.clone())),
        ("$.a.b[0]", Some(json!(10))),
        ("$.a.b[-1].c", Some(json!("x"))),
        ("$['a']['d e']", Some(json!(1))),
        ("$.list[*].v", Some(json!([1, 2]))),
        ("$.list[0:2].v", Some(json!([1, 2]))),
        ("$..v", Some(json!([1, 2]))),
        ("$.list[0,2]", Some(json!([{"v": 1}, {"w": 3}]))),
        ("$.a.missing", None),
        ("$.a.b[9]", None),
    ];
    for (p, want) in cases {
        let got = Path::parse(p)
            .unwrap_or_else(|e| panic!("{e}"))
            .select(&doc, &Value::Null)
            .ok();
        assert_eq!(&got, want, "path {p}");
    }
    for bad in ["a.b", "$.", "$[", "$[?(@.v>1)]", "$..", "$[1:2:0]"] {
        assert!(Path::parse(bad).is_err(), "{bad} should not parse");
    }
    assert!(Path::parse_reference("$.a[*]").is_err());
}

#[test]
fn reference_path_set() {
    let p = Path::parse_reference("$.x.y.z").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        p.set(json!({"a": 1}), json!(5)),
        Ok(json!({"a": 1, "x": {"y": {"z": 5}}}))
    );
    assert!(p.set(json!({"x": "str"}), json!(5)).is_err());
    let q = Path::parse_reference("$.arr[1]").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        q.set(json!({"arr": [0, 0]}), json!(7)),
        Ok(json!({"arr": [0, 7]}))
    );
    assert!(q.set(json!({"arr": []}), json!(7)).is_err());
}

// ---------------------------------------------------------------- data flow (AWS doc examples)

#[test]
fn input_path_parameters_result_selector_examples() {
    // InputPath selects a sub-document.
    let input = json!({"comment": "Example for InputPath.", "dataset1": {"val1": 1, "val2": 2, "val3": 3},
                       "dataset2": {"val1": "a", "val2": "b", "val3": "c"}});
    let r = run_with(
        one_state(json!({"Type": "Pass", "InputPath": "$.dataset2", "End": true})),
        input,
        echo,
    );
    assert_eq!(ok(&r), json!({"val1": "a", "val2": "b", "val3": "c"}));

    // Parameters with static and `.$` fields.
    let input = json!({"comment": "Example for Parameters.", "product": {"details": {"color": "blue", "size": "small",
        "material": "cotton"}, "availability": "in stock", "sku": "2317", "cost": "$23"}});
    let params = json!({"comment": "Selecting what I care about.", "MyDetails": {"size.$": "$.product.details.size",
        "exists.$": "$.product.availability", "StaticValue": "foo"}});
    let r = run_with(
        one_state(json!({"Type": "Pass", "Parameters": params, "End": true})),
        input,
        echo,
    );
    assert_eq!(
        ok(&r),
        json!({"comment": "Selecting what I care about.", "MyDetails": {"size": "small", "exists": "in stock", "StaticValue": "foo"}})
    );

    // ResultSelector shapes a task result, ResultPath puts it into the input.
    let result = json!({"resourceType": "elasticmapreduce", "resource": "createCluster.sync",
        "output": {"SdkHttpMetadata": {"HttpStatusCode": 200}, "SdkResponseMetadata": {"RequestId": "1234"},
                   "ClusterId": "AKIAIOSFODNN7EXAMPLE"}});
    let def = one_state(
        json!({"Type": "Task", "Resource": "arn:aws:states:::elasticmapreduce:createCluster.sync",
        "ResultSelector": {"ClusterId.$": "$.output.ClusterId", "ResourceType.$": "$.resourceType"},
        "ResultPath": "$.EMROutput", "End": true}),
    );
    let r = run_with(def, json!({"Name": "MyWorkflowCluster"}), |c| {
        assert_eq!(c.target, "elasticmapreduce:createCluster.sync");
        (5, Ok(result.clone()))
    });
    assert_eq!(
        ok(&r),
        json!({"Name": "MyWorkflowCluster", "EMROutput": {"ClusterId": "AKIAIOSFODNN7EXAMPLE", "ResourceType": "elasticmapreduce"}})
    );

    // Flattening an array of arrays with ResultSelector.
    let def = one_state(
        json!({"Type": "Task", "Resource": FN, "ResultSelector": {"flat.$": "$[*][*]"}, "End": true}),
    );
    let r = run_with(def, json!({}), |_| (1, Ok(json!([[1, 2, 3], [4, 5, 6]]))));
    assert_eq!(ok(&r), json!({"flat": [1, 2, 3, 4, 5, 6]}));
}

#[test]
fn result_path_examples() {
    let input = json!({"comment": "This is a test of the input and output of a Task state.", "details": "Default example",
                       "who": "AWS Step Functions"});
    let hello = |_: &Call| (10, Ok(json!("Hello, AWS Step Functions!")));
    let cases = [
        (json!("$"), json!("Hello, AWS Step Functions!")),
        (Value::Null, input.clone()),
        (json!("$.taskresult"), {
            let mut v = input.clone();
            v["taskresult"] = json!("Hello, AWS Step Functions!");
            v
        }),
        (json!("$.strings.lambdaresult"), {
            let mut v = input.clone();
            v["strings"] = json!({"lambdaresult": "Hello, AWS Step Functions!"});
            v
        }),
        (json!("$.details"), {
            let mut v = input.clone();
            v["details"] = json!("Hello, AWS Step Functions!");
            v
        }),
    ];
    for (rp, want) in cases {
        let def = one_state(json!({"Type": "Task", "Resource": FN, "ResultPath": rp, "End": true}));
        assert_eq!(
            ok(&run_with(def, input.clone(), hello)),
            want,
            "ResultPath {rp}"
        );
    }
    // OutputPath after ResultPath; OutputPath null gives {}.
    let def = one_state(
        json!({"Type": "Task", "Resource": FN, "ResultPath": "$.r", "OutputPath": "$.r", "End": true}),
    );
    assert_eq!(
        ok(&run_with(def, input.clone(), hello)),
        json!("Hello, AWS Step Functions!")
    );
    let def =
        one_state(json!({"Type": "Pass", "OutputPath": null, "InputPath": null, "End": true}));
    assert_eq!(ok(&run_with(def, input.clone(), hello)), json!({}));
}

#[test]
fn data_flow_failures() {
    // Missing InputPath → States.Runtime, not caught by States.ALL.
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": FN, "InputPath": "$.nope", "End": true,
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}]},
        "C": {"Type": "Succeed"}}});
    assert_eq!(failed(&run_with(def, json!({}), echo)).0, "States.Runtime");
    // Missing Parameters path → States.Runtime.
    let def = one_state(json!({"Type": "Pass", "Parameters": {"x.$": "$.missing"}, "End": true}));
    let (e, c) = failed(&run_with(def, json!({}), echo));
    assert_eq!(e, "States.Runtime");
    assert!(c.contains("x.$"), "{c}");
    // ResultPath into a string → States.ResultPathMatchFailure, catchable.
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": FN, "ResultPath": "$.a.b", "Next": "End",
              "Catch": [{"ErrorEquals": ["States.ResultPathMatchFailure"], "ResultPath": "$.err", "Next": "C"}]},
        "End": {"Type": "Succeed"},
        "C": {"Type": "Pass", "End": true}}});
    let out = ok(&run_with(def, json!({"a": "str"}), echo));
    assert_eq!(out["err"]["Error"], "States.ResultPathMatchFailure");
    assert_eq!(out["a"], "str");
}

#[test]
fn context_object() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {
        "exec.$": "$$.Execution.Name", "id.$": "$$.Execution.Id", "state.$": "$$.State.Name",
        "sm.$": "$$.StateMachine.Name", "input.$": "$$.Execution.Input.k", "start.$": "$$.Execution.StartTime",
        "retries.$": "$$.State.RetryCount"}, "End": true}}});
    let out = ok(&run_with(def, json!({"k": 7}), echo));
    assert_eq!(
        out,
        json!({"exec": "exec-1", "id": "arn:aws:states:us-east-1:123456789012:execution:Demo:exec-1", "state": "P",
               "sm": "Demo", "input": 7, "start": "2024-01-01T00:00:00.000Z", "retries": 0})
    );
}

// ---------------------------------------------------------------- state types

#[test]
fn pass_states_table() {
    let cases = [
        (
            json!({"Type": "Pass", "End": true}),
            json!({"a": 1}),
            json!({"a": 1}),
        ),
        (
            json!({"Type": "Pass", "Result": {"x": 1}, "End": true}),
            json!({"a": 1}),
            json!({"x": 1}),
        ),
        (
            json!({"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.r", "End": true}),
            json!({"a": 1}),
            json!({"a": 1, "r": {"x": 1}}),
        ),
        (
            json!({"Type": "Pass", "Result": 5, "ResultPath": null, "End": true}),
            json!({"a": 1}),
            json!({"a": 1}),
        ),
        (
            json!({"Type": "Pass", "Parameters": {"b.$": "$.a"}, "ResultPath": "$.p", "End": true}),
            json!({"a": 1}),
            json!({"a": 1, "p": {"b": 1}}),
        ),
        (
            json!({"Type": "Pass", "Parameters": {"list": [{"v.$": "$.a"}, 2]}, "End": true}),
            json!({"a": 1}),
            json!({"list": [{"v": 1}, 2]}),
        ),
    ];
    for (state, input, want) in cases {
        assert_eq!(
            ok(&run_with(one_state(state.clone()), input, echo)),
            want,
            "{state}"
        );
    }
}

#[test]
fn succeed_and_fail_states() {
    assert_eq!(
        ok(&run_with(
            one_state(json!({"Type": "Succeed", "OutputPath": "$.a"})),
            json!({"a": 3}),
            echo
        )),
        json!(3)
    );
    let r = run_with(
        one_state(json!({"Type": "Fail", "Error": "MyError", "Cause": "because"})),
        json!({}),
        echo,
    );
    assert_eq!(failed(&r), ("MyError".to_string(), "because".to_string()));
    let r = run_with(
        one_state(
            json!({"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('code {}', $.n)"}),
        ),
        json!({"e": "Dyn", "n": 4}),
        echo,
    );
    assert_eq!(failed(&r), ("Dyn".to_string(), "code 4".to_string()));
}

#[test]
fn wait_state_table() {
    let cases = [
        (
            json!({"Type": "Wait", "Seconds": 5, "End": true}),
            json!({}),
            5000u64,
        ),
        (
            json!({"Type": "Wait", "SecondsPath": "$.s", "End": true}),
            json!({"s": 3}),
            3000,
        ),
        (
            json!({"Type": "Wait", "Timestamp": "2024-01-01T00:01:00Z", "End": true}),
            json!({}),
            60_000,
        ),
        (
            json!({"Type": "Wait", "TimestampPath": "$.t", "End": true}),
            json!({"t": "2024-01-01T00:00:02.5Z"}),
            2500,
        ),
        (
            json!({"Type": "Wait", "Timestamp": "2023-01-01T00:00:00Z", "End": true}),
            json!({}),
            0,
        ),
    ];
    for (state, input, delay) in cases {
        let r = run_with(one_state(state.clone()), input.clone(), echo);
        assert_eq!(r.timers, vec![delay], "{state}");
        assert_eq!(ok(&r), input);
        assert_eq!(r.end_ms, delay as i64);
    }
    let r = run_with(
        one_state(json!({"Type": "Wait", "SecondsPath": "$.s", "End": true})),
        json!({"s": "x"}),
        echo,
    );
    assert_eq!(failed(&r).0, "States.Runtime");
}

#[test]
fn choice_operators_table() {
    let input = json!({"s": "banana", "n": 10, "f": 2.5, "b": true, "t": "2024-01-01T00:00:00Z", "nul": null,
                       "other": "banana", "m": 10, "later": "2025-01-01T00:00:00Z"});
    let cases: Vec<(Value, bool)> = vec![
        (json!({"Variable": "$.s", "StringEquals": "banana"}), true),
        (json!({"Variable": "$.s", "StringEquals": "apple"}), false),
        (json!({"Variable": "$.s", "StringLessThan": "cherry"}), true),
        (
            json!({"Variable": "$.s", "StringGreaterThan": "apple"}),
            true,
        ),
        (
            json!({"Variable": "$.s", "StringLessThanEquals": "banana"}),
            true,
        ),
        (
            json!({"Variable": "$.s", "StringGreaterThanEquals": "bananas"}),
            false,
        ),
        (
            json!({"Variable": "$.s", "StringEqualsPath": "$.other"}),
            true,
        ),
        (json!({"Variable": "$.s", "StringMatches": "ba*na"}), true),
        (json!({"Variable": "$.s", "StringMatches": "*nan*"}), true),
        (json!({"Variable": "$.s", "StringMatches": "b*x"}), false),
        (json!({"Variable": "$.n", "NumericEquals": 10}), true),
        (json!({"Variable": "$.n", "NumericEquals": 10.0}), true),
        (json!({"Variable": "$.n", "NumericLessThan": 10}), false),
        (
            json!({"Variable": "$.n", "NumericLessThanEquals": 10}),
            true,
        ),
        (json!({"Variable": "$.f", "NumericGreaterThan": 2}), true),
        (
            json!({"Variable": "$.f", "NumericGreaterThanEquals": 2.5}),
            true,
        ),
        (json!({"Variable": "$.n", "NumericEqualsPath": "$.m"}), true),
        (
            json!({"Variable": "$.n", "NumericGreaterThanPath": "$.f"}),
            true,
        ),
        (json!({"Variable": "$.s", "NumericEquals": 10}), false),
        (json!({"Variable": "$.b", "BooleanEquals": true}), true),
        (json!({"Variable": "$.b", "BooleanEqualsPath": "$.b"}), true),
        (
            json!({"Variable": "$.t", "TimestampEquals": "2024-01-01T00:00:00.000Z"}),
            true,
        ),
        (
            json!({"Variable": "$.t", "TimestampLessThan": "2024-06-01T00:00:00Z"}),
            true,
        ),
        (
            json!({"Variable": "$.t", "TimestampGreaterThanPath": "$.later"}),
            false,
        ),
        (
            json!({"Variable": "$.t", "TimestampLessThanEqualsPath": "$.later"}),
            true,
        ),
        (
            json!({"Variable": "$.t", "TimestampGreaterThanEquals": "2024-01-01T00:00:00Z"}),
            true,
        ),
        (json!({"Variable": "$.nul", "IsNull": true}), true),
        (json!({"Variable": "$.s", "IsNull": false}), true),
        (json!({"Variable": "$.zzz", "IsPresent": false}), true),
        (json!({"Variable": "$.s", "IsPresent": true}), true),
        (json!({"Variable": "$.n", "IsNumeric": true}), true),
        (json!({"Variable": "$.s", "IsString": true}), true),
        (json!({"Variable": "$.b", "IsBoolean": true}), true),
        (json!({"Variable": "$.t", "IsTimestamp": true}), true),
        (json!({"Variable": "$.s", "IsTimestamp": true}), false),
        (
            json!({"And": [{"Variable": "$.n", "NumericEquals": 10}, {"Variable": "$.b", "BooleanEquals": true}]}),
            true,
        ),
        (
            json!({"And": [{"Variable": "$.n", "NumericEquals": 10}, {"Variable": "$.b", "BooleanEquals": false}]}),
            false,
        ),
        (
            json!({"Or": [{"Variable": "$.n", "NumericEquals": 1}, {"Variable": "$.b", "BooleanEquals": true}]}),
            true,
        ),
        (
            json!({"Not": {"Variable": "$.s", "StringEquals": "banana"}}),
            false,
        ),
    ];
    for (rule, want) in cases {
        let mut choice = rule.clone();
        choice["Next"] = json!("Yes");
        let def = json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [choice], "Default": "No"},
            "Yes": {"Type": "Pass", "Result": "yes", "End": true},
            "No": {"Type": "Pass", "Result": "no", "End": true}}});
        let got = ok(&run_with(def, input.clone(), echo));
        assert_eq!(got, json!(if want { "yes" } else { "no" }), "rule {rule}");
    }
}

#[test]
fn choice_no_match_and_missing_variable() {
    let def = json!({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Y"}]},
        "Y": {"Type": "Succeed"}}});
    assert_eq!(
        failed(&run_with(def.clone(), json!({"n": 2}), echo)).0,
        "States.NoChoiceMatched"
    );
    assert_eq!(failed(&run_with(def, json!({}), echo)).0, "States.Runtime");
}

// ---------------------------------------------------------------- tasks, retry, catch

#[test]
fn retry_backoff_delays() {
    let cases: Vec<(Value, Vec<u64>)> = vec![
        (
            json!({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 4, "BackoffRate": 2}),
            vec![1000, 2000, 4000, 8000],
        ),
        (
            json!({"ErrorEquals": ["States.ALL"]}),
            vec![1000, 2000, 4000],
        ),
        (
            json!({"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 5, "MaxDelaySeconds": 3}),
            vec![1000, 2000, 3000, 3000, 3000],
        ),
        (
            json!({"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 1.5}),
            vec![2000, 3000, 4500],
        ),
        (
            json!({"ErrorEquals": ["States.ALL"], "MaxAttempts": 0}),
            vec![],
        ),
        (json!({"ErrorEquals": ["Other"]}), vec![]),
    ];
    for (retrier, want) in cases {
        let def =
            one_state(json!({"Type": "Task", "Resource": FN, "Retry": [retrier], "End": true}));
        let r = run_with(def, json!({}), |_| (0, Err(("Boom".into(), "bad".into()))));
        assert_eq!(r.timers, want, "retrier {retrier}");
        assert_eq!(r.calls.len(), want.len() + 1);
        assert_eq!(failed(&r), ("Boom".to_string(), "bad".to_string()));
    }
    // Success after two failures: the third attempt succeeds.
    let mut n = 0;
    let def = one_state(
        json!({"Type": "Task", "Resource": FN, "Retry": [{"ErrorEquals": ["Boom"]}], "End": true}),
    );
    let r = run_with(def, json!({"x": 1}), |c| {
        n += 1;
        if n < 3 {
            (0, Err(("Boom".into(), String::new())))
        } else {
            (0, Ok(c.payload.clone()))
        }
    });
    assert_eq!(ok(&r), json!({"x": 1}));
    assert_eq!(r.timers, vec![1000, 2000]);
    assert_eq!(
        r.calls.iter().map(|c| c.at_ms).collect::<Vec<_>>(),
        vec![0, 1000, 3000]
    );
}

#[test]
fn retry_full_jitter_is_bounded_and_deterministic() {
    let def = one_state(json!({"Type": "Task", "Resource": FN, "End": true,
        "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 4, "MaxAttempts": 3, "JitterStrategy": "FULL"}]}));
    let a = run_with(def.clone(), json!({}), |_| {
        (0, Err(("E".into(), String::new())))
    });
    let b = run_with(def, json!({}), |_| (0, Err(("E".into(), String::new()))));
    assert_eq!(a.timers, b.timers);
    assert_eq!(a.timers.len(), 3);
    for (got, cap) in a.timers.iter().zip([4000, 8000, 16000]) {
        assert!(*got <= cap, "{got} > {cap}");
    }
}

#[test]
fn first_matching_retrier_then_catchers() {
    // The first matching retrier is exhausted: later retriers are not consulted; the catcher applies.
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": FN, "Next": "Done",
              "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1}, {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}],
              "Catch": [{"ErrorEquals": ["Other"], "Next": "Wrong"},
                        {"ErrorEquals": ["Boom"], "ResultPath": "$.error", "Next": "Handler"}]},
        "Done": {"Type": "Succeed"},
        "Wrong": {"Type": "Fail", "Error": "Wrong"},
        "Handler": {"Type": "Pass", "End": true}}});
    let r = run_with(def, json!({"order": 1}), |_| {
        (0, Err(("Boom".into(), "it broke".into())))
    });
    assert_eq!(r.timers, vec![1000]);
    assert_eq!(
        ok(&r),
        json!({"order": 1, "error": {"Error": "Boom", "Cause": "it broke"}})
    );
    assert!(
        r.history
            .iter()
            .any(|h| matches!(&h.kind, HistoryKind::ErrorCaught { next, .. } if next == "Handler"))
    );
}

#[test]
fn catch_matching_table() {
    // (ErrorEquals of the only catcher, error raised, caught?)
    let cases = [
        (vec!["States.ALL"], "Custom", true),
        (vec!["States.TaskFailed"], "Lambda.Unknown", true),
        (vec!["States.TaskFailed"], "States.Timeout", false),
        (vec!["States.Timeout"], "States.Timeout", true),
        (vec!["A", "B"], "B", true),
        (vec!["A"], "a", false),
    ];
    for (errs, raised, caught) in cases {
        let def = json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": FN, "End": true, "TimeoutSeconds": 5,
                  "Catch": [{"ErrorEquals": errs, "Next": "H"}]},
            "H": {"Type": "Pass", "Result": "caught", "End": true}}});
        let r = run_with(def, json!({}), |_| {
            if raised == "States.Timeout" {
                (10_000, Ok(json!("late")))
            } else {
                (0, Err((raised.into(), "c".into())))
            }
        });
        if caught {
            assert_eq!(ok(&r), json!("caught"), "{errs:?} vs {raised}");
        } else {
            assert_eq!(failed(&r).0, raised, "{errs:?} vs {raised}");
        }
    }
}

#[test]
fn task_timeout_ignores_late_result() {
    let def = Arc::new(
        Definition::parse(&one_state(
            json!({"Type": "Task", "Resource": FN, "TimeoutSeconds": 2, "End": true}),
        ))
        .unwrap_or_else(|e| panic!("{e}")),
    );
    let (mut ex, actions) = Execution::start(def, json!({}), ctx());
    let (task, timer) = match actions.as_slice() {
        [
            Action::InvokeLambda { token: a, .. },
            Action::Timer {
                token: b,
                delay_ms: 2000,
            },
        ] => (*a, *b),
        other => panic!("{other:?}"),
    };
    ex.set_now(t0() + Duration::seconds(2));
    assert_eq!(ex.timer_fired(timer), vec![Action::Finished]);
    assert_eq!(
        ex.status(),
        ExecStatus::Failed {
            error: "States.Timeout".into(),
            cause: "the task 'S' timed out".into()
        }
    );
    assert!(ex.task_succeeded(task, json!(1)).is_empty());
    assert!(ex.timer_fired(timer).is_empty());
    assert!(ex.task_failed(999, "x", "y").is_empty());
}

#[test]
fn result_before_timeout_cancels_it() {
    let def = one_state(json!({"Type": "Task", "Resource": FN, "TimeoutSeconds": 2, "End": true}));
    let r = run_with(def, json!({"a": 1}), echo);
    assert_eq!(ok(&r), json!({"a": 1}));
}

#[test]
fn execution_timeout() {
    let def = json!({"TimeoutSeconds": 3, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": true}}});
    let r = run_with(def, json!({}), echo);
    assert_eq!(timed_out(&r).0, "States.Timeout");
    assert!(matches!(
        r.history.last().map(|h| &h.kind),
        Some(HistoryKind::ExecutionTimedOut { .. })
    ));
    let last = r.history.last().map(|h| h.time);
    assert_eq!(last, Some(t0() + Duration::seconds(3)));
}

#[test]
fn workflow_maximum_duration_ends_the_execution_unless_timeout_seconds_is_earlier() {
    let express = Some(MaxDuration {
        seconds: 300,
        workflow: "Express",
    });
    let wait = |seconds: u64, timeout: Option<u64>| {
        let mut def = json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "End": true}}});
        if let Some(t) = timeout {
            def["TimeoutSeconds"] = json!(t);
        }
        def
    };
    // Past the maximum: States.Timeout at 300 s, the cause naming the workflow type.
    let r = run_limited(wait(301, None), json!({}), express, echo);
    let (error, cause) = timed_out(&r);
    assert_eq!(error, "States.Timeout");
    assert!(
        cause.contains("Express") && cause.contains("300"),
        "{cause}"
    );
    let ended = |r: &Run| r.history.last().map(|h| h.time);
    assert_eq!(ended(&r), Some(t0() + Duration::seconds(300)));
    // Within it: succeeds.
    let r = run_limited(wait(299, None), json!({}), express, echo);
    assert_eq!(ok(&r), json!({}));
    // A shorter TimeoutSeconds wins, with its own cause; a longer one is cut to the maximum.
    let r = run_limited(wait(301, Some(10)), json!({}), express, echo);
    assert_eq!(ended(&r), Some(t0() + Duration::seconds(10)));
    assert!(timed_out(&r).1.contains("timed out after 10 seconds"));
    let r = run_limited(wait(1000, Some(600)), json!({}), express, echo);
    assert_eq!(ended(&r), Some(t0() + Duration::seconds(300)));
    assert!(timed_out(&r).1.contains("Express"));
    // No maximum (Standard): the same Wait succeeds.
    let r = run_limited(wait(301, None), json!({}), None, echo);
    assert_eq!(ok(&r), json!({}));
}

#[test]
fn lambda_invoke_wraps_and_resolves_function_names() {
    let cases = [
        ("MyFn", "MyFn", "$LATEST"),
        ("MyFn:prod", "MyFn", "$LATEST"),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:MyFn:$LATEST",
            "MyFn",
            "$LATEST",
        ),
        (
            "arn:aws:lambda:us-east-1:123456789012:function:MyFn:7",
            "MyFn",
            "7",
        ),
        ("123456789012:function:MyFn", "MyFn", "$LATEST"),
    ];
    for (fname, want_fn, want_version) in cases {
        let def = one_state(
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": fname, "Payload.$": "$"}, "End": true}),
        );
        let r = run_with(def, json!({"q": 1}), |c| {
            (3, Ok(json!({"echo": c.payload.clone()})))
        });
        assert_eq!(r.calls[0].target, want_fn);
        assert_eq!(r.calls[0].payload, json!({"q": 1}));
        let out = ok(&r);
        assert_eq!(out["Payload"], json!({"echo": {"q": 1}}));
        assert_eq!(out["StatusCode"], 200);
        assert_eq!(out["ExecutedVersion"], want_version);
        assert_eq!(out["SdkHttpMetadata"]["HttpStatusCode"], 200);
        assert!(out["SdkResponseMetadata"]["RequestId"].is_string());
    }
    // The common OutputPath "$.Payload"; a bare ARN returns the raw response.
    let def = one_state(
        json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "F", "Payload": {"k.$": "$.v"}}, "OutputPath": "$.Payload", "End": true}),
    );
    assert_eq!(ok(&run_with(def, json!({"v": 9}), echo)), json!({"k": 9}));
    let def = one_state(json!({"Type": "Task", "Resource": FN, "End": true}));
    assert_eq!(ok(&run_with(def, json!({"v": 9}), echo)), json!({"v": 9}));
}

#[test]
fn service_integrations_table() {
    let cases = [
        (
            "arn:aws:states:::sqs:sendMessage",
            json!({"QueueUrl": "https://q", "MessageBody.$": "$"}),
            "sqs:sendMessage",
        ),
        (
            "arn:aws:states:::sns:publish",
            json!({"TopicArn": "arn:t", "Message.$": "$.m"}),
            "sns:publish",
        ),
        (
            "arn:aws:states:::events:putEvents",
            json!({"Entries": [{"Detail.$": "$", "Source": "s"}]}),
            "events:putEvents",
        ),
        (
            "arn:aws:states:::dynamodb:putItem",
            json!({"TableName": "T", "Item": {"pk": {"S.$": "$.m"}}}),
            "dynamodb:putItem",
        ),
        (
            "arn:aws:states:::dynamodb:getItem",
            json!({"TableName": "T", "Key": {"pk": {"S": "1"}}}),
            "dynamodb:getItem",
        ),
    ];
    for (res, params, target) in cases {
        let def = one_state(
            json!({"Type": "Task", "Resource": res, "Parameters": params, "ResultPath": "$.r", "End": true}),
        );
        let r = run_with(def, json!({"m": "hi"}), |_| {
            (1, Ok(json!({"MessageId": "1"})))
        });
        assert_eq!(r.calls[0].target, target);
        assert_eq!(ok(&r)["r"], json!({"MessageId": "1"}));
    }
    let def = one_state(
        json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"QueueUrl": "q", "MessageBody.$": "$"}, "End": true}),
    );
    let r = run_with(def, json!({"m": 1}), |_| (1, Ok(json!({}))));
    assert_eq!(
        r.calls[0].payload,
        json!({"QueueUrl": "q", "MessageBody": {"m": 1}})
    );
    let d = Definition::parse(&json!({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": FN, "Next": "B"},
        "B": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "Other:1"}, "Next": "C"},
        "C": {"Type": "Task", "Resource": FN, "End": true}}}))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        d.task_resources(),
        vec![FN.to_string(), "arn:aws:states:::lambda:invoke".to_string()]
    );
    assert_eq!(
        d.lambda_functions(),
        vec!["Work".to_string(), "Other".to_string()]
    );
}

// ---------------------------------------------------------------- Parallel and Map

#[test]
fn parallel_output_in_branch_order_with_out_of_order_completion() {
    let def = one_state(json!({"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:lambda:r:1:function:Slow", "End": true}}},
        {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "arn:aws:lambda:r:1:function:Fast", "End": true}}},
        {"StartAt": "C", "States": {"C": {"Type": "Pass", "Result": "c", "End": true}}}]}));
    let r = run_with(def, json!({"x": 1}), |c| {
        let lat = if c.target == "Slow" { 100 } else { 1 };
        (lat, Ok(json!(c.target.clone())))
    });
    assert_eq!(ok(&r), json!(["Slow", "Fast", "c"]));
    // Both tasks were scheduled at t=0 (concurrently), in branch order.
    assert_eq!(
        r.calls
            .iter()
            .map(|c| (c.target.as_str(), c.at_ms))
            .collect::<Vec<_>>(),
        vec![("Slow", 0), ("Fast", 0)]
    );
}

#[test]
fn parallel_branch_failure_propagates_its_error() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "Next": "Ok", "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:lambda:r:1:function:Slow", "End": true}}},
        {"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "BranchBoom", "Cause": "b"}}}],
        "Catch": [{"ErrorEquals": ["BranchBoom"], "ResultPath": "$.e", "Next": "H"}]},
        "Ok": {"Type": "Succeed"},
        "H": {"Type": "Pass", "End": true}}});
    let r = run_with(def.clone(), json!({}), |_| (100, Ok(json!(1))));
    assert_eq!(ok(&r), json!({"e": {"Error": "BranchBoom", "Cause": "b"}}));
    // Uncaught: the execution fails with the branch's error.
    let mut d = def;
    d["States"]["P"].as_object_mut().map(|m| m.remove("Catch"));
    d["States"].as_object_mut().map(|m| m.remove("H"));
    assert_eq!(
        failed(&run_with(d, json!({}), |_| (100, Ok(json!(1))))),
        ("BranchBoom".into(), "b".into())
    );
}

#[test]
fn map_output_order_concurrency_and_item_selector() {
    let def = one_state(
        json!({"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "End": true,
        "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value", "tag.$": "$.tag"},
        "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": FN, "End": true}}}}),
    );
    // Item latency decreasing with index: later items finish first.
    let r = run_with(def, json!({"tag": "t", "items": [5, 4, 3, 2, 1]}), |c| {
        (
            c.payload["value"].as_i64().unwrap_or(0) * 10,
            Ok(json!(c.payload["index"].clone())),
        )
    });
    assert_eq!(ok(&r), json!([0, 1, 2, 3, 4]));
    assert_eq!(
        r.calls[0].payload,
        json!({"index": 0, "value": 5, "tag": "t"})
    );
    // With MaxConcurrency 2: items 0 (50 ms) and 1 (40 ms) start at 0; item 2 when item 1 ends (40), item 3 when
    // item 0 ends (50), item 4 when item 2 ends (70).
    let starts: Vec<i64> = r.calls.iter().map(|c| c.at_ms).collect();
    assert_eq!(starts, vec![0, 0, 40, 50, 70]);
}

#[test]
fn map_legacy_iterator_parameters_unlimited_and_empty() {
    let def = one_state(
        json!({"Type": "Map", "End": true, "Parameters": {"v.$": "$$.Map.Item.Value"},
        "Iterator": {"StartAt": "P", "States": {"P": {"Type": "Pass", "OutputPath": "$.v", "End": true}}},
        "ResultSelector": {"all.$": "$"}}),
    );
    assert_eq!(
        ok(&run_with(def.clone(), json!([1, 2, 3]), echo)),
        json!({"all": [1, 2, 3]})
    );
    assert_eq!(ok(&run_with(def, json!([]), echo)), json!({"all": []}));
    let def = one_state(json!({"Type": "Map", "End": true, "ItemsPath": "$.x",
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}));
    assert_eq!(
        failed(&run_with(def, json!({"x": 1}), echo)).0,
        "States.Runtime"
    );
}

#[test]
fn map_iteration_failure_is_retried_as_a_whole() {
    let mut calls = 0;
    let def = one_state(
        json!({"Type": "Map", "End": true, "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}],
        "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": FN, "End": true}}}}),
    );
    let r = run_with(def, json!([1, 2]), |c| {
        calls += 1;
        if calls == 2 {
            (5, Err(("E".into(), String::new())))
        } else {
            (5, Ok(c.payload.clone()))
        }
    });
    assert_eq!(ok(&r), json!([1, 2]));
    assert_eq!(r.calls.len(), 4);
    assert_eq!(r.timers, vec![1000]);
}

#[test]
fn nested_parallel_in_map() {
    let def = one_state(
        json!({"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": FN, "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Pass", "Result": "b", "End": true}}}]}}}}),
    );
    let r = run_with(def, json!([1, 2]), |c| {
        (10 - c.payload.as_i64().unwrap_or(0), Ok(c.payload.clone()))
    });
    assert_eq!(ok(&r), json!([[1, "b"], [2, "b"]]));
    assert!(r.history.iter().any(|h| h.scope == "S[1]/P#0"));
}

// ---------------------------------------------------------------- intrinsics

#[test]
fn intrinsic_functions_table() {
    let input = json!({"name": "Ana", "n": 3, "arr": [1, 2, 2, 3], "obj": {"a": 1, "b": {"x": 1}}, "obj2": {"b": {"y": 2}, "c": 3},
                       "json": "{\"k\":[1,2]}", "csv": "a,b,,c", "b64": "aGVsbG8="});
    let cases: Vec<(&str, Value)> = vec![
        (
            "States.Format('Hello, {}! n={}', $.name, $.n)",
            json!("Hello, Ana! n=3"),
        ),
        (
            "States.Format('literal \\{\\} {}', $.name)",
            json!("literal {} Ana"),
        ),
        ("States.StringToJson($.json)", json!({"k": [1, 2]})),
        (
            "States.JsonToString($.obj)",
            json!("{\"a\":1,\"b\":{\"x\":1}}"),
        ),
        (
            "States.Array($.n, 'x', true, null)",
            json!([3, "x", true, null]),
        ),
        ("States.ArrayPartition($.arr, 3)", json!([[1, 2, 2], [3]])),
        ("States.ArrayContains($.arr, 3)", json!(true)),
        ("States.ArrayContains($.arr, 9)", json!(false)),
        ("States.ArrayRange(1, 9, 3)", json!([1, 4, 7])),
        ("States.ArrayRange(5, 1, -2)", json!([5, 3, 1])),
        ("States.ArrayGetItem($.arr, 3)", json!(3)),
        ("States.ArrayLength($.arr)", json!(4)),
        ("States.ArrayUnique($.arr)", json!([1, 2, 3])),
        ("States.Base64Encode('hello')", json!("aGVsbG8=")),
        ("States.Base64Decode($.b64)", json!("hello")),
        (
            "States.Hash('abc', 'MD5')",
            json!("900150983cd24fb0d6963f7d28e17f72"),
        ),
        (
            "States.Hash('abc', 'SHA-1')",
            json!("a9993e364706816aba3e25717850c26c9cd0d89d"),
        ),
        (
            "States.Hash('abc', 'SHA-256')",
            json!("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ),
        (
            "States.Hash('abc', 'SHA-384')",
            json!(
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
            ),
        ),
        (
            "States.Hash('abc', 'SHA-512')",
            json!(
                "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
            ),
        ),
        (
            "States.JsonMerge($.obj, $.obj2, false)",
            json!({"a": 1, "b": {"y": 2}, "c": 3}),
        ),
        (
            "States.JsonMerge($.obj, $.obj2, true)",
            json!({"a": 1, "b": {"x": 1, "y": 2}, "c": 3}),
        ),
        ("States.MathAdd($.n, -5)", json!(-2)),
        ("States.MathAdd(1.5, 1)", json!(2.5)),
        ("States.StringSplit($.csv, ',')", json!(["a", "b", "c"])),
        (
            "States.StringSplit('This.is+a,test', '.+,')",
            json!(["This", "is", "a", "test"]),
        ),
        (
            "States.ArrayLength(States.Array(1, 2, States.Array(3)))",
            json!(3),
        ),
        ("States.MathRandom(5, 6)", json!(5)),
    ];
    for (expr, want) in cases {
        let def = one_state(json!({"Type": "Pass", "Parameters": {"r.$": expr}, "End": true}));
        assert_eq!(ok(&run_with(def, input.clone(), echo))["r"], want, "{expr}");
    }
    // Deterministic random values and UUIDs.
    let def = one_state(
        json!({"Type": "Pass", "Parameters": {"r.$": "States.MathRandom(0, 1000)", "u.$": "States.UUID()",
        "s.$": "States.MathRandom(0, 1000, 7)"}, "End": true}),
    );
    let a = ok(&run_with(def.clone(), json!({}), echo));
    let b = ok(&run_with(def, json!({}), echo));
    assert_eq!(a, b);
    let u = a["u"].as_str().unwrap_or_default();
    assert_eq!(u.len(), 36);
    assert_eq!(&u[14..15], "4");
    assert!(a["r"].as_i64().is_some_and(|r| (0..1000).contains(&r)));
    // Runtime failures.
    for expr in [
        "States.ArrayGetItem($.arr, 10)",
        "States.StringToJson('{bad')",
        "States.Format('{} {}', 'x')",
        "States.Hash('a', 'CRC')",
    ] {
        let def = one_state(json!({"Type": "Pass", "Parameters": {"r.$": expr}, "End": true}));
        assert_eq!(
            failed(&run_with(def, input.clone(), echo)).0,
            "States.IntrinsicFailure",
            "{expr}"
        );
    }
}

// ---------------------------------------------------------------- validation

#[test]
fn validation_errors_table() {
    let pass_end = json!({"Type": "Pass", "End": true});
    let cases: Vec<(Value, &str, &str)> = vec![
        (json!({"States": {"A": pass_end}}), "$", "StartAt"),
        (
            json!({"StartAt": "X", "States": {"A": pass_end}}),
            "StartAt",
            "not a state",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}}),
            "States.A.Next",
            "not a state",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass"}}}),
            "States.A",
            "Next",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Choice"}}}),
            "States.A",
            "Choices",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": []}}}),
            "States.A.Choices",
            "empty",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "StringEquals": 1, "Next": "A"}]}}}),
            "States.A.Choices[0].StringEquals",
            "wrong type",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "Next": "A"}]}}}),
            "States.A.Choices[0]",
            "exactly one operator",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Bogus"}}}),
            "States.A.Type",
            "unknown state type",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Wait", "End": true}}}),
            "States.A",
            "exactly one",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Fail", "InputPath": "$"}}}),
            "States.A.InputPath",
            "not supported",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "End": true}}}),
            "States.A",
            "Resource",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "nope", "End": true}}}),
            "States.A.Resource",
            "unsupported",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": FN, "End": true,
                "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]}}}),
            "States.A.Retry[0]",
            "last",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": FN, "End": true, "Retry": [{"ErrorEquals": ["X"], "BackoffRate": 0.5}]}}}),
            "States.A.Retry[0].BackoffRate",
            ">= 1.0",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": FN, "End": true, "Retry": [{"ErrorEquals": []}]}}}),
            "States.A.Retry[0].ErrorEquals",
            "non-empty",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": FN, "End": true, "Catch": [{"ErrorEquals": ["X"], "Next": "Z"}]}}}),
            "States.A.Catch[0].Next",
            "not a state",
        ),
        (
            json!({"StartAt": "A", "States": {"A": pass_end, "B": pass_end}}),
            "States.B",
            "not reachable",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Parameters": {"x.$": "nope"}}}}),
            "States.A.Parameters.x.$",
            "path",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Parameters": {"x.$": "States.Nope()"}}}}),
            "States.A.Parameters.x.$",
            "unknown intrinsic",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "ResultPath": "$.a[*]"}}}),
            "States.A.ResultPath",
            "reference",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Parallel", "End": true, "Branches": [{"StartAt": "Q", "States": {"B": pass_end}}]}}}),
            "States.A.Branches[0].StartAt",
            "not a state",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Map", "End": true, "ItemProcessor": {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "A"}}}}}}),
            "States.A.ItemProcessor.States.B.Next",
            "not a state",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true, "Assign": {}}}}),
            "States.A.Assign",
            "JSONata",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A", "End": true}}}),
            "States.A",
            "both",
        ),
        (
            json!({"StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": true, "Next": "A"}], "End": true}}}),
            "States.A.End",
            "not supported",
        ),
    ];
    for (def, path, msg) in cases {
        match Definition::parse(&def) {
            Ok(_) => panic!("expected an error for {def}"),
            Err(e) => {
                assert_eq!(e.path, path, "{def}: {e}");
                assert!(
                    e.message.contains(msg),
                    "{def}: '{}' should contain '{msg}'",
                    e.message
                );
            }
        }
    }
}

// ---------------------------------------------------------------- limits and robustness

#[test]
fn infinite_loop_hits_history_limit() {
    let def = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}});
    let r = run_with(def, json!({}), echo);
    let (e, c) = failed(&r);
    assert_eq!(e, "States.Runtime");
    assert!(c.contains("25000"), "{c}");
    assert!(r.history.len() <= MAX_HISTORY_EVENTS + 5);
}

/// A small deterministic generator for the never-panic test.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[(self.next() % xs.len() as u64) as usize]
    }
    fn value(&mut self, depth: usize) -> Value {
        match self.next() % if depth > 3 { 5 } else { 7 } {
            0 => Value::Null,
            1 => json!(self.next().is_multiple_of(3)),
            2 => json!((self.next() % 20) as i64 - 5),
            3 => json!(*self.pick(&["a", "b", "$.a", "2024-01-01T00:00:00Z", "States.ALL", ""])),
            4 => json!(1.5),
            5 => Value::Array(
                (0..self.next() % 4)
                    .map(|_| self.value(depth + 1))
                    .collect(),
            ),
            _ => {
                let mut m = serde_json::Map::new();
                for _ in 0..self.next() % 4 {
                    let k = self.pick(&["a", "b", "c", "items", "x.$", "s"]).to_string();
                    let v = if k.ends_with(".$") {
                        json!(*self.pick(PATHS))
                    } else {
                        self.value(depth + 1)
                    };
                    m.insert(k, v);
                }
                Value::Object(m)
            }
        }
    }
    fn state(&mut self, names: &[&str], idx: usize, depth: usize) -> Value {
        let chain = names.get(idx + 1).copied();
        let next = if self.next().is_multiple_of(4) {
            Some(*self.pick(names))
        } else {
            chain
        };
        let mut s = match self.next() % 9 {
            0 => {
                json!({"Type": "Pass", "Parameters": {"v.$": *self.pick(PATHS)}, "ResultPath": *self.pick(&["$.r", "$", "$.a.b"])})
            }
            1 => {
                json!({"Type": "Task", "Resource": *self.pick(&[FN, "arn:aws:states:::sqs:sendMessage"]), "TimeoutSeconds": 1 + self.next() % 3,
                        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": self.next() % 3, "JitterStrategy": "FULL"}],
                        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": *self.pick(names)}]})
            }
            2 => {
                let (op, val) = self
                    .pick(&[
                        ("NumericEquals", json!(1)),
                        ("IsPresent", json!(true)),
                        ("StringMatches", json!("a*")),
                        ("BooleanEqualsPath", json!("$.a")),
                        ("TimestampLessThanPath", json!("$.s")),
                    ])
                    .clone();
                json!({"Type": "Choice", "Default": next.unwrap_or("A"), "Choices": [
                    {"Variable": *self.pick(PATHS), op: val, "Next": *self.pick(names)}]})
            }
            3 => {
                let (f, v) = self
                    .pick(&[
                        ("Seconds", json!(1)),
                        ("SecondsPath", json!("$.a")),
                        ("TimestampPath", json!("$.s")),
                    ])
                    .clone();
                json!({"Type": "Wait", f: v})
            }
            4 if idx + 1 == names.len() => json!({"Type": "Succeed"}),
            5 if idx + 1 == names.len() => {
                json!({"Type": "Fail", "ErrorPath": *self.pick(PATHS), "Cause": "x"})
            }
            6 if depth < 3 => json!({"Type": "Parallel", "Branches": [self.machine(depth + 1)]}),
            7 if depth < 3 => {
                json!({"Type": "Map", "ItemsPath": *self.pick(&["$.items", "$", "$.a"]), "MaxConcurrency": self.next() % 3,
                                     "ItemSelector": {"i.$": "$$.Map.Item.Index"}, "ItemProcessor": self.machine(depth + 1)})
            }
            _ => json!({"Type": "Pass", "Parameters": {"v.$": *self.pick(INTRINSICS)}}),
        };
        if !matches!(s["Type"].as_str(), Some("Choice" | "Succeed" | "Fail")) {
            match next {
                Some(n) if !self.next().is_multiple_of(8) => s["Next"] = json!(n),
                _ => s["End"] = json!(true),
            }
        }
        if s["Type"] != "Fail" && self.next().is_multiple_of(5) {
            s["InputPath"] = json!(*self.pick(PATHS));
        }
        if s["Type"] != "Fail" && self.next().is_multiple_of(5) {
            s["OutputPath"] = json!(*self.pick(PATHS));
        }
        s
    }
    fn machine(&mut self, depth: usize) -> Value {
        let names = ["A", "B", "C"];
        let mut states = serde_json::Map::new();
        for (i, n) in names.iter().enumerate() {
            let st = self.state(&names, i, depth);
            states.insert(n.to_string(), st);
        }
        json!({"StartAt": "A", "States": states})
    }
}

const PATHS: &[&str] = &[
    "$",
    "$.a",
    "$.items[0]",
    "$.b.c",
    "$..a",
    "$$.Execution.Input",
    "$.items[*]",
    "$.s",
];
const INTRINSICS: &[&str] = &[
    "States.Format('{}', $.a)",
    "States.ArrayLength($.items)",
    "States.StringToJson($.s)",
    "States.MathAdd($.a, 1)",
    "States.ArrayRange(0, $.a, 1)",
    "States.Base64Decode($.s)",
    "States.JsonMerge($, $.b, true)",
    "States.ArrayPartition($.items, $.a)",
    "States.Hash($, 'SHA-256')",
];

#[test]
fn never_panics_on_generated_definitions_and_inputs() {
    let mut g = Gen(0x9E37_79B9_7F4A_7C15);
    let mut ran = 0;
    for _ in 0..400 {
        let mut def = g.machine(0);
        // Random mutation: drop or overwrite a field somewhere.
        if g.next().is_multiple_of(3) {
            let victim = *g.pick(&["A", "B", "C"]);
            let field = *g.pick(&[
                "Next",
                "Type",
                "End",
                "Retry",
                "Parameters",
                "Choices",
                "Branches",
            ]);
            if g.next().is_multiple_of(2) {
                def["States"][victim]
                    .as_object_mut()
                    .map(|m| m.remove(field));
            } else {
                def["States"][victim][field] = g.value(0);
            }
        }
        let input = {
            let mut v = g.value(0);
            if g.next().is_multiple_of(2) {
                v = json!({"a": g.value(1), "items": [1, {"a": 2}, "x"], "s": *g.pick(&["{\"a\":1}", "aGk=", "bad"]), "b": {"c": 1}});
            }
            v
        };
        let Ok(parsed) = Definition::parse(&def) else {
            continue;
        };
        ran += 1;
        let mut seed = g.next();
        let r = run_with(def, input, move |_| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let lat = (seed >> 33) as i64 % 3000;
            if (seed >> 20).is_multiple_of(3) {
                (lat, Err(("Boom".into(), "x".into())))
            } else {
                (lat, Ok(json!({"a": 1})))
            }
        });
        let _ = parsed.task_resources();
        assert!(r.history.len() <= MAX_HISTORY_EVENTS + 10);
    }
    assert!(ran > 100, "only {ran} generated definitions were valid");
    // Arbitrary JSON as a definition never panics either.
    for _ in 0..2000 {
        let v = g.value(0);
        let _ = Definition::parse(&v);
        let _ = Definition::parse(&json!({"StartAt": "A", "States": {"A": v}}));
    }
    for s in [
        "$[",
        "$..",
        "$['a",
        "$[1:2:3:4]",
        "$.a[-99999999999999999999]",
        "$[9223372036854775807:]",
        "$[::-9223372036854775808]",
    ] {
        if let Ok(p) = Path::parse(s) {
            let _ = p.select(&json!([1, 2, 3]), &Value::Null);
        }
    }
    for s in [
        "States.Format(",
        "States.Array('",
        "States.Array(1,,2)",
        "States.UUID(1)",
        "States.Array($.a[)",
        "States.X",
    ] {
        assert!(intrinsics::Call::parse(s).is_err(), "{s}");
    }
}

#[test]
fn heartbeat_must_be_smaller_than_timeout() {
    // States Language, Task state: "If provided, the "HeartbeatSeconds" interval MUST be smaller than the
    // "TimeoutSeconds" value" (issue 16 item 10).
    for (heartbeat, timeout, valid) in [(10, 10, false), (11, 10, false), (9, 10, true)] {
        let def = one_state(
            json!({"Type": "Task", "Resource": FN, "TimeoutSeconds": timeout,
            "HeartbeatSeconds": heartbeat, "End": true}),
        );
        match Definition::parse(&def) {
            Ok(_) => assert!(
                valid,
                "HeartbeatSeconds {heartbeat} with TimeoutSeconds {timeout} was accepted"
            ),
            Err(e) => {
                assert!(!valid, "{e}");
                assert_eq!(e.path, "States.S.HeartbeatSeconds");
                assert!(
                    e.message.contains("must be smaller than TimeoutSeconds"),
                    "{e}"
                );
            }
        }
    }
    // Only a heartbeat: Step Functions' default task timeout is far longer.
    let def =
        one_state(json!({"Type": "Task", "Resource": FN, "HeartbeatSeconds": 600, "End": true}));
    assert!(Definition::parse(&def).is_ok());
}

/// Issue 13: a state's exit records the path stages its input went through, in order, with their values — the
/// AWS documentation's InputPath → Parameters → ResultSelector → ResultPath → OutputPath example
/// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-example.html); a caught error's exit records
/// the error merged by the Catch's ResultPath.
#[test]
fn exits_record_the_path_stages() {
    let def = one_state(json!({"Type": "Task", "Resource": FN,
        "InputPath": "$.order",
        "Parameters": {"id.$": "$.id"},
        "ResultSelector": {"total.$": "$.sum"},
        "ResultPath": "$.priced",
        "OutputPath": "$.priced",
        "End": true}));
    let r = run_with(def, json!({"order": {"id": "o-1"}, "other": 1}), |_| {
        (5, Ok(json!({"sum": 42, "noise": true})))
    });
    assert_eq!(ok(&r), json!({"total": 42}));
    let stages = r
        .history
        .iter()
        .find_map(|h| match &h.kind {
            HistoryKind::StateExited { stages, .. } => Some(stages.clone()),
            _ => None,
        })
        .expect("the state exited");
    assert_eq!(
        stages,
        vec![
            ("InputPath", json!({"id": "o-1"})),
            ("Parameters", json!({"id": "o-1"})),
            ("Result", json!({"sum": 42, "noise": true})),
            ("ResultSelector", json!({"total": 42})),
            (
                "ResultPath",
                json!({"order": {"id": "o-1"}, "other": 1, "priced": {"total": 42}})
            ),
        ]
    );
    // A retry starts the stages again; a catch ends them with the error merged into the raw input.
    let def = json!({"StartAt": "T", "States": {
        "T": {"Type": "Task", "Resource": FN, "Next": "Done",
              "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 1, "IntervalSeconds": 1}],
              "Catch": [{"ErrorEquals": ["Boom"], "ResultPath": "$.error", "Next": "Done"}]},
        "Done": {"Type": "Pass", "Result": "ok", "ResultPath": "$.done", "End": true}}});
    let r = run_with(def, json!({"a": 1}), |_| {
        (5, Err(("Boom".to_string(), "bang".to_string())))
    });
    let exits: Vec<Vec<(&'static str, Value)>> = r
        .history
        .iter()
        .filter_map(|h| match &h.kind {
            HistoryKind::StateExited { stages, .. } => Some(stages.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        exits,
        vec![
            vec![
                ("InputPath", json!({"a": 1})),
                (
                    "ResultPath",
                    json!({"a": 1, "error": {"Error": "Boom", "Cause": "bang"}})
                ),
            ],
            vec![
                (
                    "InputPath",
                    json!({"a": 1, "error": {"Error": "Boom", "Cause": "bang"}})
                ),
                ("Result", json!("ok")),
                (
                    "ResultPath",
                    json!({"a": 1, "error": {"Error": "Boom", "Cause": "bang"}, "done": "ok"})
                ),
            ],
        ]
    );
}

// ---------------------------------------------------------------- callbacks (.waitForTaskToken)

const SEND_FOR_APPROVAL: &str = "arn:aws:states:::sqs:sendMessage.waitForTaskToken";

/// A callback task that sends its token through SQS, its result under `$.approval`, then `Done`; `extra`
/// fields are added to the task.
fn approval_def(extra: Value) -> Arc<Definition> {
    let mut task = json!({
        "Type": "Task",
        "Resource": SEND_FOR_APPROVAL,
        "Parameters": {
            "QueueUrl": "approvals",
            "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}
        },
        "ResultPath": "$.approval",
        "Next": "Done"
    });
    for (k, v) in extra.as_object().into_iter().flatten() {
        task[k] = v.clone();
    }
    let def = json!({"StartAt": "Ask", "States": {
        "Ask": task,
        "Rejected": {"Type": "Pass", "End": true},
        "Done": {"Type": "Succeed"}
    }});
    // `Rejected` is reachable only through a Catch: add one when the test gives none.
    let mut def = def;
    if def["States"]["Ask"].get("Catch").is_none() {
        def["States"]["Ask"]["Catch"] =
            json!([{"ErrorEquals": ["Never.Raised"], "Next": "Rejected"}]);
    }
    Arc::new(Definition::parse(&def).unwrap_or_else(|e| panic!("definition: {e}")))
}

/// Starts an approval execution; returns it, the task's token and the token text the request carried.
fn start_approval(extra: Value) -> (Execution, u64, String, Vec<Action>) {
    let mut context = ctx();
    context.execution_number = 7;
    let (ex, actions) = Execution::start(approval_def(extra), json!({"order": 42}), context);
    let (token, text) = match actions.first() {
        Some(Action::ServiceCall {
            token,
            service,
            api,
            parameters,
        }) => {
            assert_eq!((service.as_str(), api.as_str()), ("sqs", "sendMessage"));
            assert_eq!(parameters["MessageBody"]["order"], json!(42));
            let text = parameters["MessageBody"]["token"]
                .as_str()
                .unwrap_or_else(|| panic!("no token in {parameters}"))
                .to_string();
            (*token, text)
        }
        other => panic!("{other:?}"),
    };
    (ex, token, text, actions)
}

#[test]
fn callback_resource_is_parsed_as_its_integration() {
    let def = approval_def(json!({}));
    match &def.machines[0].states[0].kind {
        machine::Kind::Task {
            target, callback, ..
        } => {
            assert!(*callback);
            assert_eq!(
                target,
                &TaskTarget::Service {
                    service: "sqs".into(),
                    api: "sendMessage".into()
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        machine::parse_resource("arn:aws:states:::lambda:invoke.waitForTaskToken"),
        Ok(TaskTarget::LambdaInvoke)
    );
    assert!(machine::parse_resource("arn:aws:states:::sqs:.waitForTaskToken").is_err());
    assert_eq!(
        machine::integration_pattern("arn:aws:states:::lambda:invoke"),
        None
    );
    assert_eq!(
        machine::integration_pattern("arn:aws:states:::ecs:runTask.sync"),
        Some(".sync")
    );
}

#[test]
fn callback_task_waits_for_its_token_and_takes_the_callback_output() {
    let (mut ex, token, text, actions) = start_approval(json!({}));
    // The request alone: no timer, nothing else.
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(text, ex.task_token_text(token));
    assert_eq!(text.len(), 512);
    assert_eq!(parse_task_token(&text), Some((7, token)));
    // The integration's answer only records the submission.
    ex.set_now(t0() + Duration::milliseconds(20));
    assert!(
        ex.task_succeeded(token, json!({"MessageId": "m-1"}))
            .is_empty()
    );
    assert_eq!(ex.status(), ExecStatus::Running);
    assert!(ex.callback_open(token));
    assert!(
        ex.history()
            .iter()
            .any(|h| matches!(&h.kind, HistoryKind::TaskSubmitted { name, .. } if name == "Ask"))
    );
    // The callback: its output is the result, unwrapped.
    ex.set_now(t0() + Duration::seconds(60));
    assert_eq!(
        ex.callback_succeeded(token, json!({"approved": true})),
        vec![Action::Finished]
    );
    assert_eq!(
        ex.status(),
        ExecStatus::Succeeded(json!({"order": 42, "approval": {"approved": true}}))
    );
    // Closed: a second callback and a heartbeat change nothing.
    assert!(!ex.callback_open(token));
    assert!(ex.callback_succeeded(token, json!(1)).is_empty());
    assert!(ex.callback_heartbeat(token).is_empty());
}

#[test]
fn callback_may_come_before_the_integration_answers() {
    let (mut ex, token, _, _) = start_approval(json!({}));
    assert_eq!(
        ex.callback_succeeded(token, json!("yes")),
        vec![Action::Finished]
    );
    assert_eq!(
        ex.status(),
        ExecStatus::Succeeded(json!({"order": 42, "approval": "yes"}))
    );
    // The integration's late answer is ignored.
    assert!(
        ex.task_succeeded(token, json!({"MessageId": "m"}))
            .is_empty()
    );
}

#[test]
fn callback_failure_goes_through_catch_and_integration_failure_fails_the_task() {
    let catch = json!({"Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.why", "Next": "Rejected"}]});
    let (mut ex, token, _, _) = start_approval(catch.clone());
    assert!(ex.task_succeeded(token, json!({})).is_empty());
    assert_eq!(
        ex.callback_failed(token, "Rejected", "too expensive"),
        vec![Action::Finished]
    );
    assert_eq!(
        ex.status(),
        ExecStatus::Succeeded(
            json!({"order": 42, "why": {"Error": "Rejected", "Cause": "too expensive"}})
        )
    );
    // The request itself fails (no queue): the task fails with the integration's error.
    let (mut ex, token, _, _) = start_approval(json!({}));
    assert_eq!(
        ex.task_failed(token, "SQS.QueueDoesNotExistException", "no queue"),
        vec![Action::Finished]
    );
    assert!(
        matches!(ex.status(), ExecStatus::Failed { error, .. } if error == "SQS.QueueDoesNotExistException")
    );
    assert!(!ex.callback_open(token));
}

#[test]
fn heartbeats_restart_the_heartbeat_timer_and_a_missing_one_fails_the_task() {
    let (mut ex, token, _, actions) =
        start_approval(json!({"TimeoutSeconds": 3600, "HeartbeatSeconds": 10}));
    let timers: Vec<(u64, u64)> = actions
        .iter()
        .filter_map(|a| match a {
            Action::Timer { token, delay_ms } => Some((*token, *delay_ms)),
            _ => None,
        })
        .collect();
    let [(_, 3_600_000), (first_heartbeat, 10_000)] = timers[..] else {
        panic!("{timers:?}")
    };
    ex.set_now(t0() + Duration::seconds(8));
    let fresh = match ex.callback_heartbeat(token).as_slice() {
        [
            Action::Timer {
                token,
                delay_ms: 10_000,
            },
        ] => *token,
        other => panic!("{other:?}"),
    };
    // The replaced timer's firing is ignored; the task still waits.
    ex.set_now(t0() + Duration::seconds(10));
    assert!(ex.timer_fired(first_heartbeat).is_empty());
    assert!(ex.callback_open(token));
    // No heartbeat for 10 s after the last one: States.HeartbeatTimeout.
    ex.set_now(t0() + Duration::seconds(18));
    assert_eq!(ex.timer_fired(fresh), vec![Action::Finished]);
    match ex.status() {
        ExecStatus::Failed { error, cause } => {
            assert_eq!(error, errors::HEARTBEAT_TIMEOUT);
            assert!(cause.contains("10 seconds"), "{cause}");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        ex.history()
            .iter()
            .any(|h| matches!(&h.kind, HistoryKind::TaskTimedOut { name, .. } if name == "Ask"))
    );
    assert!(ex.callback_succeeded(token, json!(1)).is_empty());
}

#[test]
fn callback_task_timeout_is_retried_with_a_new_token_then_caught() {
    // TimeoutSeconds bounds the whole task whatever the heartbeats; Retry applies; then Catch.
    let extra = json!({
        "TimeoutSeconds": 5,
        "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1, "IntervalSeconds": 1}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Rejected"}]
    });
    let def = approval_def(extra);
    let mut texts = Vec::new();
    // Drive by hand: two attempts, each with its own token, each timing out at 5 s.
    let (mut ex, mut pending) = Execution::start(def, json!({"order": 1}), ctx());
    let mut now = 0i64;
    let mut attempts = 0;
    for _ in 0..10 {
        let mut next = Vec::new();
        for a in std::mem::take(&mut pending) {
            match a {
                Action::ServiceCall { token, .. } => {
                    attempts += 1;
                    texts.push(ex.task_token_text(token));
                }
                Action::Timer { token, delay_ms } => next.push((token, delay_ms)),
                Action::InvokeLambda { .. } | Action::Finished => {}
            }
        }
        let Some((token, delay_ms)) = next.first().copied() else {
            break;
        };
        now += delay_ms as i64;
        ex.set_now(t0() + Duration::milliseconds(now));
        pending = ex.timer_fired(token);
    }
    assert_eq!(attempts, 2);
    assert_ne!(texts[0], texts[1], "each attempt has its own token");
    assert_eq!(
        ex.status(),
        ExecStatus::Succeeded(
            json!({"Error": "States.Timeout", "Cause": "the task 'Ask' timed out"})
        )
    );
    assert_eq!(now, 5_000 + 1_000 + 5_000);
}

#[test]
fn task_tokens_are_deterministic_and_unforgeable_by_accident() {
    let (ex_a, token_a, text_a, _) = start_approval(json!({}));
    let (_, token_b, text_b, _) = start_approval(json!({}));
    assert_eq!(
        (token_a, &text_a),
        (token_b, &text_b),
        "same seed, same token"
    );
    let mut other = ctx();
    other.seed = 43;
    other.execution_number = 7;
    let (ex_c, _) = Execution::start(approval_def(json!({})), json!({"order": 1}), other);
    assert_ne!(ex_c.task_token_text(token_a), text_a);
    assert!(parse_task_token("not a token").is_none());
    assert!(parse_task_token("").is_none());
    assert!(parse_task_token(&text_a[..200]).is_none());
    assert!(ex_a.callback_open(token_a));
}

#[test]
fn express_refusals_name_sync_and_callback_tasks_in_every_scope() {
    let def = Definition::parse(&json!({"StartAt": "A", "States": {
        "A": {"Type": "Task", "Resource": SEND_FOR_APPROVAL, "Parameters": {"QueueUrl": "q", "MessageBody": "x"}, "Next": "M"},
        "M": {"Type": "Map", "ItemProcessor": {"StartAt": "J", "States": {
            "J": {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "End": true}
        }}, "Next": "L"},
        "L": {"Type": "Task", "Resource": FN, "End": true}
    }}))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        def.express_refusals(),
        vec![
            ("States.A".to_string(), SEND_FOR_APPROVAL.to_string()),
            (
                "States.M.ItemProcessor.States.J".to_string(),
                "arn:aws:states:::ecs:runTask.sync".to_string()
            ),
        ]
    );
}
