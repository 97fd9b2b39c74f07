//! Files the user owns: atomic saves that never lose a file, and checks that keep outputs off inputs.
//!
//! Every save of the project (`eventflow fmt`, the app's Save / Save As, the code editor's Save script, the
//! scripts Save As copies) goes through [`write_atomic`]:
//! - the text goes to a temporary file beside the target, is flushed to disk, then renamed over it, so a crash
//!   leaves either the old file or the new one, never half of one;
//! - a symbolic link is written *through*: the link stays a link and its target gets the new text;
//! - the target's permission bits (and, where the process may, its owner and group) are kept, so a private
//!   `0600` file stays private;
//! - a read-only file is refused with a message instead of being silently replaced.
//!
//! [`read_input`] reads what the user hands eventflow (a scenario, a handler script, a pattern or event file)
//! only when it is a regular file no larger than a documented cap, so `check /dev/zero` or a runaway file is
//! refused with its name instead of growing memory without bound.
//!
//! [`same_file`] compares paths by file identity (device and inode), so `run F --trace F` — or any other spelling
//! of the same file — is refused before anything is written.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The largest scenario file read: 64 MiB. Hand-written scenarios are kilobytes; generated ones with 100,000
/// resources are about 5 MiB, so this leaves room for a million resources while bounding what a mistaken path
/// (a log, a disk image) can cost.
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;
/// The largest handler script read: 4 MiB (Lambda's limit on inline `ZipFile` code is 4 MB as well; a handler
/// script is a few kilobytes).
pub const MAX_SCRIPT_BYTES: u64 = 4 << 20;
/// The largest pattern or event file `test-pattern` reads: 1 MiB, EventBridge's PutEvents entry limit since
/// January 2026 (shared/reference/aws-limits-rds.md §4, "MB1"); an event pattern is far smaller.
pub const MAX_JSON_ARG_BYTES: u64 = 1 << 20;

/// Why an input file was not read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a regular file (a folder, a device or a pipe); give the path of a file")]
    NotAFile { path: String },
    #[error("{path} is {size} bytes, over the {cap}-byte limit for {what}")]
    TooLarge {
        path: String,
        size: u64,
        cap: u64,
        what: &'static str,
    },
}

impl ReadError {
    /// The reason without the path, for messages that name the file already (`file: reason`).
    pub fn reason(&self) -> String {
        match self {
            ReadError::Io { source, .. } => source.to_string(),
            ReadError::NotAFile { .. } => {
                "not a regular file (a folder, a device or a pipe); give the path of a file".into()
            }
            ReadError::TooLarge {
                size, cap, what, ..
            } => format!("{size} bytes, over the {cap}-byte limit for {what}"),
        }
    }
}

/// Reads `path` (following links) if it is a regular file of at most `cap_bytes`; `what` names the kind of
/// file in the error ("a scenario file"). A file that grows while it is read is cut at the cap and refused too.
pub fn read_input(path: &Path, cap_bytes: u64, what: &'static str) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    let label = || path.display().to_string();
    let io = |source| ReadError::Io {
        path: label(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile { path: label() });
    }
    let too_large = |size| ReadError::TooLarge {
        path: label(),
        size,
        cap: cap_bytes,
        what,
    };
    if meta.len() > cap_bytes {
        return Err(too_large(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(cap_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Writes `text` to `path` atomically, keeping links, permissions and owner (see the module doc).
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let target = resolve_links(path)?;
    let existing = match std::fs::metadata(&target) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(e),
    };
    if let Some(m) = &existing {
        if !m.is_file() {
            return Err(std::io::Error::other(format!(
                "{} is not a regular file; not replaced",
                target.display()
            )));
        }
        if m.permissions().readonly() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!("{} is read-only; not replaced", target.display()),
            ));
        }
    }
    let dir = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "file".to_string());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        if let Some(m) = &existing {
            keep_owner_and_mode(&f, m)?;
        }
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Follows symbolic links to the file they finally name (which may not exist yet). A relative link is resolved
/// against the link's own folder. Gives up after 40 links, as the kernel does (ELOOP).
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if link.is_relative() => parent.join(link),
                    _ => link,
                };
            }
            Ok(_) => return Ok(current),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(current),
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other(format!(
        "{}: too many levels of symbolic links",
        path.display()
    )))
}

#[cfg(unix)]
fn keep_owner_and_mode(f: &std::fs::File, old: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    // Owner first: changing the owner may clear set-id bits, which the mode below restores. Only root (or the
    // owner giving a file to a group it belongs to) may change it; where it may not, the file becomes the
    // saver's, as any editor's save does.
    let _ = std::os::unix::fs::fchown(f, Some(old.uid()), Some(old.gid()));
    f.set_permissions(old.permissions())
}

#[cfg(not(unix))]
fn keep_owner_and_mode(f: &std::fs::File, old: &std::fs::Metadata) -> std::io::Result<()> {
    f.set_permissions(old.permissions())
}

