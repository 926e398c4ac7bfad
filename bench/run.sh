#!/usr/bin/env bash
# Benchmark tollgate against real, pinned code and against its peers. See docs/benchmarks.md.
#
#   bench/run.sh [--runs N] [--install-peers]
#
#   --runs N          timed runs per command (default 7); the median is reported
#   --install-peers   install Ruff and Bandit (pinned) into bench/work/venv first
#
# Semgrep is timed when it is installed and SEMGREP_CONFIG names a local rule file or directory
# (its registry configs need network access).
#
# Everything is downloaded into bench/work/ (ignored by git). Commands are interleaved round by
# round, so that a noisy neighbour slows all of them alike.
set -euo pipefail

RUNS=7
INSTALL_PEERS=0
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --install-peers) INSTALL_PEERS=1; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

DJANGO_VERSION=5.2.8
RUFF_VERSION=0.14.5
BANDIT_VERSION=1.8.6

cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/work
mkdir -p "$WORK"

for tool in python3 cargo unzip; do
    command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is required" >&2; exit 2; }
done

echo "== building tollgate (release) and the parse floor" >&2
cargo build --release --locked --quiet --bin tollgate --example parse_floor
TOLLGATE=$ROOT/target/release/tollgate
FLOOR=$ROOT/target/release/examples/parse_floor

DJANGO=$WORK/django-$DJANGO_VERSION/django
if [ ! -d "$DJANGO" ]; then
    echo "== downloading Django $DJANGO_VERSION from PyPI" >&2
    python3 -m pip download --quiet --no-deps --only-binary=:all: \
        "django==$DJANGO_VERSION" -d "$WORK/dl"
    unzip -q -o "$WORK"/dl/[Dd]jango-"$DJANGO_VERSION"-py3-none-any.whl 'django/*' \
        -d "$WORK/django-$DJANGO_VERSION"
fi

if [ "$INSTALL_PEERS" = 1 ]; then
    echo "== installing Ruff $RUFF_VERSION and Bandit $BANDIT_VERSION" >&2
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install --quiet "ruff==$RUFF_VERSION" "bandit==$BANDIT_VERSION"
fi
export PATH="$WORK/venv/bin:$PATH"

CACHE=$WORK/cache
rm -rf "$CACHE"
# Prime the cache once; the warm runs then find every file in it.
"$TOLLGATE" scan "$DJANGO" --cache-dir "$CACHE" -o /dev/null || true

# name | command (run by bash; exit status 1 means "findings" and is fine)
COMMANDS=(
    "parse floor|$FLOOR $DJANGO"
    "tollgate|$TOLLGATE scan $DJANGO --no-cache -o /dev/null"
    "tollgate + 50 rules|$TOLLGATE scan $DJANGO --no-cache --rules $ROOT/bench/rules-50.yaml -o /dev/null"
    "tollgate, warm cache|$TOLLGATE scan $DJANGO --cache-dir $CACHE -o /dev/null"
)
command -v ruff >/dev/null &&
    COMMANDS+=("ruff --select S,BLE|ruff check --no-cache --select S,BLE --exit-zero --quiet $DJANGO")
command -v bandit >/dev/null &&
    COMMANDS+=("bandit|bandit -q -r $DJANGO -f json -o /dev/null")
if command -v semgrep >/dev/null && [ -n "${SEMGREP_CONFIG:-}" ]; then
    COMMANDS+=("semgrep|semgrep scan --metrics=off --quiet --config $SEMGREP_CONFIG $DJANGO -o /dev/null")
fi

FILES=$(find "$DJANGO" -name '*.py' | wc -l)
BYTES=$(find "$DJANGO" -name '*.py' -printf '%s\n' | awk '{s += $1} END {print s}')

printf '%s\n' "${COMMANDS[@]}" | python3 "$ROOT/bench/timing.py" \
    --runs "$RUNS" --files "$FILES" --bytes "$BYTES" \
    --title "Django $DJANGO_VERSION ($FILES files, $((BYTES / 1024)) KiB), $(nproc) cores, median of $RUNS runs"
