//! Tests for the pattern engine: a data-driven table of (pattern, event, expected) cases
//! covering every operator and rule (including the worked examples from the AWS docs and the
//! event-ruler README / RulerTest), compile-error cases, `explain` and `summary` checks, a
//! deterministic never-panic fuzz test, deep-nesting tests and a speed smoke test.

use super::*;
use serde_json::{Value, json};

fn parse(text: &str) -> Value {
    match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => panic!("bad JSON in test: {e}\n{text}"),
    }
}

const README_EVENT: &str = r#"{
  "version": "0",
  "id": "ddddd4-aaaa-7777-4444-345dd43cc333",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "012345679012",
  "time": "2017-10-02T16:24:49Z",
  "region": "us-east-1",
  "resources": ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
  "detail": {
    "c-count": 5, "d-count": 3, "x-limit": 301.8, "c.count": 5,
    "source-ip": "10.0.0.33", "instance-id": "i-000000aaaaaa00000", "state": "running"
  }
}"#;

const RFC_EVENT: &str = r#"{
  "Image": {
    "Width": 800, "Height": 600, "Title": "View from 15th Floor",
    "Thumbnail": { "Url": "http://www.example.com/image/481989943", "Height": 125, "Width": 100 },
    "Animated": false,
    "IDs": [116, 943, 234, 38793]
  }
}"#;

const EMPLOYEES_EVENT: &str = r#"{
  "employees": [
    [
      { "firstName": "John", "lastName": "Doe", "ids": [1234, 1000, 9999] },
      { "firstName": "Anna", "lastName": "Smith" }
    ],
    [
      { "firstName": "Peter", "lastName": "Jones", "ids": [] }
    ]
  ]
}"#;

const CLOUDWATCH_OR: &str = r#"{
  "source": ["aws.cloudwatch"],
  "$or": [
    { "metricName": ["CPUUtilization", "ReadLatency"] },
    { "metricType": ["MetricType"], "namespace": ["AWS/EC2", "AWS/ES"],
      "$or": [ { "metricId": [1234] }, { "spaceId": [1000] } ] },
    { "scope": ["Service"] }
  ]
}"#;

fn event_text(name: &str) -> &str {
    match name {
        "@readme" => README_EVENT,
        "@rfc" => RFC_EVENT,
        "@employees" => EMPLOYEES_EVENT,
        other => other,
    }
}

fn pattern_text(name: &str) -> &str {
    match name {
        "@cloudwatch-or" => CLOUDWATCH_OR,
        other => other,
    }
}

