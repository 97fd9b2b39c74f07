//! A small YAML writer for CloudFormation templates: block mappings and sequences, JSON-style double-quoted
//! strings where a plain scalar could be misread (YAML 1.1 booleans, numbers, dates, special characters), and
//! the short-form intrinsic tags (`!Ref X`, `!GetAtt X.Arn`, `!Sub …`) that CloudFormation accepts.

use serde_json::Value;

/// A YAML node of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
    Seq(Vec<Node>),
    /// Keys in the order they were inserted.
    Map(Vec<(String, Node)>),
    /// A short-form tag and its scalar argument (`!Ref Queue`, `!GetAtt Queue.Arn`).
    Tag(&'static str, String),
}

impl Node {
    pub fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    /// `!Ref id`.
    pub fn reference(id: &str) -> Node {
        Node::Tag("!Ref", id.to_string())
    }

    /// `!GetAtt id.attribute`.
    pub fn get_att(id: &str, attribute: &str) -> Node {
        Node::Tag("!GetAtt", format!("{id}.{attribute}"))
    }

    /// An empty mapping to fill with [`Node::set`].
    pub fn map() -> Node {
        Node::Map(Vec::new())
    }

    /// Sets `key` of a mapping (replacing an earlier value); does nothing on other nodes.
    pub fn set(&mut self, key: &str, value: Node) {
        if let Node::Map(entries) = self {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some(entry) => entry.1 = value,
                None => entries.push((key.to_string(), value)),
            }
        }
    }

    /// A mapping's value at `key`, created as an empty mapping if absent (None on other nodes).
    pub fn entry(&mut self, key: &str) -> Option<&mut Node> {
        let Node::Map(entries) = self else {
            return None;
        };
        let index = match entries.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                entries.push((key.to_string(), Node::map()));
                entries.len() - 1
            }
        };
        Some(&mut entries[index].1)
    }

    pub fn is_empty_map(&self) -> bool {
        matches!(self, Node::Map(e) if e.is_empty())
    }
}

impl From<&Value> for Node {
    fn from(v: &Value) -> Node {
        match v {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => Node::Int(i),
                None => Node::Float(n.as_f64().unwrap_or(0.0)),
            },
            Value::String(s) => Node::Str(s.clone()),
            Value::Array(items) => Node::Seq(items.iter().map(Node::from).collect()),
            Value::Object(map) => Node::Map(
                map.iter()
                    .map(|(k, v)| (k.clone(), Node::from(v)))
                    .collect(),
            ),
        }
    }
}

/// The YAML text of a document whose root is a mapping.
pub fn write(root: &Node) -> String {
    let mut out = String::new();
    block(&mut out, root, 0);
    out
}

fn block(out: &mut String, node: &Node, indent: usize) {
    let pad = " ".repeat(indent);
    match node {
        Node::Map(entries) => {
            for (k, v) in entries {
                out.push_str(&pad);
                out.push_str(&scalar_text(k));
                out.push(':');
                value_after_key(out, v, indent);
            }
        }
        Node::Seq(items) => {
            for item in items {
                out.push_str(&pad);
                out.push('-');
                match item {
                    Node::Map(entries) if !entries.is_empty() => {
                        // The first key on the dash's line, the rest aligned under it.
                        let mut text = String::new();
                        block(&mut text, item, indent + 2);
                        out.push(' ');
                        out.push_str(&text[indent + 2..]);
                    }
                    Node::Seq(inner) if !inner.is_empty() => {
                        out.push('\n');
                        block(out, item, indent + 2);
                    }
                    _ => {
                        out.push(' ');
                        out.push_str(&inline(item));
                        out.push('\n');
                    }
                }
            }
        }
        other => {
            out.push_str(&pad);
            out.push_str(&inline(other));
            out.push('\n');
        }
    }
}

fn value_after_key(out: &mut String, v: &Node, indent: usize) {
    match v {
        Node::Map(e) if !e.is_empty() => {
            out.push('\n');
            block(out, v, indent + 2);
        }
        Node::Seq(items) if !items.is_empty() => {
            out.push('\n');
            block(out, v, indent + 2);
        }
        _ => {
            out.push(' ');
            out.push_str(&inline(v));
            out.push('\n');
        }
    }
}

/// A node on one line (scalars, tags, empty collections).
fn inline(node: &Node) -> String {
    match node {
        Node::Str(s) => scalar_text(s),
        Node::Int(i) => i.to_string(),
        Node::Float(f) => serde_json::Number::from_f64(*f)
            .map(|n| n.to_string())
            .unwrap_or_else(|| "0".into()),
        Node::Bool(b) => b.to_string(),
        Node::Null => "null".into(),
        Node::Tag(tag, arg) => format!("{tag} {}", scalar_text(arg)),
        Node::Seq(items) => format!(
            "[{}]",
            items.iter().map(inline).collect::<Vec<_>>().join(", ")
        ),
        Node::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", scalar_text(k), inline(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A string as a plain scalar when YAML 1.1 reads it back as the same string, else double-quoted (JSON escapes
/// are valid YAML double-quoted escapes).
fn scalar_text(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
    }
}

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !first.is_ascii_alphabetic() {
        return false;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
    {
        return false;
    }
    // YAML 1.1 reads these as booleans or null.
    !matches!(
        s.to_ascii_lowercase().as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null" | "nan" | "inf"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_strings_are_quoted_and_tags_are_short() {
        let mut root = Node::map();
        root.set("A", Node::str("yes"));
        root.set("B", Node::str("2012-10-17"));
        root.set("C", Node::str("plain-Text_1"));
        root.set("D", Node::reference("Queue"));
        root.set(
            "E",
            Node::Seq(vec![Node::Map(vec![
                ("K".into(), Node::Int(1)),
                ("L".into(), Node::get_att("Q", "Arn")),
            ])]),
        );
        root.set("F", Node::str("line\n\"two\""));
        assert_eq!(
            write(&root),
            "A: \"yes\"\nB: \"2012-10-17\"\nC: plain-Text_1\nD: !Ref Queue\nE:\n  - K: 1\n    L: !GetAtt Q.Arn\nF: \"line\\n\\\"two\\\"\"\n"
        );
    }
}
