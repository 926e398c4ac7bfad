#!/usr/bin/env bash
# Fuzz the per-file stage (parse and every built-in rule) for SECONDS; see docs/reliability.md.
#
#   bench/fuzz.sh SECONDS [OUT_DIR]
#
# Runs at low priority. Inputs that crash, hang or give an internal error are saved under
# OUT_DIR/crashes (default target/fuzz/crashes); the exit status is 1 when there is one.
set -euo pipefail

if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
    sed -n '2,7p' "$0" >&2
    exit 2
fi
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet --example fuzz
exec nice -n 19 target/release/examples/fuzz "$1" "${2:-target/fuzz}"
