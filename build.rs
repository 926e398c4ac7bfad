//! Build identity for the scan cache: `TOLLGATE_BUILD_HASH` hashes every input that decides what
//! a scan finds (the sources, the rule files, the locked dependencies), so a rebuilt binary never
//! reuses results cached by an older build of the same version.

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
