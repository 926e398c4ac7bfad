#!/usr/bin/env bash
# The findings (default settings) that differ between two tollgate binaries on the calibration
# corpus, service by service: `<` only the first binary reports it, `>` only the second.
#
#   bash bench/corpus-diff.sh OLD_BINARY NEW_BINARY [CORPUS_DIR]
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,5p' "$0" >&2; exit 2; }
absolute() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
old=$(absolute "$1")
new=$(absolute "$2")
corpus=${3:-$(dirname "$0")/corpus}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
findings() {
  (cd "$corpus" && "$1" scan "$2" --no-cache --format json 2>/dev/null || true) | python3 -c '
import json, sys
for f in json.load(sys.stdin)["findings"]:
    print(f["rule_id"], f["severity"], f["confidence"], f"{f['"'"'path'"'"']}:{f['"'"'start'"'"']['"'"'line'"'"']}")
' | sort
}
for service in "$corpus"/*/; do
  name=$(basename "$service")
  findings "$old" "$name" >"$work/old"
  findings "$new" "$name" >"$work/new"
  diff "$work/old" "$work/new" | grep '^[<>]' || true
done
