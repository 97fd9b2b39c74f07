//! Template text → JSON value, as CloudFormation reads it.
//!
//! JSON templates go through `serde_json` (object order kept). YAML templates go through `saphyr-parser`'s event
//! API, which keeps every tag and position: the short-form intrinsic tags become their long forms
//! (`!Ref X` → `{"Ref": "X"}`, `!GetAtt A.B` → `{"Fn::GetAtt": ["A", "B"]}`, `!Sub …` → `{"Fn::Sub": …}`,
//! `!Condition C` → `{"Condition": "C"}`, any other `!Name` → `{"Fn::Name": …}`), and plain scalars are resolved
//! the way CloudFormation's YAML 1.1 reader does: `true`/`True`/`yes`/`on` … are booleans, integers and decimals
//! are numbers, `~`/`null`/empty are null, and everything else — `2012-10-17`, `1.0.0`, `0123`, `1e` — stays a
//! string. Quoted and block scalars are always strings. Anchors, aliases and `<<` merge keys work; only the first
//! document of a stream is read. A syntax error is reported as `line:col` (1-based).

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};

/// Deepest nesting accepted; deeper input is refused rather than risking the stack.
const MAX_DEPTH: usize = 200;

/// A syntax error with its 1-based position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

/// Parses a template's text (YAML or JSON) into a JSON value with intrinsic functions in their long forms.
pub fn parse_template(text: &str) -> Result<Value, SyntaxError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| SyntaxError {
            line: e.line(),
            col: e.column(),
            message: e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_string(),
        });
    }
    let strict = parse_yaml(text);
    match strict {
        // CloudFormation (like PyYAML) accepts a flow collection whose continuation lines are indented no deeper
        // than its key, which YAML 1.2 parsers refuse: retry once with those lines indented.
        Err(e) if e.message.contains("indentation") => {
            parse_yaml(&indent_flow_continuations(text)).map_err(|_| e)
        }
        other => other,
    }
}

fn parse_yaml(text: &str) -> Result<Value, SyntaxError> {
    let mut builder = Builder {
        parser: Parser::new_from_str(text),
        anchors: Vec::new(),
    };
    builder.document()
}

/// Indents every line that continues a flow collection (`[…]`, `{…}` spanning lines) one column deeper than the
/// line that opened it. Flow collections ignore indentation, so the meaning is unchanged.
fn indent_flow_continuations(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 256);
    let mut depth = 0usize;
    let mut open_indent = 0usize;
    let mut quote: Option<char> = None;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if depth > 0 && quote.is_none() && indent <= open_indent && !line.trim().is_empty() {
            out.push_str(&" ".repeat(open_indent + 1 - indent));
        } else if depth == 0 {
            open_indent = indent;
        }
        out.push_str(line);
        let mut prev = ' ';
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match quote {
                Some('\'') if c == '\'' => {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                    } else {
                        quote = None;
                    }
                }
                Some('"') if c == '\\' => {
                    chars.next();
                }
                Some('"') if c == '"' => quote = None,
                Some(_) => {}
                None => {
                    let at_value_start = matches!(prev, ' ' | '\t' | '[' | '{' | ',' | ':');
                    match c {
                        '#' if matches!(prev, ' ' | '\t') => break,
                        '\'' | '"' if at_value_start || depth > 0 && prev == ' ' => quote = Some(c),
                        '[' | '{' if at_value_start || depth > 0 => depth += 1,
                        ']' | '}' if depth > 0 => depth -= 1,
                        _ => {}
                    }
                }
            }
            prev = c;
        }
    }
    out
}

struct Builder<'a> {
    parser: Parser<'a, saphyr_parser::StrInput<'a>>,
    /// Values of anchored nodes, by anchor id (ids start at 1).
    anchors: Vec<(usize, Value)>,
}

fn at(span: &Span, message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        line: span.start.line(),
        col: span.start.col() + 1,
        message: message.into(),
    }
}

