//! Tests of the scenario loader and graph.

use super::*;

#[test]
fn adhoc() {
    for f in ["full.json", "minimal.json"] {
        let p = std::path::Path::new("/work/main/tests/data/valid").join(f);
        match load_file(&p) {
            Ok(s) => println!("ok {} {} resources", p.display(), s.resources.len()),
            Err(e) => println!("ERR {e}"),
        }
    }
}
