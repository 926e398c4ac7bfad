#!/usr/bin/env bash
# Scan the calibration corpus and report tollgate's precision from the triage ledger
# (bench/triage/<service>.tsv). See docs/precision.md.
#
#   bench/precision.sh [CORPUS] [--binary PATH] [--check] [--write-unjudged] [--markdown] [--show V]
#
#   CORPUS            the folder bench/corpus.sh filled (default bench/corpus)
#   --binary PATH     the tollgate to measure (default: build target/release/tollgate)
#   --check           exit 1 when a finding judged TP is no longer reported
#   --write-unjudged  append the findings still to judge to the ledgers, verdict empty
#   --markdown        print the table as Markdown (for docs/precision.md)
#   --show VERDICT    also list the current findings judged VERDICT (TP, FP or DEB), with reasons
set -euo pipefail

cd "$(dirname "$0")/.."
BINARY=
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) BINARY="$2"; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) ARGS+=("$1"); shift ;;
    esac
done
if [ -z "$BINARY" ]; then
    cargo build --release --locked --quiet --bin tollgate
    BINARY=$PWD/target/release/tollgate
fi
[ -x "$BINARY" ] || { echo "bench/precision.sh: $BINARY is not an executable" >&2; exit 2; }
exec python3 bench/precision.py --binary "$(cd "$(dirname "$BINARY")" && pwd)/$(basename "$BINARY")" "${ARGS[@]}"
