//! Invariants of the architecture (src/lib.rs, "Invariants"), checked by reading the sources:
//!
//! - `sim/` and `runner/` use no egui or eframe;
//! - `sim/` reads no wall clock (`Instant`, `SystemTime`, `Utc::now`, …) and spawns no thread;
//! - every module file starts with a `//!` doc;
//! - no module depends backwards: the top-level modules form the layers of [`LAYERS`], and a module uses only
//!   modules of lower layers.
//!
//! Code only: comments, doc comments and string literals are blanked first, and test code (files named `tests.rs`,
//! folders named `tests`, and an inline `#[cfg(test)] mod … {` block, which runs to the end of its file) is skipped
//! by the import and clock rules. A known exception goes into [`ALLOWED`] with the reason; remove it once fixed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layers of the crate, lowest first. A module may use the modules of lower layers only (never one of its own
/// layer, nor a higher one). Derived from the imports as they are: the format's building blocks at the bottom,
/// then what compiles a scenario's code, the scenario model that uses both, the engine, its thread and the
/// editor's document operations, the app, and the command line on top.
const LAYERS: &[&[&str]] = &[
    &["cron", "pattern", "events", "fileio", "layout"],
    &["asl", "script"],
    &["scenario"],
    &["sim"],
    &[
        "runner",
        "editor",
        "tour",
        "moment",
        "import",
        "export",
        "sam_export",
    ],
    &["ui"],
    &["cli"],
];

/// Known violations, each `(file, what it may use for now, why)`. The test fails when one is no longer needed, so
/// the list only shrinks.
const ALLOWED: &[(&str, &str, &str)] = &[];