impl<'a> Builder<'a> {
    fn next(&mut self) -> Result<(Event<'a>, Span), SyntaxError> {
        match self.parser.next_event() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => Err(SyntaxError {
                line: e.marker().line(),
                col: e.marker().col() + 1,
                message: e.info().to_string(),
            }),
            None => Err(SyntaxError {
                line: 1,
                col: 1,
                message: "unexpected end of input".into(),
            }),
        }
    }

    /// Reads the stream up to the end of the first document; an empty stream is `null`.
    fn document(&mut self) -> Result<Value, SyntaxError> {
        loop {
            let (ev, span) = self.next()?;
            match ev {
                Event::StreamStart | Event::Nothing => continue,
                Event::StreamEnd => return Ok(Value::Null),
                Event::DocumentStart(_) => break,
                _ => return Err(at(&span, "expected a document")),
            }
        }
        let (ev, span) = self.next()?;
        if matches!(ev, Event::DocumentEnd) {
            return Ok(Value::Null);
        }
        let value = self.node(ev, span, 0)?;
        // Drain the rest of the stream so that syntax errors after the first document are still reported.
        loop {
            let (ev, _) = self.next()?;
            if matches!(ev, Event::StreamEnd) {
                break;
            }
        }
        Ok(value)
    }

    fn node(&mut self, ev: Event<'a>, span: Span, depth: usize) -> Result<Value, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(at(&span, format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let (value, anchor) = match ev {
            Event::Scalar(text, style, anchor, tag) => {
                (scalar(&text, style, tag.as_deref(), &span)?, anchor)
            }
            Event::SequenceStart(anchor, tag) => {
                let mut items = Vec::new();
                loop {
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    items.push(self.node(ev, span, depth + 1)?);
                }
                (tagged(Value::Array(items), tag.as_deref(), &span)?, anchor)
            }
            Event::MappingStart(anchor, tag) => {
                let map = self.mapping(depth)?;
                (tagged(Value::Object(map), tag.as_deref(), &span)?, anchor)
            }
            Event::Alias(id) => {
                let found = self.anchors.iter().rev().find(|(a, _)| *a == id);
                return match found {
                    Some((_, v)) => Ok(v.clone()),
                    None => Err(at(&span, "alias to an unknown anchor")),
                };
            }
            _ => return Err(at(&span, "unexpected YAML event")),
        };
        if anchor > 0 {
            self.anchors.push((anchor, value.clone()));
        }
        Ok(value)
    }

    fn mapping(&mut self, depth: usize) -> Result<Map<String, Value>, SyntaxError> {
        let mut map = Map::new();
        let mut merged: Vec<Map<String, Value>> = Vec::new();
        loop {
            let (ev, key_span) = self.next()?;
            let key = match ev {
                Event::MappingEnd => break,
                Event::Scalar(text, _, _, _) => text.into_owned(),
                Event::Alias(_) | Event::SequenceStart(..) | Event::MappingStart(..) => {
                    let key = self.node(ev, key_span, depth + 1)?;
                    match key {
                        Value::String(s) => s,
                        Value::Number(_) | Value::Bool(_) | Value::Null => key.to_string(),
                        _ => return Err(at(&key_span, "a mapping key must be a scalar")),
                    }
                }
                _ => return Err(at(&key_span, "unexpected YAML event in a mapping")),
            };
            let (ev, span) = self.next()?;
            let value = self.node(ev, span, depth + 1)?;
            if key == "<<" {
                match value {
                    Value::Object(m) => merged.push(m),
                    Value::Array(items) => {
                        merged.extend(items.into_iter().filter_map(|v| match v {
                            Value::Object(m) => Some(m),
                            _ => None,
                        }))
                    }
                    _ => return Err(at(&span, "a merge key (<<) needs a mapping")),
                }
                continue;
            }
            map.insert(key, value);
        }
        for m in merged {
            for (k, v) in m {
                map.entry(k).or_insert(v);
            }
        }
        Ok(map)
    }
}

/// The long-form name of a short-form intrinsic tag (`Ref`, `Condition`, or `Fn::…`), or None for YAML's own tags.
fn intrinsic_name(tag: &Tag) -> Option<String> {
    if tag.handle != "!" {
        return None;
    }
    Some(match tag.suffix.as_str() {
        "Ref" | "Condition" => tag.suffix.clone(),
        other => format!("Fn::{other}"),
    })
}

/// Wraps a collection tagged with an intrinsic (`!Join [...]`) into its long form.
fn tagged(value: Value, tag: Option<&Tag>, span: &Span) -> Result<Value, SyntaxError> {
    let Some(tag) = tag else { return Ok(value) };
    match intrinsic_name(tag) {
        Some(name) => {
            if name == "Fn::GetAtt" && !value.is_array() {
                return Err(at(span, "!GetAtt needs \"Resource.Attribute\" or a list"));
            }
            Ok(wrap(name, value))
        }
        None => Ok(value),
    }
}

fn wrap(name: String, value: Value) -> Value {
    let mut m = Map::new();
    m.insert(name, value);
    Value::Object(m)
}