/// Whether two paths name the same existing file (same device and inode), whatever their spelling (relative,
/// absolute, through links, `./a/../a`). A path that does not exist is the same as nothing.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => identity(&x) == identity(&y),
        _ => false,
    }
}

#[cfg(unix)]
fn identity(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn identity(m: &std::fs::Metadata) -> (u64, u64) {
    // No inode numbers: fall back on size and modification time, which is weaker but never equal by accident
    // for two different scenario files written at different moments.
    let t = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (m.len(), t)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh folder for one test, removed when the test ends.
    fn dir(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("eventflow-fileio-{name}-"))
            .tempdir()
            .expect("temp dir")
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let scratch = dir("replace");
        let d = scratch.path();
        let p = d.join("a.json");
        std::fs::write(&p, "old").expect("write");
        write_atomic(&p, "new").expect("save");
        assert_eq!(std::fs::read_to_string(&p).expect("read"), "new");
        let names: Vec<_> = std::fs::read_dir(&d).expect("dir").collect();
        assert_eq!(names.len(), 1, "no temporary file left behind");
        write_atomic(&d.join("fresh.json"), "x").expect("a new file");
        assert_eq!(
            std::fs::read_to_string(d.join("fresh.json")).expect("read"),
            "x"
        );
    }

    #[cfg(unix)]
    #[test]
    fn writes_through_a_symlink_and_keeps_it() {
        let scratch = dir("link");
        let d = scratch.path();
        std::fs::create_dir_all(d.join("real")).expect("dir");
        let target = d.join("real/s.json");
        std::fs::write(&target, "old").expect("write");
        let link = d.join("link.json");
        std::os::unix::fs::symlink("real/s.json", &link).expect("symlink");
        let chain = d.join("chain.json");
        std::os::unix::fs::symlink(&link, &chain).expect("symlink");
        write_atomic(&chain, "new").expect("save through two links");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("meta")
                .file_type()
                .is_symlink(),
            "the link stays a link"
        );
        assert!(
            std::fs::symlink_metadata(&chain)
                .expect("meta")
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(&target).expect("read"),
            "new",
            "the target is written"
        );
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_mode_and_refuses_read_only_files() {
        use std::os::unix::fs::PermissionsExt;
        let scratch = dir("mode");
        let d = scratch.path();
        let p = d.join("private.json");
        std::fs::write(&p, "old").expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        write_atomic(&p, "new").expect("save");
        let mode = std::fs::metadata(&p).expect("meta").permissions().mode() & 0o7777;
        assert_eq!(mode, 0o600, "a private file stays private");

        let ro = d.join("ro.json");
        std::fs::write(&ro, "keep me").expect("write");
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).expect("chmod");
        let err = write_atomic(&ro, "new").expect_err("a read-only file is refused");
        assert!(err.to_string().contains("read-only"), "{err}");
        assert_eq!(std::fs::read_to_string(&ro).expect("read"), "keep me");
    }

    #[test]
    fn read_input_refuses_devices_folders_and_big_files() {
        let scratch = dir("read");
        let d = scratch.path();
        let p = d.join("s.json");
        std::fs::write(&p, "12345").expect("write");
        assert_eq!(read_input(&p, 5, "a test file").expect("fits"), b"12345");
        let err = read_input(&p, 4, "a test file").expect_err("over the cap");
        assert!(
            err.to_string()
                .contains("over the 4-byte limit for a test file"),
            "{err}"
        );
        assert!(err.to_string().contains("s.json"), "{err}");
        let err = read_input(&d, 100, "a test file").expect_err("a folder");
        assert!(matches!(err, ReadError::NotAFile { .. }), "{err}");
        #[cfg(unix)]
        {
            let err = read_input(Path::new("/dev/zero"), 100, "a test file").expect_err("a device");
            assert!(
                err.to_string().contains("/dev/zero is not a regular file"),
                "{err}"
            );
        }
        let err = read_input(&d.join("missing"), 100, "a test file").expect_err("missing");
        assert!(err.to_string().starts_with("cannot read"), "{err}");
    }

    #[test]
    fn same_file_sees_through_spellings() {
        let scratch = dir("same");
        let d = scratch.path();
        let p = d.join("s.json");
        std::fs::write(&p, "x").expect("write");
        let other = d.join("t.json");
        std::fs::write(&other, "x").expect("write");
        assert!(same_file(&p, &d.join(".").join("s.json")));
        std::fs::create_dir_all(d.join("sub")).expect("dir");
        assert!(same_file(&p, &d.join("sub/../s.json")));
        assert!(!same_file(&p, &other));
        assert!(!same_file(&p, &d.join("missing.json")));
        #[cfg(unix)]
        {
            let link = d.join("l.json");
            std::os::unix::fs::symlink(&p, &link).expect("symlink");
            assert!(same_file(&p, &link));
        }
    }
}