/// (pattern, event, expected). `@name` refers to the constants above.
const CASES: &[(&str, &str, bool)] = &[
    // ---- basic exact matching, AND / OR -----------------------------------------------------
    (r#"{"source":["aws.ec2"]}"#, r#"{"source":"aws.ec2"}"#, true),
    (r#"{"source":["aws.ec2"]}"#, r#"{"source":"aws.s3"}"#, false),
    (
        r#"{"source":["aws.ec2","aws.fargate"]}"#,
        r#"{"source":"aws.fargate"}"#,
        true,
    ),
    (
        r#"{"Location":["New York"],"Day":["Monday"]}"#,
        r#"{"Location":"New York","Day":"Monday"}"#,
        true,
    ),
    (
        r#"{"Location":["New York"],"Day":["Monday"]}"#,
        r#"{"Location":"New York","Day":"Tuesday"}"#,
        false,
    ),
    (r#"{"x":["a"]}"#, r#"{}"#, false),
    (r#"{"a":["1"]}"#, r#"{"a":"1","b":2,"c":{"d":[1,2]}}"#, true),
    (
        r#"{"detail":{"state":["running"]}}"#,
        r#"{"detail":{"state":"running"}}"#,
        true,
    ),
    (
        r#"{"state":["running"]}"#,
        r#"{"detail":{"state":"running"}}"#,
        false,
    ),
    (
        r#"{"detail":{"state":["running"]}}"#,
        r#"{"detail":"running"}"#,
        false,
    ),
    (r#"{"detail":["x"]}"#, r#"{"detail":{"a":"x"}}"#, false),
    (r#"{"Name":["Alice"]}"#, r#"{"Name":"alice"}"#, false),
    // ---- README "simple matching" -----------------------------------------------------------
    (
        r#"{"detail-type":["EC2 Instance State-change Notification"],"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],"detail":{"state":["initializing","running"]}}"#,
        "@readme",
        true,
    ),
    (r#"{"detail":{"state":["initializing"]}}"#, "@readme", false),
    // ---- types and number normalisation -----------------------------------------------------
    (r#"{"a":["1"]}"#, r#"{"a":1}"#, false),
    (r#"{"a":[1]}"#, r#"{"a":"1"}"#, false),
    (r#"{"a":["true"]}"#, r#"{"a":true}"#, false),
    (r#"{"a":[true]}"#, r#"{"a":"true"}"#, false),
    (r#"{"a":[true]}"#, r#"{"a":true}"#, true),
    (r#"{"a":[false]}"#, r#"{"a":false}"#, true),
    (r#"{"a":[false]}"#, r#"{"a":true}"#, false),
    (r#"{"a":["X"]}"#, r#"{"a":true}"#, false),
    (r#"{"a":[3.0]}"#, r#"{"a":3}"#, true),
    (r#"{"a":[3]}"#, r#"{"a":3.0}"#, true),
    (r#"{"a":[3e0]}"#, r#"{"a":3}"#, true),
    (r#"{"a":[300]}"#, r#"{"a":3e2}"#, true),
    (r#"{"a":[0.1]}"#, r#"{"a":0.10}"#, true),
    (r#"{"a":[-0]}"#, r#"{"a":0}"#, true),
    (r#"{"a":[3]}"#, r#"{"a":3.5}"#, false),
    (
        r#"{"account":[123456789012]}"#,
        r#"{"account":123456789012}"#,
        true,
    ),
    (
        r#"{"account":[123456789012]}"#,
        r#"{"account":"123456789012"}"#,
        false,
    ),
    (
        r#"{"big":[123456789012345678]}"#,
        r#"{"big":123456789012345679}"#,
        false,
    ),
    // ---- null and empty string ----------------------------------------------------------------
    (r#"{"a":[null]}"#, r#"{"a":null}"#, true),
    (r#"{"a":[null]}"#, r#"{}"#, false),
    (r#"{"a":[null]}"#, r#"{"a":""}"#, false),
    (r#"{"LastName":[""]}"#, r#"{"LastName":""}"#, true),
    (r#"{"LastName":[""]}"#, r#"{"LastName":null}"#, false),
    (r#"{"LastName":[""]}"#, r#"{}"#, false),
    (r#"{"a":[null]}"#, r#"{"a":["x",null]}"#, true),
    // ---- event arrays --------------------------------------------------------------------------
    (
        r#"{"resources":["arn1"]}"#,
        r#"{"resources":["arn0","arn1"]}"#,
        true,
    ),
    (
        r#"{"resources":["arn1"]}"#,
        r#"{"resources":["arn0"]}"#,
        false,
    ),
    (r#"{"resources":["arn1"]}"#, r#"{"resources":[]}"#, false),
    (r#"{"a":["x"]}"#, r#"{"a":[["y"],["z",["x"]]]}"#, true),
    (r#"{"a":[1]}"#, r#"{"a":[0,1.0]}"#, true),
    (r#"{"Image":{"IDs":[943]}}"#, "@rfc", true),
    // ---- arrays of objects and array consistency (README "JSON Array Matching", RulerTest) ----
    (
        r#"{"employees":{"firstName":["Anna"]}}"#,
        "@employees",
        true,
    ),
    (
        r#"{"employees":{"firstName":["Anna"],"lastName":["Jones"]}}"#,
        "@employees",
        false,
    ),
    (
        r#"{"employees":{"firstName":["Anna"],"lastName":["Smith"]}}"#,
        "@employees",
        true,
    ),
    (
        r#"{"employees":{"firstName":["John"],"ids":[1000]}}"#,
        "@employees",
        true,
    ),
    (
        r#"{"employees":{"firstName":["Anna"],"ids":[{"exists":false}]}}"#,
        "@employees",
        true,
    ),
    (
        r#"{"employees":{"firstName":["Peter"],"ids":[{"exists":false}]}}"#,
        "@employees",
        true,
    ),
    (
        r#"{"employees":{"firstName":["Anna"],"ids":[1000]}}"#,
        "@employees",
        false,
    ),
    (
        r#"{"employees":{"firstName":["Anna"],"ids":[{"exists":true}]}}"#,
        "@employees",
        false,
    ),
    (
        r#"{"employees":{"firstName":["Alice"]}}"#,
        "@employees",
        false,
    ),
    (
        r#"{"employees":{"firstName":["Alice"],"lastName":["Bob"]}}"#,
        "@employees",
        false,
    ),
    (r#"{"employees":["b"]}"#, "@employees", false),
    (r#"{"a":["b"]}"#, "@employees", false),
    (
        r#"{"a":{"b":["x"],"c":["y"]}}"#,
        r#"{"a":[{"b":"x","c":"z"},{"b":"w","c":"y"}]}"#,
        false,
    ),
    (
        r#"{"a":{"b":["x"],"c":["y"]}}"#,
        r#"{"a":[{"b":"x","c":"z"},{"b":"x","c":"y"}]}"#,
        true,
    ),
    (
        r#"{"a":{"b":{"c":["x"],"d":["y"]}}}"#,
        r#"{"a":[{"b":[{"c":"x"},{"d":"y"}]}]}"#,
        false,
    ),
    (
        r#"{"a":{"b":{"c":["x"],"d":["y"]}}}"#,
        r#"{"a":[{"b":[{"c":"x","d":"y"}]}]}"#,
        true,
    ),
    (
        r#"{"a":{"x":["1"]},"b":{"y":["2"]}}"#,
        r#"{"a":[{"x":"0"},{"x":"1"}],"b":[{"y":"2"}]}"#,
        true,
    ),
    (r#"{"a":{"b":["x"]}}"#, r#"{"a":[{"b":["q","x"]}]}"#, true),
    (
        r#"{"a":{"b":["x"],"c":{"d":["y"]}}}"#,
        r#"{"a":[{"b":"x","c":{"d":"z"}},{"b":"w","c":{"d":"y"}}]}"#,
        false,
    ),
    (
        r#"{"a":{"b":["x"]},"$or":[{"a":{"c":["y"]}},{"z":["1"]}]}"#,
        r#"{"a":[{"b":"x","c":"n"},{"b":"n","c":"y"}]}"#,
        false,
    ),
    (
        r#"{"a":{"b":["x"]},"$or":[{"a":{"c":["y"]}},{"z":["1"]}]}"#,
        r#"{"a":[{"b":"x","c":"n"},{"b":"n","c":"y"}],"z":"1"}"#,
        true,
    ),
    (
        r#"{"a":{"b":["x"]},"$or":[{"a":{"c":["y"]}},{"z":["1"]}]}"#,
        r#"{"a":[{"b":"n","c":"y"},{"b":"x","c":"y"}]}"#,
        true,
    ),
    // ---- prefix ------------------------------------------------------------------------------
    (r#"{"time":[{"prefix":"2017-10-02"}]}"#, "@readme", true),
    (
        r#"{"Region":[{"prefix":"us-"}]}"#,
        r#"{"Region":"us-east-1"}"#,
        true,
    ),
    (
        r#"{"Region":[{"prefix":"us-"}]}"#,
        r#"{"Region":"US-east-1"}"#,
        false,
    ),
    (
        r#"{"Region":[{"prefix":"us-"}]}"#,
        r#"{"Region":["eu-west-1","us-east-1"]}"#,
        true,
    ),
    (r#"{"n":[{"prefix":"1"}]}"#, r#"{"n":12}"#, false),
    (r#"{"a":[{"prefix":""}]}"#, r#"{"a":"anything"}"#, true),
    (r#"{"a":[{"prefix":""}]}"#, r#"{"a":null}"#, false),
    (
        r#"{"service":[{"prefix":{"equals-ignore-case":"eventb"}}]}"#,
        r#"{"service":"EventBridge"}"#,
        true,
    ),
    (
        r#"{"service":[{"prefix":{"equals-ignore-case":"eventb"}}]}"#,
        r#"{"service":"AWS EventBridge"}"#,
        false,
    ),
    (
        r#"{"Image":{"Title":[{"prefix":{"equals-ignore-case":"VIeW"}}]}}"#,
        "@rfc",
        true,
    ),
    // ---- suffix ------------------------------------------------------------------------------
    (
        r#"{"FileName":[{"suffix":".png"}]}"#,
        r#"{"FileName":"image.png"}"#,
        true,
    ),
    (
        r#"{"FileName":[{"suffix":".png"}]}"#,
        r#"{"FileName":"image.PNG"}"#,
        false,
    ),
    (
        r#"{"service":[{"suffix":{"equals-ignore-case":"tBridge"}}]}"#,
        r#"{"service":"EventBRIDGE"}"#,
        true,
    ),
    (r#"{"a":[{"suffix":"5"}]}"#, r#"{"a":5}"#, false),
    (r#"{"source":[{"suffix":"ec2"}]}"#, "@readme", true),
    (r#"{"Image":{"Title":[{"suffix":"loor"}]}}"#, "@rfc", true),
    // ---- equals-ignore-case ------------------------------------------------------------------
    (
        r#"{"Name":[{"equals-ignore-case":"alice"}]}"#,
        r#"{"Name":"ALICE"}"#,
        true,
    ),
    (
        r#"{"Name":[{"equals-ignore-case":"alice"}]}"#,
        r#"{"Name":"Alice "}"#,
        false,
    ),
    (
        r#"{"Name":[{"equals-ignore-case":"alice"}]}"#,
        r#"{"Name":["bob","aLiCe"]}"#,
        true,
    ),
    (
        r#"{"Name":[{"equals-ignore-case":"1"}]}"#,
        r#"{"Name":1}"#,
        false,
    ),
    (
        r#"{"Name":[{"equals-ignore-case":"ÉCOLE"}]}"#,
        r#"{"Name":"école"}"#,
        true,
    ),
    (
        r#"{"source":[{"equals-ignore-case":"EC2"}]}"#,
        r#"{"source":"ec2"}"#,
        true,
    ),
    // ---- wildcard ------------------------------------------------------------------------------
    (
        r#"{"source":[{"wildcard":"Simple*Service"}]}"#,
        r#"{"source":"SimpleQueueService"}"#,
        true,
    ),
    (
        r#"{"source":[{"wildcard":"Simple*Service"}]}"#,
        r#"{"source":"SimpleService"}"#,
        true,
    ),
    (
        r#"{"source":[{"wildcard":"Simple*Service"}]}"#,
        r#"{"source":"simpleQueueService"}"#,
        false,
    ),
    (r#"{"a":[{"wildcard":"*"}]}"#, r#"{"a":""}"#, true),
    (r#"{"a":[{"wildcard":"*"}]}"#, r#"{"a":5}"#, false),
    (r#"{"a":[{"wildcard":"a\\*b"}]}"#, r#"{"a":"a*b"}"#, true),
    (r#"{"a":[{"wildcard":"a\\*b"}]}"#, r#"{"a":"axb"}"#, false),
    (r#"{"a":[{"wildcard":"a\\\\b"}]}"#, r#"{"a":"a\\b"}"#, true),
    (
        r#"{"a":[{"wildcard":"dir/*/file*.txt"}]}"#,
        r#"{"a":"dir/x/y/file1.txt"}"#,
        true,
    ),
    (
        r#"{"a":[{"wildcard":"dir/*/file*.txt"}]}"#,
        r#"{"a":"dir/x/y/file1.txt.bak"}"#,
        false,
    ),
    (
        r#"{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}"#,
        r#"{"EventBusArn":"arn:aws:events:us-east-1:123456789012:event-bus/default"}"#,
        true,
    ),
    (
        r#"{"EventBusArn":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]}"#,
        r#"{"EventBusArn":"arn:aws:events:us-west-2:123456789012:event-bus/default"}"#,
        false,
    ),
    // ---- anything-but ------------------------------------------------------------------------
    (
        r#"{"state":[{"anything-but":"initializing"}]}"#,
        r#"{"state":"running"}"#,
        true,
    ),
    (
        r#"{"state":[{"anything-but":"initializing"}]}"#,
        r#"{"state":"initializing"}"#,
        false,
    ),
    (
        r#"{"state":[{"anything-but":"initializing"}]}"#,
        r#"{}"#,
        false,
    ),
    (
        r#"{"state":[{"anything-but":"initializing"}]}"#,
        r#"{"state":5}"#,
        true,
    ),
    (
        r#"{"state":[{"anything-but":"initializing"}]}"#,
        r#"{"state":null}"#,
        true,
    ),
    (
        r#"{"state":[{"anything-but":"initializing"}]}"#,
        r#"{"state":{"x":1}}"#,
        false,
    ),
    (r#"{"x":[{"anything-but":123}]}"#, r#"{"x":123.0}"#, false),
    (r#"{"x":[{"anything-but":123}]}"#, r#"{"x":124}"#, true),
    (r#"{"x":[{"anything-but":123}]}"#, r#"{"x":"123"}"#, true),
    (
        r#"{"state":[{"anything-but":["stopped","overloaded"]}]}"#,
        r#"{"state":"running"}"#,
        true,
    ),
    (
        r#"{"state":[{"anything-but":["stopped","overloaded"]}]}"#,
        r#"{"state":"stopped"}"#,
        false,
    ),
    (
        r#"{"x":[{"anything-but":[111,222,333]}]}"#,
        r#"{"x":"444"}"#,
        true,
    ),
    (
        r#"{"x":[{"anything-but":[111,222,333]}]}"#,
        r#"{"x":222}"#,
        false,
    ),
    (
        r#"{"x":[{"anything-but":[111,222,333]}]}"#,
        r#"{"x":444}"#,
        true,
    ),
    (
        r#"{"x":[{"anything-but":[100,200,300]}]}"#,
        r#"{"x":300e0}"#,
        false,
    ),
    (
        r#"{"a":[{"anything-but":"a"}]}"#,
        r#"{"a":["a","b"]}"#,
        true,
    ),
    (r#"{"a":[{"anything-but":"a"}]}"#, r#"{"a":["a"]}"#, false),
    (
        r#"{"a":[{"anything-but":"a"}]}"#,
        r#"{"a":["a","a"]}"#,
        false,
    ),
    (r#"{"a":[{"anything-but":"a"}]}"#, r#"{"a":[]}"#, false),
    (
        r#"{"state":[{"anything-but":{"prefix":"init"}}]}"#,
        r#"{"state":"initializing"}"#,
        false,
    ),
    (
        r#"{"state":[{"anything-but":{"prefix":"init"}}]}"#,
        r#"{"state":"running"}"#,
        true,
    ),
    (
        r#"{"state":[{"anything-but":{"prefix":"init"}}]}"#,
        r#"{"state":5}"#,
        true,
    ),
    (
        r#"{"state":[{"anything-but":{"prefix":"init"}}]}"#,
        "@readme",
        false,
    ),
    (
        r#"{"detail":{"state":[{"anything-but":{"prefix":"init"}}]}}"#,
        "@readme",
        true,
    ),
    (
        r#"{"Region":[{"anything-but":{"prefix":["us-","eu-"]}}]}"#,
        r#"{"Region":"ap-south-1"}"#,
        true,
    ),
    (
        r#"{"Region":[{"anything-but":{"prefix":["us-","eu-"]}}]}"#,
        r#"{"Region":"eu-west-1"}"#,
        false,
    ),
    (
        r#"{"FileName":[{"anything-but":{"suffix":".png"}}]}"#,
        r#"{"FileName":"a.jpg"}"#,
        true,
    ),
    (
        r#"{"FileName":[{"anything-but":{"suffix":".png"}}]}"#,
        r#"{"FileName":"a.png"}"#,
        false,
    ),
    (
        r#"{"FileName":[{"anything-but":{"suffix":[".png",".gif"]}}]}"#,
        r#"{"FileName":"a.gif"}"#,
        false,
    ),
    (
        r#"{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}"#,
        r#"{"state":"INITIALIZING"}"#,
        false,
    ),
    (
        r#"{"state":[{"anything-but":{"equals-ignore-case":"initializing"}}]}"#,
        r#"{"state":"running"}"#,
        true,
    ),
    (
        r#"{"state":[{"anything-but":{"equals-ignore-case":["a","B"]}}]}"#,
        r#"{"state":"b"}"#,
        false,
    ),
    (
        r#"{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}"#,
        r#"{"FilePath":"/usr/lib/x"}"#,
        false,
    ),
    (
        r#"{"FilePath":[{"anything-but":{"wildcard":"*/lib/*"}}]}"#,
        r#"{"FilePath":"/usr/bin/x"}"#,
        true,
    ),
    (
        r#"{"FilePath":[{"anything-but":{"wildcard":["*/lib/*","*.tmp"]}}]}"#,
        r#"{"FilePath":"x.tmp"}"#,
        false,
    ),
    (
        r#"{"a":[{"anything-but":"x"},{"exists":false}]}"#,
        r#"{}"#,
        true,
    ),
    (
        r#"{"a":[{"anything-but":"x"},{"exists":false}]}"#,
        r#"{"a":"x"}"#,
        false,
    ),
    (
        r#"{"a":[{"anything-but":"x"},{"exists":false}]}"#,
        r#"{"a":"y"}"#,
        true,
    ),
    (
        r#"{"Image":{"Title":[{"anything-but":"View from 15th Floor"}]}}"#,
        "@rfc",
        false,
    ),
    // ---- numeric ------------------------------------------------------------------------------
    (
        r#"{"detail":{"c-count":[{"numeric":[">",0,"<=",5]}],"d-count":[{"numeric":["<",10]}],"x-limit":[{"numeric":["=",3.018e2]}]}}"#,
        "@readme",
        true,
    ),
    (r#"{"n":[{"numeric":[">",0,"<=",5]}]}"#, r#"{"n":5}"#, true),
    (r#"{"n":[{"numeric":[">",0,"<=",5]}]}"#, r#"{"n":0}"#, false),
    (
        r#"{"n":[{"numeric":[">",0,"<=",5]}]}"#,
        r#"{"n":5.0001}"#,
        false,
    ),
    (
        r#"{"n":[{"numeric":[">",0,"<=",5]}]}"#,
        r#"{"n":"3"}"#,
        false,
    ),
    (r#"{"n":[{"numeric":["<",10]}]}"#, r#"{"n":9.99}"#, true),
    (r#"{"n":[{"numeric":["<",10]}]}"#, r#"{"n":10}"#, false),
    (r#"{"n":[{"numeric":[">=",10]}]}"#, r#"{"n":10}"#, true),
    (r#"{"n":[{"numeric":["<=",10]}]}"#, r#"{"n":10.0}"#, true),
    (
        r#"{"n":[{"numeric":["=",301.8]}]}"#,
        r#"{"n":3.018e2}"#,
        true,
    ),
    (r#"{"n":[{"numeric":[">",10]}]}"#, r#"{"n":[1,20]}"#, true),
    (r#"{"n":[{"numeric":[">",10]}]}"#, r#"{"n":[1,2]}"#, false),
    (r#"{"n":[{"numeric":[">",0]}]}"#, r#"{"n":true}"#, false),
    (r#"{"n":[{"numeric":[">",0]}]}"#, r#"{"n":null}"#, false),
    (r#"{"n":[{"numeric":[">",0]}]}"#, r#"{"n":6e9}"#, false),
    (r#"{"n":[{"numeric":[">=",-5e9]}]}"#, r#"{"n":-5e9}"#, true),
    (r#"{"n":[{"numeric":["<=",0]}]}"#, r#"{"n":-0.0}"#, true),
    (
        r#"{"n":[{"numeric":["<",0]},{"numeric":[">",100]}]}"#,
        r#"{"n":150}"#,
        true,
    ),
    (
        r#"{"Image":{"Width":[{"numeric":["<",800]}]}}"#,
        "@rfc",
        false,
    ),
    (
        r#"{"Image":{"Height":[{"numeric":["<",599]}]}}"#,
        "@rfc",
        false,
    ),
    (
        r#"{"Image":{"Thumbnail":{"Height":[{"numeric":[">",124,"<",125]}]}}}"#,
        "@rfc",
        false,
    ),
    (
        r#"{"Image":{"Thumbnail":{"Width":[{"numeric":[">=",100.00001,"<=",1001]}]}}}"#,
        "@rfc",
        false,
    ),
    (
        r#"{"Image":{"Width":[{"numeric":["<",1000]}],"Height":[{"numeric":["<=",600]}],"Title":[{"anything-but":"View from 15th Flood"}],"Thumbnail":{"Url":[{"prefix":"http"}],"Height":[{"numeric":[">",124,"<",126]}],"Width":[{"numeric":[">=",99.999,"<=",100]}]},"Animated":[false]}}"#,
        "@rfc",
        true,
    ),
    (r#"{"Image":{"Animated":[true]}}"#, "@rfc", false),
    // ---- exists ------------------------------------------------------------------------------
    (r#"{"a":[{"exists":true}]}"#, r#"{"a":1}"#, true),
    (r#"{"a":[{"exists":true}]}"#, r#"{}"#, false),
    (r#"{"a":[{"exists":true}]}"#, r#"{"a":null}"#, true),
    (r#"{"a":[{"exists":true}]}"#, r#"{"a":""}"#, true),
    (r#"{"a":[{"exists":true}]}"#, r#"{"a":{"b":1}}"#, false),
    (r#"{"a":[{"exists":true}]}"#, r#"{"a":[]}"#, false),
    (r#"{"a":[{"exists":true}]}"#, r#"{"a":[null]}"#, true),
    (r#"{"a":[{"exists":true}]}"#, r#"{"a":[{"b":1}]}"#, false),
    (r#"{"x":[{"exists":true}]}"#, r#"{"a":1}"#, false),
    (r#"{"a":[{"exists":false}]}"#, r#"{}"#, true),
    (r#"{"a":[{"exists":false}]}"#, r#"{"a":[]}"#, true),
    (r#"{"a":[{"exists":false}]}"#, r#"{"a":null}"#, false),
    (r#"{"a":[{"exists":false}]}"#, r#"{"a":1}"#, false),
    (r#"{"a":[{"exists":false}]}"#, r#"{"a":{"b":1}}"#, true),
    (r#"{"b":[{"exists":false}]}"#, r#"{"a":1}"#, true),
    (
        r#"{"detail":{"c-count":[{"exists":false}]}}"#,
        r#"{"detail":{"state":"x"}}"#,
        true,
    ),
    (
        r#"{"detail":{"c-count":[{"exists":false}]}}"#,
        r#"{}"#,
        true,
    ),
    (
        r#"{"detail":{"c-count":[{"exists":false}]}}"#,
        r#"{"detail":"x"}"#,
        true,
    ),
    (
        r#"{"detail":{"c-count":[{"exists":false}]}}"#,
        r#"{"detail":{"c-count":{"c1":100}}}"#,
        true,
    ),
    (
        r#"{"detail":{"c-count":[{"exists":false}]}}"#,
        "@readme",
        false,
    ),
    (
        r#"{"detail":{"c-count":[{"exists":true}]}}"#,
        "@readme",
        true,
    ),
    (
        r#"{"a":{"b":[{"exists":false}]}}"#,
        r#"{"a":[{"b":1},{"c":2}]}"#,
        true,
    ),
    (
        r#"{"a":{"b":[{"exists":false}]}}"#,
        r#"{"a":[{"b":1}]}"#,
        false,
    ),
    // ---- cidr and IP strings ------------------------------------------------------------------
    (
        r#"{"detail":{"source-ip":[{"cidr":"10.0.0.0/24"}]}}"#,
        "@readme",
        true,
    ),
    (
        r#"{"detail":{"source-ip":[{"cidr":"10.0.0.0/8"}]}}"#,
        "@readme",
        true,
    ),
    (
        r#"{"detail":{"source-ip":[{"cidr":"10.0.1.0/24"}]}}"#,
        "@readme",
        false,
    ),
    (
        r#"{"ip":[{"cidr":"10.0.0.77/24"}]}"#,
        r#"{"ip":"10.0.0.1"}"#,
        true,
    ),
    (
        r#"{"ip":[{"cidr":"2001:db8::/32"}]}"#,
        r#"{"ip":"2001:db8::1"}"#,
        true,
    ),
    (
        r#"{"ip":[{"cidr":"2001:db8::/32"}]}"#,
        r#"{"ip":"2001:db9::1"}"#,
        false,
    ),
    (
        r#"{"ip":[{"cidr":"10.0.0.0/24"}]}"#,
        r#"{"ip":"hello"}"#,
        false,
    ),
    (
        r#"{"ip":[{"cidr":"10.0.0.0/24"}]}"#,
        r#"{"ip":167772161}"#,
        false,
    ),
    (
        r#"{"ip":[{"cidr":"10.0.0.0/24"}]}"#,
        r#"{"ip":"::1"}"#,
        false,
    ),
    (
        r#"{"ip":[{"cidr":"0.0.0.0/0"}]}"#,
        r#"{"ip":"255.255.255.255"}"#,
        true,
    ),
    (
        r#"{"ip":[{"cidr":"10.0.0.0/24"}]}"#,
        r#"{"ip":["8.8.8.8","10.0.0.9"]}"#,
        true,
    ),
    (r#"{"ip":["0:0:0:0:0:0:0:1"]}"#, r#"{"ip":"::1"}"#, true),
    (r#"{"ip":["10.0.0.1"]}"#, r#"{"ip":"10.0.0.2"}"#, false),
    // ---- $or (README / AWS docs examples) ---------------------------------------------------------
    (
        r#"{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"namespace":["AWS/EC2","AWS/ES"]}]}"#,
        r#"{"source":"aws.cloudwatch","metricName":"ReadLatency"}"#,
        true,
    ),
    (
        r#"{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"namespace":["AWS/EC2","AWS/ES"]}]}"#,
        r#"{"source":"aws.cloudwatch","namespace":"AWS/ES"}"#,
        true,
    ),
    (
        r#"{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"namespace":["AWS/EC2","AWS/ES"]}]}"#,
        r#"{"source":"aws.cloudwatch","namespace":"AWS/S3"}"#,
        false,
    ),
    (
        r#"{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization","ReadLatency"]},{"namespace":["AWS/EC2","AWS/ES"]}]}"#,
        r#"{"source":"aws.other","metricName":"ReadLatency"}"#,
        false,
    ),
    (
        r#"{"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}],"detail":{"$or":[{"source":["aws.cloudwatch"]},{"detail-type":["CloudWatch Alarm State Change"]}]}}"#,
        r#"{"namespace":"AWS/EC2","detail":{"detail-type":"CloudWatch Alarm State Change"}}"#,
        true,
    ),
    (
        r#"{"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}],"detail":{"$or":[{"source":["aws.cloudwatch"]},{"detail-type":["CloudWatch Alarm State Change"]}]}}"#,
        r#"{"namespace":"AWS/EC2","detail":{"detail-type":"Other"}}"#,
        false,
    ),
    (
        "@cloudwatch-or",
        r#"{"source":"aws.cloudwatch","metricType":"MetricType","namespace":"AWS/EC2","spaceId":1000}"#,
        true,
    ),
    (
        "@cloudwatch-or",
        r#"{"source":"aws.cloudwatch","metricType":"MetricType","namespace":"AWS/EC2"}"#,
        false,
    ),
    (
        "@cloudwatch-or",
        r#"{"source":"aws.cloudwatch","metricType":"MetricType","metricId":1234}"#,
        false,
    ),
    (
        "@cloudwatch-or",
        r#"{"source":"aws.cloudwatch","scope":"Service"}"#,
        true,
    ),
    (
        "@cloudwatch-or",
        r#"{"source":"aws.cloudwatch","scope":"Other"}"#,
        false,
    ),
    (
        r#"{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]},{"x-limit":[{"numeric":["=",3.018e2]}]}]}}"#,
        r#"{"detail":{"x-limit":301.8}}"#,
        true,
    ),
    (
        r#"{"detail":{"$or":[{"c-count":[{"numeric":[">",0,"<=",5]}]},{"d-count":[{"numeric":["<",10]}]}]}}"#,
        r#"{"detail":{"c-count":50,"d-count":50}}"#,
        false,
    ),
    (
        r#"{"source":["aws.cloudwatch"],"detail":{"state":{"value":["ALARM"]}},"$or":[{"withConfiguration":{"metrics":{"metricStat":{"metric":{"namespace":["AWS/EC2"]}}}}},{"withoutConfiguration":{"metric":{"name":["AWS/Default"]}}}]}"#,
        r#"{"source":"aws.cloudwatch","detail":{"state":{"value":"ALARM"}},"withConfiguration":{"metrics":[{"metricStat":{"metric":{"namespace":"AWS/EC2"}}}]}}"#,
        true,
    ),
    (
        r#"{"source":["aws.cloudwatch"],"detail":{"state":{"value":["ALARM"]}},"$or":[{"withConfiguration":{"metrics":{"metricStat":{"metric":{"namespace":["AWS/EC2"]}}}}},{"withoutConfiguration":{"metric":{"name":["AWS/Default"]}}}]}"#,
        r#"{"source":"aws.cloudwatch","detail":{"state":{"value":"OK"}},"withoutConfiguration":{"metric":{"name":"AWS/Default"}}}"#,
        false,
    ),
    (
        r#"{"$or":[{"a":[{"exists":false}]},{"b":["x"]}]}"#,
        r#"{"b":"y"}"#,
        true,
    ),
    (
        r#"{"$or":[{"a":[{"exists":false}]},{"b":["x"]}]}"#,
        r#"{"a":1,"b":"y"}"#,
        false,
    ),
    (
        r#"{"a":["x","y"],"$or":[{"a":["y"]},{"b":["1"]}]}"#,
        r#"{"a":"x"}"#,
        false,
    ),
    (
        r#"{"a":["x","y"],"$or":[{"a":["y"]},{"b":["1"]}]}"#,
        r#"{"a":"y"}"#,
        true,
    ),
    (
        r#"{"a":["x","y"],"$or":[{"a":["y"]},{"b":["1"]}]}"#,
        r#"{"a":"x","b":"1"}"#,
        true,
    ),
    // ---- keys, odd events ----------------------------------------------------------------------
    (r#"{"detail":{"c.count":[5]}}"#, "@readme", true),
    (
        r#"{"detail.state":["running"]}"#,
        r#"{"detail":{"state":"running"}}"#,
        false,
    ),
    (r#"{"a":[{"exists":false}]}"#, r#""just a string""#, true),
    (r#"{"a":["x"]}"#, r#"[{"a":"x"}]"#, false),
    (r#"{"ключ":["значение"]}"#, r#"{"ключ":"значение"}"#, true),
    (r#"{"$or-ish":["x"]}"#, r#"{"$or-ish":"x"}"#, true),
];

#[test]
fn table_of_cases() {
    assert!(CASES.len() >= 120, "only {} cases", CASES.len());
    let mut failures = Vec::new();
    for (i, (pattern, event, expected)) in CASES.iter().enumerate() {
        let compiled = match Pattern::parse_str(pattern_text(pattern)) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("#{i} {pattern}: compile error {e}"));
                continue;
            }
        };
        let event_value = parse(event_text(event));
        let got = compiled.matches(&event_value);
        if got != *expected {
            failures.push(format!(
                "#{i} pattern {pattern}\n   event {event}\n   expected {expected}, got {got}"
            ));
        }
        // explain must agree with matches.
        let explanation = compiled.explain(&event_value);
        if explanation.is_none() != got {
            failures.push(format!(
                "#{i} explain disagrees with matches: {explanation:?}"
            ));
        }
        // And compile through a Value gives the same answer.
        match Pattern::compile(&parse(pattern_text(pattern))) {
            Ok(p) => assert_eq!(p.matches(&event_value), got),
            Err(e) => failures.push(format!("#{i} compile(Value) failed: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- SNS dialects -------------------------------------------------------------------------------

/// (dialect, policy, message attributes or body, expected)
const SNS_CASES: &[(Dialect, &str, &str, bool)] = &[
    // string-value-matching: exact
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":["rugby","tennis"]}"#,
        r#"{"customer_interests":"rugby"}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":["rugby","tennis"]}"#,
        r#"{"customer_interests":"baseball"}"#,
        false,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":["rugby","tennis"]}"#,
        r#"{"customer_interests":"[\"rugby\",\"x\"]"}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":["rugby","tennis"]}"#,
        r#"{"customer_interests":["baseball","tennis"]}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":["rugby","tennis"]}"#,
        r#"{"customer_interests":{"Type":"String.Array","Value":"[\"baseball\"]"}}"#,
        false,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":["rugby","tennis"]}"#,
        r#"{"customer_interests":{"Type":"String","Value":"tennis"}}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":["rugby"]}"#,
        r#"{"other":"rugby"}"#,
        false,
    ),
    // anything-but: SNS String.Array needs every element to pass (string-value-matching)
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"anything-but":["rugby","tennis"]}]}"#,
        r#"{"customer_interests":"baseball"}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"anything-but":["rugby","tennis"]}]}"#,
        r#"{"customer_interests":"rugby"}"#,
        false,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"anything-but":["rugby","tennis"]}]}"#,
        r#"{"customer_interests":"[\"rugby\",\"baseball\"]"}"#,
        false,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"anything-but":["rugby","tennis"]}]}"#,
        r#"{"customer_interests":"[\"football\",\"baseball\"]"}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"anything-but":"rugby"}]}"#,
        r#"{}"#,
        false,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"anything-but":"rugby"},{"exists":false}]}"#,
        r#"{}"#,
        true,
    ),
    (
        Dialect::SnsBody,
        r#"{"customer_interests":[{"anything-but":["rugby","tennis"]}]}"#,
        r#"{"customer_interests":["rugby","baseball"]}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"anything-but":{"prefix":"bas"}}]}"#,
        r#"{"customer_interests":"rugby"}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"anything-but":{"prefix":"bas"}}]}"#,
        r#"{"customer_interests":"baseball"}"#,
        false,
    ),
    // prefix / suffix / equals-ignore-case
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"prefix":"bas"}]}"#,
        r#"{"customer_interests":"baseball"}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"prefix":"bas"}]}"#,
        r#"{"customer_interests":"rugby"}"#,
        false,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"suffix":"ball"}]}"#,
        r#"{"customer_interests":"baseball"}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":[{"equals-ignore-case":"tennis"}]}"#,
        r#"{"customer_interests":"TENNIS"}"#,
        true,
    ),
    // numeric-value-matching
    (
        Dialect::SnsAttributes,
        r#"{"price_usd":[{"numeric":["=",301.5]}]}"#,
        r#"{"price_usd":{"Type":"Number","Value":"301.5"}}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"price_usd":[{"numeric":["=",301.5]}]}"#,
        r#"{"price_usd":{"Type":"Number","Value":"3.015e2"}}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"price_usd":[{"numeric":["=",301.5]}]}"#,
        r#"{"price_usd":301.5}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"price_usd":[{"numeric":[">",0,"<=",150]}]}"#,
        r#"{"price_usd":100}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"price_usd":[{"numeric":[">",0,"<=",150]}]}"#,
        r#"{"price_usd":151}"#,
        false,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"price_usd":[{"numeric":[">",0]}]}"#,
        r#"{"price_usd":2e9}"#,
        false,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"price_usd":[{"anything-but":[100,500]}]}"#,
        r#"{"price_usd":{"Type":"Number","Value":"100"}}"#,
        false,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"price_usd":[{"anything-but":[100,500]}]}"#,
        r#"{"price_usd":{"Type":"Number","Value":"101"}}"#,
        true,
    ),
    // attribute-key-matching
    (
        Dialect::SnsAttributes,
        r#"{"store":[{"exists":true}]}"#,
        r#"{"store":"example_corp"}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"store":[{"exists":true}]}"#,
        r#"{"event":"order_placed"}"#,
        false,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"store":[{"exists":false}]}"#,
        r#"{"event":"order_placed"}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"store":[{"exists":true}]}"#,
        r#"{"store":{"Type":"Binary","Value":"AAA="}}"#,
        false,
    ),
    // ip matching
    (
        Dialect::SnsAttributes,
        r#"{"source_ip":[{"cidr":"10.0.0.0/24"}]}"#,
        r#"{"source_ip":"10.0.0.255"}"#,
        true,
    ),
    // and-or-logic
    (
        Dialect::SnsAttributes,
        r#"{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}"#,
        r#"{"source":"aws.cloudwatch","namespace":"AWS/EC2"}"#,
        true,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"source":["aws.cloudwatch"],"$or":[{"metricName":["CPUUtilization"]},{"namespace":["AWS/EC2"]}]}"#,
        r#"{"source":"aws.cloudwatch"}"#,
        false,
    ),
    (
        Dialect::SnsAttributes,
        r#"{"customer_interests":["rugby"],"price_usd":[{"numeric":[">",100]}]}"#,
        r#"{"customer_interests":"rugby","price_usd":101}"#,
        true,
    ),
    // message body scope: nested
    (
        Dialect::SnsBody,
        r#"{"store":{"city":["Seattle"]}}"#,
        r#"{"store":{"city":"Seattle","zip":1}}"#,
        true,
    ),
    (
        Dialect::SnsBody,
        r#"{"store":{"city":["Seattle"]}}"#,
        r#"{"store":{"city":"Portland"}}"#,
        false,
    ),
    (
        Dialect::SnsBody,
        r#"{"customer_interests":["rugby"]}"#,
        r#"{"customer_interests":"[\"rugby\"]"}"#,
        false,
    ),
    // SNS "and-or-logic": a malformed $or is an ordinary attribute name.
    (Dialect::SnsBody, r#"{"$or":["x"]}"#, r#"{"$or":"x"}"#, true),
    (
        Dialect::SnsAttributes,
        r#"{"$or":["x","y"]}"#,
        r#"{"$or":"y"}"#,
        true,
    ),
];

#[test]
fn sns_dialects() {
    let mut failures = Vec::new();
    for (i, (dialect, policy, message, expected)) in SNS_CASES.iter().enumerate() {
        let compiled = match Pattern::parse_str_dialect(policy, *dialect) {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("#{i} {policy}: compile error {e}"));
                continue;
            }
        };
        assert_eq!(compiled.dialect(), *dialect);
        let message = parse(message);
        let got = compiled.matches(&message);
        if got != *expected {
            failures.push(format!(
                "#{i} {dialect:?} {policy} vs {message}: expected {expected}, got {got}"
            ));
        }
        if compiled.explain(&message).is_none() != got {
            failures.push(format!("#{i} explain disagrees"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- compile errors -------------------------------------------------------------------------------

/// (dialect, pattern, expected error path, substring of the message)
const ERROR_CASES: &[(Dialect, &str, &str, &str)] = &[
    (Dialect::EventBridge, r#"[]"#, "", "must be a JSON object"),
    (
        Dialect::EventBridge,
        r#""source""#,
        "",
        "must be a JSON object",
    ),
    (Dialect::EventBridge, r#"null"#, "", "must be a JSON object"),
    (Dialect::EventBridge, r#"{}"#, "", "empty"),
    (
        Dialect::EventBridge,
        r#"{"a":"x"}"#,
        "a",
        "expected an array",
    ),
    (Dialect::EventBridge, r#"{"a":5}"#, "a", "expected an array"),
    (
        Dialect::EventBridge,
        r#"{"a":null}"#,
        "a",
        "expected an array",
    ),
    (Dialect::EventBridge, r#"{"a":[]}"#, "a", "empty arrays"),
    (Dialect::EventBridge, r#"{"a":{}}"#, "a", "empty objects"),
    (
        Dialect::EventBridge,
        r#"{"detail":{"x":{"y":[]}}}"#,
        "detail.x.y",
        "empty arrays",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[["x"]]}"#,
        "a[0]",
        "nested arrays",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":["x",{}]}"#,
        "a[1]",
        "empty operator",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"prefix":"x","suffix":"y"}]}"#,
        "a[0]",
        "exactly one key",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"contains":"x"}]}"#,
        "a[0].contains",
        "unknown operator",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"exactly":"x"}]}"#,
        "a[0].exactly",
        "unknown operator",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"prefix":5}]}"#,
        "a[0].prefix",
        "expects a string",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"prefix":{"foo":"x"}}]}"#,
        "a[0].prefix",
        "equals-ignore-case",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"prefix":{"equals-ignore-case":5}}]}"#,
        "a[0].prefix.equals-ignore-case",
        "expects a string",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"suffix":["x"]}]}"#,
        "a[0].suffix",
        "expects a string",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"equals-ignore-case":["x"]}]}"#,
        "a[0].equals-ignore-case",
        "expects a string",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"wildcard":"a**b"}]}"#,
        "a[0].wildcard",
        "consecutive",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"wildcard":"a\\b"}]}"#,
        "a[0].wildcard",
        "escape",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"wildcard":5}]}"#,
        "a[0].wildcard",
        "expects a string",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":true}]}"#,
        "a[0].anything-but",
        "anything-but expects",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":null}]}"#,
        "a[0].anything-but",
        "anything-but expects",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":[]}]}"#,
        "a[0].anything-but",
        "must not be empty",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":["x",1]}]}"#,
        "a[0].anything-but",
        "not a mix",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":[null]}]}"#,
        "a[0].anything-but[0]",
        "only hold strings or numbers",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":{"numeric":[">",1]}}]}"#,
        "a[0].anything-but.numeric",
        "does not support",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":{"exists":true}}]}"#,
        "a[0].anything-but.exists",
        "does not support",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":{"prefix":""}}]}"#,
        "a[0].anything-but.prefix",
        "empty prefix",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":{"prefix":5}}]}"#,
        "a[0].anything-but.prefix",
        "string or a list",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":{"prefix":"x","suffix":"y"}}]}"#,
        "a[0].anything-but",
        "exactly one",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":{"wildcard":"**"}}]}"#,
        "a[0].anything-but.wildcard",
        "consecutive",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":{"suffix":[]}}]}"#,
        "a[0].anything-but.suffix",
        "must not be empty",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"anything-but":{"equals-ignore-case":[1]}}]}"#,
        "a[0].anything-but.equals-ignore-case[0]",
        "expects strings",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":5}]}"#,
        "a[0].numeric",
        "expects an array",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":[]}]}"#,
        "a[0].numeric",
        "empty array",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":[">"]}]}"#,
        "a[0].numeric",
        "must follow",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":[">","5"]}]}"#,
        "a[0].numeric[1]",
        "JSON number",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":["!=",5]}]}"#,
        "a[0].numeric[0]",
        "unknown comparison",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":[5,">"]}]}"#,
        "a[0].numeric[0]",
        "comparison operator",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":["<",10,">",0]}]}"#,
        "a[0].numeric",
        "lower bound first",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":[">",10,"<",5]}]}"#,
        "a[0].numeric",
        "less than the upper",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":[">=",5,"<=",5]}]}"#,
        "a[0].numeric",
        "less than the upper",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":[">",0,">",5]}]}"#,
        "a[0].numeric[2]",
        "must be < or <=",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":[">",0,"<",5,"<",6]}]}"#,
        "a[0].numeric",
        "too many terms",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":["=",5,"<",6]}]}"#,
        "a[0].numeric",
        "too many terms",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":[">",0,"<"]}]}"#,
        "a[0].numeric",
        "must follow",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":[">",6e9]}]}"#,
        "a[0].numeric[1]",
        "outside the supported range",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"numeric":[">",0,"<",-6e9]}]}"#,
        "a[0].numeric[3]",
        "outside the supported range",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"exists":"true"}]}"#,
        "a[0].exists",
        "true or false",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"exists":1}]}"#,
        "a[0].exists",
        "true or false",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"cidr":"10.0.0.0"}]}"#,
        "a[0].cidr",
        "malformed CIDR",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"cidr":"10.0.0.0/33"}]}"#,
        "a[0].cidr",
        "mask length",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"cidr":"10.0.0.0/32"}]}"#,
        "a[0].cidr",
        "mask length",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"cidr":"::/128"}]}"#,
        "a[0].cidr",
        "mask length",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"cidr":"1.2.3/8"}]}"#,
        "a[0].cidr",
        "not an IPv4 or IPv6",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"cidr":"10.0.0.0/x"}]}"#,
        "a[0].cidr",
        "mask length",
    ),
    (
        Dialect::EventBridge,
        r#"{"a":[{"cidr":5}]}"#,
        "a[0].cidr",
        "expects a string",
    ),
    (
        Dialect::EventBridge,
        r#"{"$or":[{"a":["x"]}]}"#,
        "$or",
        "at least two",
    ),
    (Dialect::EventBridge, r#"{"$or":[]}"#, "$or", "at least two"),
    (
        Dialect::EventBridge,
        r#"{"$or":{"a":["x"]}}"#,
        "$or",
        "must be an array",
    ),
    (
        Dialect::EventBridge,
        r#"{"$or":[{"a":["x"]},"b"]}"#,
        "$or[1]",
        "must be an object",
    ),
    (
        Dialect::EventBridge,
        r#"{"$or":[{"a":["x"]},{}]}"#,
        "$or[1]",
        "empty objects",
    ),
    (
        Dialect::EventBridge,
        r#"{"$or":[{"a":["x"]},{"prefix":["y"]}]}"#,
        "$or[1].prefix",
        "operator name",
    ),
    (
        Dialect::EventBridge,
        r#"{"$or":[{"numeric":[">",1]},{"cidr":["10.0.0.0/8"]}]}"#,
        "$or[0].numeric",
        "operator name",
    ),
    (
        Dialect::EventBridge,
        r#"{"detail":{"$or":[{"a":[]},{"b":["x"]}]}}"#,
        "detail.$or[0].a",
        "empty arrays",
    ),
    (
        Dialect::EventBridge,
        r#"{"x":["1"],"$or":[{"a":["x"]},{"b":{"c":[{"bad":1}]}}]}"#,
        "$or[1].b.c[0].bad",
        "unknown operator",
    ),
    (Dialect::EventBridge, r#"{"a":["x"]"#, "", "invalid JSON"),
    (
        Dialect::EventBridge,
        r#"{"a":["x"]} trailing"#,
        "",
        "invalid JSON",
    ),
    (Dialect::EventBridge, r#""#, "", "invalid JSON"),
    // SNS
    (
        Dialect::SnsAttributes,
        r#"{"a":{"b":["x"]}}"#,
        "a",
        "must be flat",
    ),
    (
        Dialect::SnsAttributes,
        r#"{"a":["x"],"$or":[{"b":["x"]},{"c":{"d":["y"]}}]}"#,
        "$or[1].c",
        "must be flat",
    ),
    (
        Dialect::SnsAttributes,
        r#"{"a":[{"wildcard":"x*"}]}"#,
        "a[0].wildcard",
        "not supported in SNS",
    ),
    (
        Dialect::SnsBody,
        r#"{"a":[{"anything-but":{"wildcard":"x*"}}]}"#,
        "a[0].anything-but.wildcard",
        "not supported in SNS",
    ),
    (
        Dialect::SnsAttributes,
        r#"{"a":[{"numeric":[">",2e9]}]}"#,
        "a[0].numeric[1]",
        "outside the supported range",
    ),
    (
        Dialect::SnsBody,
        r#"{"a":[{"numeric":["=",0.123456]}]}"#,
        "a[0].numeric[1]",
        "decimal point",
    ),
    (
        Dialect::SnsAttributes,
        r#"{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}"#,
        "",
        "at most 5",
    ),
    (
        Dialect::SnsBody,
        r#"{"a":["1"],"$or":[{"b":["1"]},{"c":{"d":["1"]}}],"e":["1"],"f":{"g":["1"],"h":["1"]}}"#,
        "",
        "at most 5",
    ),
    (
        Dialect::SnsAttributes,
        r#"{"a":[1,2,3,4,5,6],"b":[1,2,3,4,5],"c":[1,2,3,4,5,6]}"#,
        "",
        "180 value combinations",
    ),
    (
        Dialect::SnsBody,
        r#"{"source":[1,2,3,4,5],"$or":[{"metricName":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]},{"namespace":[1,2,3,4,5,6,7,8,9,10,11]}]}"#,
        "",
        "155 value combinations",
    ),
    (
        Dialect::SnsBody,
        r#"{"$or":[{"a":["x"]}]}"#,
        "$or",
        "at least two",
    ),
];

#[test]
fn compile_errors() {
    let mut failures = Vec::new();
    for (i, (dialect, pattern, path, needle)) in ERROR_CASES.iter().enumerate() {
        match Pattern::parse_str_dialect(pattern, *dialect) {
            Ok(_) => failures.push(format!(
                "#{i} {pattern}: compiled, expected an error at {path:?}"
            )),
            Err(e) => {
                if e.path != *path || !e.message.contains(needle) {
                    failures.push(format!(
                        "#{i} {pattern}: got path {:?} message {:?}; expected path {path:?} containing {needle:?}",
                        e.path, e.message
                    ));
                }
                // Display is "path: message", or the message alone at the root.
                let shown = if e.path.is_empty() {
                    e.message.clone()
                } else {
                    format!("{}: {}", e.path, e.message)
                };
                assert_eq!(e.to_string(), shown);
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sns_limits_at_the_boundary_compile() {
    let ok = [
        (
            Dialect::SnsAttributes,
            r#"{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"]}"#,
        ),
        (
            Dialect::SnsAttributes,
            r#"{"a":[1,2,3,4,5,6],"b":[1,2,3,4,5],"c":[1,2,3,4,5]}"#,
        ),
        (
            Dialect::SnsBody,
            r#"{"a":["1"],"$or":[{"b":["1"]},{"c":["1"]}],"d":["1"],"e":["1"]}"#,
        ),
        (
            Dialect::SnsBody,
            r#"{"$or":[{"a":["1"]},{"a":["2"]}],"b":{"c":["1"]}}"#,
        ),
        (
            Dialect::SnsBody,
            r#"{"a":[{"numeric":[">=",-1e9,"<",1e9]}],"b":[{"numeric":["=",0.12345]}]}"#,
        ),
        // The AWS example that counts 6 keys is over the limit; one with 5 leaf keys and a
        // parent key is fine ("subscription-filter-policy-constraints").
        (
            Dialect::SnsBody,
            r#"{"state":["SUCCESS"],"finding":{"standard_control":[{"exists":true}],"region":[{"exists":true}],"account":[{"exists":true}]},"severity":[{"exists":true}]}"#,
        ),
    ];
    for (dialect, policy) in ok {
        if let Err(e) = Pattern::parse_str_dialect(policy, dialect) {
            panic!("{policy} should compile for {dialect:?}: {e}");
        }
    }
    // EventBridge has no key or combination limit.
    let wide =
        r#"{"a":[1,2,3,4,5,6],"b":[1,2,3,4,5],"c":[1,2,3,4,5,6],"d":["1"],"e":["1"],"f":["1"]}"#;
    assert!(Pattern::parse_str(wide).is_ok());
    // 151 values for one key.
    let values: Vec<Value> = (0..151).map(|i| json!(i)).collect();
    let err = Pattern::compile_dialect(&json!({ "a": values }), Dialect::SnsBody).err();
    assert!(err.is_some_and(|e| e.message.contains("151 value combinations")));
}

#[test]
fn pattern_nested_too_deep_is_an_error() {
    // 129 levels of objects, built without recursion.
    let mut value = json!({"leaf": ["x"]});
    for _ in 0..MAX_PATTERN_DEPTH {
        value = json!({ "n": value });
    }
    let err = match Pattern::compile(&value) {
        Ok(_) => panic!("should not compile"),
        Err(e) => e,
    };
    assert!(err.message.contains("nested more than 128"), "{err}");
    assert!(err.path.starts_with("n.n.n"), "{}", err.path);
    // 127 levels is fine and matches an event of the same shape.
    let mut value = json!({"leaf": ["x"]});
    let mut event = json!({"leaf": "x"});
    for _ in 0..MAX_PATTERN_DEPTH - 1 {
        value = json!({ "n": value });
        event = json!({ "n": [event] });
    }
    let pattern = match Pattern::compile(&value) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    assert!(pattern.matches(&event));
    assert!(pattern.explain(&event).is_none());
}

#[test]
fn pattern_nested_100k_levels_via_parse_str_is_an_error() {
    let depth = 100_000;
    let mut text = String::with_capacity(depth * 6 + 8);
    for _ in 0..depth {
        text.push_str("{\"a\":");
    }
    text.push_str("[\"x\"]");
    for _ in 0..depth {
        text.push('}');
    }
    let err = match Pattern::parse_str(&text) {
        Ok(_) => panic!("should not compile"),
        Err(e) => e,
    };
    assert_eq!(err.path, "");
    assert!(err.message.contains("invalid JSON"), "{}", err.message);
    // Same for arrays.
    let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert!(Pattern::parse_str(&text).is_err());
}

#[test]
fn deeply_nested_event_arrays_do_not_overflow() {
    let pattern = match Pattern::parse_str(r#"{"a":["x"],"b":{"c":["y"]}}"#) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let mut deep = json!("x");
    for _ in 0..1_000 {
        deep = Value::Array(vec![deep]);
    }
    let event = json!({"a": deep.clone(), "b": deep});
    assert!(!pattern.matches(&event));
    assert!(pattern.explain(&event).is_some());
    // Shallow enough: found.
    let mut shallow = json!("x");
    for _ in 0..50 {
        shallow = Value::Array(vec![shallow]);
    }
    let event = json!({"a": shallow, "b": [[[{"c": [[["y"]]]}]]]});
    assert!(pattern.matches(&event));
}

#[test]
fn or_expansion_is_capped() {
    // 11 sequential $or pairs → 2^11 = 2048 alternatives > MAX_ALTERNATIVES.
    let mut obj = serde_json::Map::new();
    for i in 0..11 {
        obj.insert(
            format!("k{i}"),
            json!({"$or": [{"a": ["1"]}, {"b": ["2"]}]}),
        );
    }
    let err = Pattern::compile(&Value::Object(obj.clone())).err();
    assert!(err.is_some_and(|e| e.message.contains("alternatives")));
    obj.retain(|k, _| k != "k10" && k != "k9");
    match Pattern::compile(&Value::Object(obj)) {
        Ok(p) => assert_eq!(p.alternatives(), 512),
        Err(e) => panic!("{e}"),
    }
}

// ---- explain ---------------------------------------------------------------------------------------

fn explain(pattern: &str, event: &str) -> Option<Mismatch> {
    match Pattern::parse_str(pattern) {
        Ok(p) => {
            let event = parse(event);
            let m = p.explain(&event);
            assert_eq!(m.is_none(), p.matches(&event), "explain/matches disagree");
            m
        }
        Err(e) => panic!("{pattern}: {e}"),
    }
}

fn expect_miss(pattern: &str, event: &str, path: &str, reason_contains: &str) {
    match explain(pattern, event) {
        None => panic!("{pattern} matched {event}"),
        Some(m) => {
            assert_eq!(m.path, path, "reason was {:?}", m.reason);
            assert!(
                m.reason.contains(reason_contains),
                "reason {:?} lacks {reason_contains:?}",
                m.reason
            );
        }
    }
}

#[test]
fn explain_reports_path_and_reason() {
    let status = r#"{"detail":{"status":["new","paid"]}}"#;
    assert_eq!(
        explain(status, r#"{"detail":{"status":"shipped"}}"#),
        Some(Mismatch {
            path: "detail.status".into(),
            reason: r#"value "shipped" is not one of ["new", "paid"]"#.into(),
        })
    );
    assert_eq!(explain(status, r#"{"detail":{"status":"paid"}}"#), None);
    expect_miss(
        status,
        r#"{"detail":{}}"#,
        "detail.status",
        "field is missing",
    );
    expect_miss(status, r#"{}"#, "detail", "field is missing");
    expect_miss(status, r#"{"detail":"x"}"#, "detail", "expected an object");
    expect_miss(
        status,
        r#"{"detail":{"status":{"a":1}}}"#,
        "detail.status",
        "field is an object",
    );
    expect_miss(
        status,
        r#"{"detail":{"status":[]}}"#,
        "detail.status",
        "empty array",
    );
    expect_miss(
        status,
        r#"{"detail":{"status":["a","b"]}}"#,
        "detail.status",
        r#"none of the values ["a", "b"]"#,
    );

    // First failing field in pattern order.
    expect_miss(
        r#"{"source":["a"],"detail-type":["b"]}"#,
        r#"{"source":"x","detail-type":"y"}"#,
        "source",
        r#"value "x""#,
    );
    expect_miss(
        r#"{"source":["a"],"detail-type":["b"]}"#,
        r#"{"source":"a","detail-type":"y"}"#,
        "detail-type",
        r#"is not one of ["b"]"#,
    );
    // Type hints.
    expect_miss(r#"{"a":["1"]}"#, r#"{"a":1}"#, "a", "types must match");
    expect_miss(r#"{"a":[1]}"#, r#"{"a":"1"}"#, "a", "types must match");
    expect_miss(
        r#"{"a":[{"numeric":[">",1]}]}"#,
        r#"{"a":"5"}"#,
        "a",
        "numeric only matches JSON numbers",
    );
    expect_miss(
        r#"{"a":[{"prefix":"1"}]}"#,
        r#"{"a":12}"#,
        "a",
        "only match strings",
    );
    expect_miss(
        r#"{"a":[{"numeric":[">",0,"<=",5]}]}"#,
        r#"{"a":6}"#,
        "a",
        "numeric > 0 and <= 5",
    );
    // anything-but and exists.
    expect_miss(
        r#"{"a":[{"anything-but":["x","y"]}]}"#,
        r#"{"a":"x"}"#,
        "a",
        "excluded by anything-but",
    );
    expect_miss(
        r#"{"a":[{"anything-but":"x"}]}"#,
        r#"{}"#,
        "a",
        "field is missing",
    );
    expect_miss(
        r#"{"a":[{"exists":false}]}"#,
        r#"{"a":3}"#,
        "a",
        "requires it to be absent",
    );
    expect_miss(
        r#"{"a":[{"exists":true}]}"#,
        r#"{"a":{"b":1}}"#,
        "a",
        "field is an object",
    );
    // Array consistency is called out.
    expect_miss(
        r#"{"a":{"b":["x"],"c":["y"]}}"#,
        r#"{"a":[{"b":"x","c":"z"},{"b":"w","c":"y"}]}"#,
        "a.c",
        "same element",
    );
    // $or: the closest alternative is reported.
    expect_miss(
        r#"{"source":["s"],"$or":[{"x":["1"]},{"y":["2"],"z":["3"]}]}"#,
        r#"{"source":"s","y":"2","z":"4"}"#,
        "z",
        "closest of 2",
    );
    // Mixed operators list.
    expect_miss(
        r#"{"a":["new",{"prefix":"pa"},{"numeric":[">",10]}]}"#,
        r#"{"a":"old"}"#,
        "a",
        r#"does not match any of: "new", prefix "pa", numeric > 10"#,
    );
}

#[test]
fn explain_for_sns_attributes() {
    let policy = match Pattern::parse_str_dialect(
        r#"{"customer_interests":["rugby","tennis"],"price":[{"numeric":[">",10]}]}"#,
        Dialect::SnsAttributes,
    ) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let message =
        json!({"customer_interests": {"Type": "String.Array", "Value": "[\"golf\"]"}, "price": 5});
    match policy.explain(&message) {
        Some(m) => {
            assert_eq!(m.path, "customer_interests");
            assert!(m.reason.contains("\"golf\""), "{}", m.reason);
        }
        None => panic!("should not match"),
    }
    let message =
        json!({"customer_interests": "tennis", "price": {"Type": "Number", "Value": "5"}});
    match policy.explain(&message) {
        Some(m) => assert_eq!(m.path, "price"),
        None => panic!("should not match"),
    }
}

// ---- summary ---------------------------------------------------------------------------------------

#[test]
fn summaries() {
    let s = |p: &str| match Pattern::parse_str(p) {
        Ok(p) => p.summary(),
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        s(r#"{"source":["com.shop"],"detail-type":["New Order"]}"#),
        "source=com.shop, detail-type=New Order"
    );
    assert_eq!(
        s(r#"{"detail":{"amount":[{"numeric":[">",0,"<=",5]}]}}"#),
        "detail.amount>0,<=5"
    );
    assert_eq!(
        s(r#"{"a":[{"exists":false}],"b":[{"exists":true}]}"#),
        "a !exists, b exists"
    );
    assert_eq!(
        s(r#"{"a":["x",{"prefix":"p"},{"anything-but":["q","r"]}]}"#),
        "a=x|prefix:p|!(q|r)"
    );
    assert_eq!(
        s(r#"{"source":["s"],"$or":[{"x":["1"]},{"y":[2]}]}"#),
        "source=s, (x=1 | y=2)"
    );
    let long = s(
        r#"{"source":["com.example.a.very.long.source.name"],"detail-type":["An Extremely Long Detail Type Name That Goes On"]}"#,
    );
    assert_eq!(long.chars().count(), SUMMARY_MAX_CHARS);
    assert!(long.ends_with('…'));
}

#[test]
fn patterns_are_send_sync_and_clone() {
    fn assert_send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
    assert_send_sync::<Pattern>();
    assert_send_sync::<PatternError>();
    assert_send_sync::<Mismatch>();
}

// ---- never panic ------------------------------------------------------------------------------------

/// xorshift64* — small, deterministic, no dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = self.below(items.len());
        items.get(i).copied().unwrap_or("")
    }
}

const VOCAB: &[&str] = &[
    "a",
    "b",
    "c",
    "detail",
    "source",
    "$or",
    "prefix",
    "suffix",
    "equals-ignore-case",
    "wildcard",
    "anything-but",
    "numeric",
    "exists",
    "cidr",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "",
    "a.b",
    "ÿ",
];

const STRINGS: &[&str] = &[
    "",
    "a",
    "ab",
    "x",
    "*",
    "a*b",
    "**",
    "\\",
    "\\*",
    "10.0.0.0/24",
    "10.0.0.1",
    "::1",
    "2001:db8::/32",
    ">",
    "<=",
    "=",
    "ÉCOLE",
    "école",
    "[\"a\",\"b\"]",
    "[1,",
    "running",
];

fn random_scalar(rng: &mut Rng) -> Value {
    match rng.below(8) {
        0 => Value::Null,
        1 => Value::Bool(rng.chance(50)),
        2 => json!(rng.below(20) as i64 - 10),
        3 => json!(((rng.next() % 2_000_000) as f64 - 1_000_000.0) / 7.0),
        4 => json!([6e9, -6e9, 1e300, 0.000001, 5e9][rng.below(5)]),
        _ => Value::String(rng.pick(STRINGS).to_string()),
    }
}

/// Arbitrary JSON with keys and strings from the operator vocabulary.
fn random_value(rng: &mut Rng, depth: usize, max_depth: usize) -> Value {
    if depth >= max_depth || rng.chance(30) {
        return random_scalar(rng);
    }
    if rng.chance(50) {
        let n = rng.below(4);
        let mut map = serde_json::Map::new();
        for _ in 0..n {
            let key = rng.pick(VOCAB).to_string();
            map.insert(key, random_value(rng, depth + 1, max_depth));
        }
        Value::Object(map)
    } else {
        let n = rng.below(4);
        Value::Array(
            (0..n)
                .map(|_| random_value(rng, depth + 1, max_depth))
                .collect(),
        )
    }
}

/// A chain nested `levels` deep (objects or arrays), built iteratively.
fn deep_chain(rng: &mut Rng, levels: usize) -> Value {
    let mut v = random_scalar(rng);
    for _ in 0..levels {
        v = if rng.chance(50) {
            let mut map = serde_json::Map::new();
            map.insert(rng.pick(VOCAB).to_string(), v);
            Value::Object(map)
        } else {
            Value::Array(vec![v])
        };
    }
    v
}

/// A mostly-valid pattern element (operator or value).
fn random_element(rng: &mut Rng) -> Value {
    let s = rng.pick(STRINGS);
    match rng.below(14) {
        0 => json!({"prefix": s}),
        1 => json!({"suffix": {"equals-ignore-case": s}}),
        2 => json!({"equals-ignore-case": s}),
        3 => json!({"wildcard": s}),
        4 => json!({"anything-but": [s, rng.pick(STRINGS)]}),
        5 => json!({"anything-but": {"prefix": s}}),
        6 => json!({"anything-but": [rng.below(5), 7]}),
        7 => json!({"numeric": [">", rng.below(10), "<=", 10 + rng.below(10)]}),
        8 => json!({"numeric": ["<", rng.below(10) as f64 / 3.0]}),
        9 => json!({"exists": rng.chance(50)}),
        10 => json!({"cidr": "10.0.0.0/8"}),
        11 => json!({"anything-but": {"wildcard": [s]}}),
        _ => random_scalar(rng),
    }
}

/// A mostly-valid pattern object.
fn random_pattern(rng: &mut Rng, depth: usize, max_depth: usize) -> Value {
    let mut map = serde_json::Map::new();
    let n = 1 + rng.below(3);
    for _ in 0..n {
        let key = rng
            .pick(&["a", "b", "c", "detail", "source", "a.b"])
            .to_string();
        let roll = rng.below(10);
        let value = if depth < max_depth && roll < 2 {
            random_pattern(rng, depth + 1, max_depth)
        } else if depth < max_depth && roll == 2 {
            map.insert(
                "$or".into(),
                json!([
                    random_pattern(rng, depth + 1, max_depth),
                    random_pattern(rng, depth + 1, max_depth)
                ]),
            );
            continue;
        } else {
            Value::Array((0..1 + rng.below(3)).map(|_| random_element(rng)).collect())
        };
        map.insert(key, value);
    }
    // Occasionally break it.
    if rng.chance(5) {
        map.insert(rng.pick(VOCAB).to_string(), random_value(rng, 0, 3));
    }
    Value::Object(map)
}

/// An event shaped like the patterns (so that matching gets somewhere).
fn random_event(rng: &mut Rng, depth: usize, max_depth: usize) -> Value {
    let mut map = serde_json::Map::new();
    for key in ["a", "b", "c", "detail", "source", "a.b"] {
        if rng.chance(35) {
            continue;
        }
        let value = if depth < max_depth && rng.chance(30) {
            if rng.chance(50) {
                random_event(rng, depth + 1, max_depth)
            } else {
                Value::Array(
                    (0..rng.below(3))
                        .map(|_| random_event(rng, depth + 1, max_depth))
                        .collect(),
                )
            }
        } else if rng.chance(30) {
            Value::Array((0..rng.below(4)).map(|_| random_scalar(rng)).collect())
        } else {
            random_scalar(rng)
        };
        map.insert(key.to_string(), value);
    }
    Value::Object(map)
}

fn exercise(pattern: &Value, events: &[Value], stats: &mut (usize, usize)) {
    for dialect in [
        Dialect::EventBridge,
        Dialect::SnsAttributes,
        Dialect::SnsBody,
    ] {
        match Pattern::compile_dialect(pattern, dialect) {
            Ok(compiled) => {
                stats.0 += 1;
                let _ = compiled.summary();
                for event in events {
                    let m = compiled.matches(event);
                    if m {
                        stats.1 += 1;
                    }
                    let e = compiled.explain(event);
                    assert_eq!(
                        e.is_none(),
                        m,
                        "explain/matches disagree\npattern {pattern}\nevent {event}\n{e:?}"
                    );
                }
            }
            Err(e) => {
                assert!(!e.message.is_empty());
            }
        }
    }
}

#[test]
fn never_panics_on_random_input() {
    let mut rng = Rng(0x5EED_1234_ABCD_0042);
    let mut stats = (0usize, 0usize);
    for round in 0..2_000 {
        // Arbitrary junk patterns (up to 300 deep) against arbitrary junk events.
        let junk = if round % 50 == 0 {
            deep_chain(&mut rng, 300)
        } else {
            random_value(&mut rng, 0, 6)
        };
        let junk_events: Vec<Value> = (0..3)
            .map(|i| {
                if i == 0 && round % 40 == 0 {
                    deep_chain(&mut rng, 300)
                } else {
                    random_value(&mut rng, 0, 5)
                }
            })
            .collect();
        exercise(&junk, &junk_events, &mut stats);
        // Structured, mostly valid patterns against shaped events.
        let pattern = random_pattern(&mut rng, 0, 3);
        let events: Vec<Value> = (0..8).map(|_| random_event(&mut rng, 0, 3)).collect();
        exercise(&pattern, &events, &mut stats);
        // The same pattern through the text path.
        let _ = Pattern::parse_str(&pattern.to_string());
    }
    // Sanity: the generator produced many compilable patterns and some matches.
    assert!(stats.0 > 1_000, "only {} patterns compiled", stats.0);
    assert!(stats.1 > 100, "only {} matches", stats.1);
}

#[test]
fn never_panics_on_random_text() {
    let mut rng = Rng(42);
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"a\"",
        "\"$or\"",
        "\"prefix\"",
        "\"numeric\"",
        "\">\"",
        "1",
        "-",
        "1e999",
        "null",
        "true",
        "\"\\u0000\"",
        "\"\\ud800\"",
        " ",
        "\"anything-but\"",
        "\"exists\"",
    ];
    for _ in 0..3_000 {
        let n = rng.below(40);
        let text: String = (0..n).map(|_| pieces[rng.below(pieces.len())]).collect();
        let _ = Pattern::parse_str(&text);
        let _ = Pattern::parse_str_dialect(&text, Dialect::SnsAttributes);
    }
}

// ---- a realistic pattern, matched repeatedly ---------------------------------------------------

#[test]
fn matching_a_realistic_pattern_is_repeatable() {
    let pattern = match Pattern::parse_str(
        r#"{"source":["com.shop"],"detail-type":["OrderPlaced","OrderPaid"],"detail":{"amount":[{"numeric":[">",100]}],"status":[{"anything-but":"cancelled"}]}}"#,
    ) {
        Ok(p) => p,
        Err(e) => panic!("{e}"),
    };
    let event = json!({
        "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "OrderPlaced",
        "source": "com.shop", "account": "111122223333", "time": "2017-12-22T18:43:48Z",
        "region": "us-west-1", "resources": ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
        "detail": {"orderId": "o-1", "amount": 250.5, "status": "new", "items": [{"sku": "a"}, {"sku": "b"}]}
    });
    assert!(pattern.matches(&event));
    let rounds = 1_000u32;
    let mut hits = 0u32;
    for _ in 0..rounds {
        if pattern.matches(std::hint::black_box(&event)) {
            hits += 1;
        }
    }
    // Matching is pure: the same event matches every time (speed is measured by benches/engine.rs, not here).
    assert_eq!(hits, rounds);
}