fn scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    span: &Span,
) -> Result<Value, SyntaxError> {
    if let Some(tag) = tag {
        if let Some(name) = intrinsic_name(tag) {
            if name == "Fn::GetAtt" {
                // `!GetAtt Resource.Attribute` — the attribute itself may contain dots (`Endpoint.Address`).
                let Some((resource, attribute)) = text.split_once('.') else {
                    return Err(at(span, "!GetAtt needs \"Resource.Attribute\""));
                };
                return Ok(wrap(
                    name,
                    Value::Array(vec![resource.into(), attribute.into()]),
                ));
            }
            return Ok(wrap(name, Value::String(text.to_string())));
        }
        // YAML core tags: `!!str 10` is a string, `!!int "10"` a number, and so on.
        return Ok(match tag.suffix.as_str() {
            "str" => Value::String(text.to_string()),
            _ => plain(text),
        });
    }
    Ok(match style {
        ScalarStyle::Plain => plain(text),
        _ => Value::String(text.to_string()),
    })
}

/// Resolves a plain scalar as CloudFormation's YAML 1.1 reader does (see the module doc).
fn plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0.");
    if digits.is_empty() || leading_zero {
        // `0123` (an account id, an octal in YAML 1.1) keeps its digits as text.
        return Value::String(text.to_string());
    }
    if digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::Number(i.into());
    }
    if is_decimal(digits)
        && let Some(n) = text.parse::<f64>().ok().and_then(Number::from_f64)
    {
        return Value::Number(n);
    }
    Value::String(text.to_string())
}

/// `1.5`, `.5`, `2.`, `1e3`, `1.5E-3` (no sign: the caller removed it).
fn is_decimal(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut parts = mantissa.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let fraction = parts.next();
    let digits_ok = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits_ok(whole)
        && fraction.is_none_or(digits_ok)
        && (!whole.is_empty() || fraction.is_some_and(|f| !f.is_empty()));
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits_ok(e)
    });
    mantissa_ok && exponent_ok && (fraction.is_some() || exponent.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn short_forms_become_long_forms() {
        let v = parse_template(
            "A: !Ref X\nB: !GetAtt F.Arn\nC: !GetAtt [F, Arn]\nD: !Sub '${X}-y'\nE: !Join ['', [a, !Ref X]]\nF: !Condition IsProd\nG: !GetAtt Db.Endpoint.Address\n",
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"A": {"Ref": "X"}, "B": {"Fn::GetAtt": ["F", "Arn"]}, "C": {"Fn::GetAtt": ["F", "Arn"]},
                   "D": {"Fn::Sub": "${X}-y"}, "E": {"Fn::Join": ["", ["a", {"Ref": "X"}]]},
                   "F": {"Condition": "IsProd"}, "G": {"Fn::GetAtt": ["Db", "Endpoint.Address"]}})
        );
    }

    #[test]
    fn yaml_1_1_scalars() {
        let v = parse_template(
            "v: 2012-10-17\nt: True\ny: yes\nn: no\ni: 42\nf: 1.5\nz: 0123\nq: '10'\nver: 1.0.0\nnull1: ~\ne:\n",
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"v": "2012-10-17", "t": true, "y": true, "n": false, "i": 42, "f": 1.5, "z": "0123", "q": "10",
                   "ver": "1.0.0", "null1": null, "e": null})
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let v = parse_template("a: &x {k: 1, j: 2}\nb: *x\nc:\n  <<: *x\n  j: 3\n").unwrap();
        assert_eq!(v["b"], json!({"k": 1, "j": 2}));
        assert_eq!(v["c"], json!({"j": 3, "k": 1}));
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        let e = parse_template("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(e.line >= 2, "{e:?}");
        let e = parse_template("{\"a\": }").unwrap_err();
        assert_eq!((e.line, e.col), (1, 7));
    }

    #[test]
    fn flow_collections_may_close_at_their_keys_indentation() {
        let v = parse_template(
            "Policy: {\n  \"a\": [1,\n  2],\n  \"b\": \"x # y\"\n}\nNext: [\n  'it''s',\n]\n",
        )
        .unwrap();
        assert_eq!(
            v,
            json!({"Policy": {"a": [1, 2], "b": "x # y"}, "Next": ["it's"]})
        );
    }

    #[test]
    fn deep_nesting_is_refused_not_a_crash() {
        let text = format!("a: {}{}", "[".repeat(5000), "]".repeat(5000));
        assert!(parse_template(&text).is_err());
    }
}
