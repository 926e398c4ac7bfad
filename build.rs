//! Build-time inputs:
//! - `TOLLGATE_BUILD_HASH` hashes every input that decides what a scan finds (the sources, the
//!   rule files, the locked dependencies), so a rebuilt binary never reuses results cached by an
//!   older build of the same version;
//! - `builtin_rules.rs` lists every `rules/**/*.yaml` file to embed, so adding a rule file is all
//!   it takes to ship it, each with its JSON form: reading JSON at start is many times quicker
//!   than reading YAML (a file whose YAML does not parse has none, and is read, and reported, as
//!   YAML);
//! - `regex_literals.rs` holds the pre-filter literals of every regex the built-in rules write
//!   (`src/matcher/regex_literals.rs`), which start-up would otherwise find by parsing them.

#[path = "src/matcher/regex_literals.rs"]
mod regex_literals;

use std::path::{Path, PathBuf};

const INPUTS: &[&str] = &["build.rs", "Cargo.toml", "Cargo.lock", "rules", "src"];

fn main() {
    let mut files = Vec::new();
    for input in INPUTS {
        println!("cargo:rerun-if-changed={input}");
        collect(Path::new(input), &mut files);
    }
    files.sort();
    let mut hash = Fnv64::new();
    for file in &files {
        hash.write(file.to_string_lossy().replace('\\', "/").as_bytes());
        hash.write(&[0]);
        hash.write(&std::fs::read(file).unwrap_or_default());
        hash.write(&[0]);
    }
    println!("cargo:rustc-env=TOLLGATE_BUILD_HASH={:016x}", hash.0);
    write_rule_list(&files);
}

/// `OUT_DIR/builtin_rules.rs`: `&[("pack/id.yaml", include_str!("…"), Some(include_str!("….json"))), …]`.
fn write_rule_list(files: &[PathBuf]) {
    let root = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default());
    let mut list = String::from("&[\n");
    let mut regexes = std::collections::BTreeSet::new();
    for file in files {
        let relative = file.to_string_lossy().replace('\\', "/");
        let Some(under_rules) = relative.strip_prefix("rules/") else {
            continue;
        };
        if !under_rules.ends_with(".yaml") {
            continue;
        }
        let absolute = Path::new(&root).join(file);
        let json = match as_json(&absolute) {
            Some((value, json)) => {
                collect_regexes(&value, &mut regexes);
                let path = out.join(under_rules.replace('/', "__") + ".json");
                write(&path, &json);
                format!("Some(include_str!({:?}))", path.to_string_lossy())
            }
            None => "None".to_string(),
        };
        list.push_str(&format!(
            "    ({under_rules:?}, include_str!({:?}), {json}),\n",
            absolute.to_string_lossy()
        ));
    }
    list.push(']');
    write(&out.join("builtin_rules.rs"), &list);
    let mut table = String::from("&[\n");
    for regex in regexes {
        let sets: Vec<String> = regex_literals::regex_literals(&regex)
            .iter()
            .map(|set| format!("&{set:?}"))
            .collect();
        let found = format!("&[{}]", sets.join(", "));
        table.push_str(&format!("    ({regex:?}, {found}),\n"));
    }
    table.push(']');
    write(&out.join("regex_literals.rs"), &table);
}

/// Every string a rule file writes as a regex, sorted.
fn collect_regexes(value: &serde_json::Value, regexes: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, value) in map {
                match value {
                    serde_json::Value::String(regex)
                        if ["regex", "not-regex", "route"].contains(&key.as_str()) =>
                    {
                        regexes.insert(regex.clone());
                    }
                    _ => collect_regexes(value, regexes),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                collect_regexes(item, regexes);
            }
        }
        _ => {}
    }
}

/// A YAML file as a JSON value and text (aliases expanded), if it parses.
fn as_json(yaml: &Path) -> Option<(serde_json::Value, String)> {
    let text = std::fs::read_to_string(yaml).ok()?;
    let value: serde_json::Value = serde_saphyr::from_str(&text).ok()?;
    let json = serde_json::to_string(&value).ok()?;
    Some((value, json))
}

fn write(path: &Path, contents: &str) {
    if let Err(err) = std::fs::write(path, contents) {
        panic!("cannot write {}: {err}", path.display());
    }
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    match std::fs::read_dir(path) {
        Ok(entries) => {
            for entry in entries.flatten() {
                collect(&entry.path(), files);
            }
        }
        Err(_) if path.is_file() => files.push(path.to_path_buf()),
        Err(_) => {}
    }
}

/// FNV-1a, 64 bit: enough to tell builds apart, and needs no build dependency.
struct Fnv64(u64);

impl Fnv64 {
    fn new() -> Self {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u64::from(byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}
