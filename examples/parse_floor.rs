//! The parse floor for benchmarks: discover the same files as `tollgate scan`, then only read and
//! parse them, in parallel on the same number of threads. `bench/run.sh` compares the full scan
//! with this.
//!
//! Usage: `cargo run --release --example parse_floor -- PATH...`

use rayon::prelude::*;
use std::path::PathBuf;
use tollgate::discover::{discover, DiscoverOptions};
use tollgate::parse::tree;
use tollgate::source::SourceFile;

fn main() {
    let roots: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let options = DiscoverOptions {
        excludes: Vec::new(),
        max_file_size: 2 * 1024 * 1024,
        threads,
        ignore_files: true,
    };
    let discovery = match discover(&roots, &options) {
        Ok(discovery) => discovery,
        Err(err) => {
            eprintln!("parse_floor: {err}");
            std::process::exit(2);
        }
    };
    let (files, nodes) = discovery
        .files
        .par_iter()
        .filter_map(|candidate| {
            let text = String::from_utf8(std::fs::read(&candidate.path).ok()?).ok()?;
            let source = SourceFile::new(
                candidate.path.clone(),
                String::new(),
                candidate.language,
                text,
            );
            let tree = tree(&source)?;
            Some((1usize, tree.root_node().descendant_count()))
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    println!("parsed {files} files, {nodes} nodes");
}