/// One source file: its path relative to the crate root (with `/`), and its code with comments, strings and (for
/// the rules that ignore tests) inline test modules blanked.
struct Source {
    rel: String,
    text: String,
    code: String,
    is_test: bool,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    collect(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let rel = path
                .strip_prefix(root)
                .expect("under the crate root")
                .to_string_lossy()
                .replace('\\', "/");
            let is_test = rel.ends_with("/tests.rs") || rel.contains("/tests/");
            let code = without_inline_tests(&blank_comments_and_strings(&text));
            Source {
                rel,
                text,
                code,
                is_test,
            }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text with every comment and the contents of every string and character literal replaced by spaces (line
/// breaks kept, so positions stay). Raw strings `r"…"`/`r#"…"#` are handled; lifetimes (`'a`) are left alone.
fn blank_comments_and_strings(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && matches!(next, Some('"') | Some('#'))
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'))
        {
            let mut hashes = 0;
            let mut j = i + 1;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.push('r');
            out.extend(std::iter::repeat_n('#', hashes));
            out.push('"');
            i = j + 1;
            while i < chars.len() {
                if chars[i] == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) {
                    out.push('"');
                    out.extend(std::iter::repeat_n('#', hashes));
                    i += 1 + hashes;
                    break;
                }
                out.push(blank(chars[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' && is_char_literal(&chars, i) {
            out.push('\'');
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(' ');
                    i += 1;
                }
            }
            out.push('\'');
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether the `'` at `i` opens a character literal (`'x'`, `'\n'`, `'\u{..}'`) rather than a lifetime.
fn is_char_literal(chars: &[char], i: usize) -> bool {
    match chars.get(i + 1) {
        Some('\\') => true,
        Some(_) => chars.get(i + 2) == Some(&'\''),
        None => false,
    }
}

/// The code up to an inline `#[cfg(test)]` module (which, by the convention of this crate, ends its file).
fn without_inline_tests(code: &str) -> String {
    let lines: Vec<&str> = code.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.trim() == "#[cfg(test)]"
            && let Some(next) = lines.get(i + 1)
            && next.trim_start().starts_with("mod ")
            && next.trim_end().ends_with('{')
        {
            return lines[..i].join("\n");
        }
    }
    code.to_string()
}

/// Whether `word` occurs in `code` as a whole identifier path segment.
fn mentions(code: &str, word: &str) -> bool {
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && !ident(after)
    })
}

/// The top-level module a file belongs to (`src/sim/host.rs` → `sim`, `src/fileio.rs` → `fileio`); `None` for
/// the crate roots.
fn module_of(rel: &str) -> Option<&str> {
    let inside = rel.strip_prefix("src/")?;
    match inside.split_once('/') {
        Some((dir, _)) => Some(dir),
        None => match inside.strip_suffix(".rs")? {
            "lib" | "main" => None,
            file => Some(file),
        },
    }
}

/// The top-level modules of the crate that `code` uses: `crate::m…` paths and the members of `use crate::{…}`.
fn crate_modules_used(code: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    for (at, _) in code.match_indices("crate::") {
        if code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_')
        {
            continue; // `$crate::` or a longer identifier
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::c, d::{e, f}}`: the first segment of each top-level member.
            let mut depth = 0;
            let mut member_start = true;
            for (k, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => member_start = true,
                    c if member_start && !c.is_whitespace() => {
                        member_start = false;
                        let name = ident(&group[k..]);
                        if !name.is_empty() {
                            used.insert(name);
                        }
                    }
                    _ => {}
                }
            }
        } else {
            let name = ident(rest);
            if !name.is_empty() {
                used.insert(name);
            }
        }
    }
    used
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

#[test]
fn every_module_file_starts_with_a_module_doc() {
    let missing: Vec<String> = sources()
        .iter()
        .filter(|s| {
            let first = s.text.lines().map(str::trim).find(|l| !l.is_empty());
            !first.is_some_and(|l| l.starts_with("//!"))
        })
        .map(|s| s.rel.clone())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a `//!` module doc: {missing:?}"
    );
}

#[test]
fn sim_and_runner_know_nothing_of_the_ui_toolkit() {
    let mut found = Vec::new();
    for s in sources().iter().filter(|s| !s.is_test) {
        if !matches!(module_of(&s.rel), Some("sim" | "runner")) {
            continue;
        }
        for word in ["egui", "eframe", "egui_kittest", "ui"] {
            let hit = if word == "ui" {
                crate_modules_used(&s.code).contains("ui")
            } else {
                mentions(&s.code, word)
            };
            if hit {
                found.push(format!("{} uses {word}", s.rel));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn sim_reads_no_wall_clock_and_spawns_no_thread() {
    let mut found = Vec::new();
    for s in sources().iter().filter(|s| !s.is_test) {
        if module_of(&s.rel) != Some("sim") {
            continue;
        }
        for word in [
            "Instant",
            "SystemTime",
            "UNIX_EPOCH",
            "Utc::now",
            "Local::now",
            "std::thread",
            "thread::spawn",
            "thread::Builder",
            "thread::scope",
            "rayon",
        ] {
            if mentions(&s.code, word) {
                found.push(format!("{} uses {word}", s.rel));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn no_module_depends_backwards() {
    let sources = sources();
    let mut modules = BTreeSet::new();
    let mut violations = BTreeSet::new();
    for s in &sources {
        let Some(module) = module_of(&s.rel) else {
            continue;
        };
        modules.insert(module.to_string());
        if s.is_test {
            continue;
        }
        let Some(own) = layer_of(module) else {
            continue; // reported below
        };
        for used in crate_modules_used(&s.code) {
            if used == module {
                continue;
            }
            let ok = match layer_of(&used) {
                Some(layer) => layer < own,
                None => false,
            };
            if !ok {
                violations.insert((s.rel.clone(), used));
            }
        }
    }
    let unplaced: Vec<&String> = modules.iter().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "modules missing from LAYERS (place each one in its layer): {unplaced:?}"
    );
    let allowed: BTreeSet<(String, String)> = ALLOWED
        .iter()
        .map(|(file, used, _)| (file.to_string(), used.to_string()))
        .collect();
    let new: Vec<String> = violations
        .difference(&allowed)
        .map(|(file, used)| {
            format!(
                "{file} uses crate::{used}, which is not in a lower layer than {}",
                module_of(file).unwrap_or("?")
            )
        })
        .collect();
    assert!(
        new.is_empty(),
        "modules depending backwards:\n{}",
        new.join("\n")
    );
    let stale: Vec<&(String, String)> = allowed.difference(&violations).collect();
    assert!(
        stale.is_empty(),
        "ALLOWED lists exceptions that are no longer needed (remove them): {stale:?}"
    );
}

#[test]
fn the_source_reader_sees_code_only() {
    let code = blank_comments_and_strings(
        "use crate::{sim, scenario::Scenario}; // crate::ui\n/* crate::cli */ let s = \"crate::editor\"; \
         let r = r#\"crate::runner\"#; let c = '\"'; fn f<'a>(x: &'a str) { crate::cron::x(); }",
    );
    let used = crate_modules_used(&code);
    assert_eq!(
        used.into_iter().collect::<Vec<_>>(),
        vec!["cron", "scenario", "sim"]
    );
    assert!(mentions("let t = Instant::now();", "Instant"));
    assert!(!mentions("let t = MyInstant::now();", "Instant"));
    assert_eq!(
        without_inline_tests(
            "fn a() {}\n#[cfg(test)]\nmod tests {\n    use std::time::Instant;\n}\n"
        ),
        "fn a() {}"
    );
}
