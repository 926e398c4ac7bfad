//! Write the pathological inputs of `tests/support/pathological.rs` to a directory, to scan
//! them by hand: `cargo run --release --example pathological -- DIR [SCALE]`.

#[path = "../tests/support/pathological.rs"]
mod pathological;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: pathological DIR [SCALE]");
        std::process::exit(2);
    };
    let scale = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let dir = std::path::Path::new(&dir);
    if let Err(err) = std::fs::create_dir_all(dir) {
        eprintln!("pathological: cannot create {}: {err}", dir.display());
        std::process::exit(2);
    }
    for case in pathological::cases(scale) {
        let path = dir.join(format!("{}.{}", case.name, case.extension));
        if let Err(err) = std::fs::write(&path, case.text) {
            eprintln!("pathological: cannot write {}: {err}", path.display());
            std::process::exit(2);
        }
    }
}
