#!/usr/bin/env bash
# Benchmark tollgate against real, pinned code and against its peers. See docs/benchmarks.md.
#
#   bench/run.sh [--runs N] [--scale-runs N] [--no-peers]
#
#   --runs N          timed runs per command on Django (default 7); medians are reported
#   --scale-runs N    timed runs per size of the 1x/3x/10x scaling table (default 1; 0 skips it)
#   --no-peers        do not install or time Ruff and Bandit (by default they are installed,
#                     pinned, into bench/work/venv with pip)
#
# Semgrep is timed when it is installed and SEMGREP_CONFIG names a local rule file or directory
# (its registry configs need network access).
#
# Everything is downloaded into bench/work/ (ignored by git). Commands are interleaved round by
# round, so that a noisy neighbour slows all of them alike; compare CPU time (user + sys), not
# wall time, on a shared machine.
set -euo pipefail

RUNS=7
SCALE_RUNS=1
PEERS=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) RUNS="$2"; shift 2 ;;
        --scale-runs) SCALE_RUNS="$2"; shift 2 ;;
        --no-peers) PEERS=0; shift ;;
        --install-peers) PEERS=1; shift ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
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

if [ "$PEERS" = 1 ]; then
    if ! "$WORK/venv/bin/ruff" --version 2>/dev/null | grep -q "$RUFF_VERSION" ||
        ! "$WORK/venv/bin/bandit" --version 2>/dev/null | grep -q "$BANDIT_VERSION"; then
        echo "== installing Ruff $RUFF_VERSION and Bandit $BANDIT_VERSION" >&2
        python3 -m venv "$WORK/venv"
        "$WORK/venv/bin/pip" install --quiet "ruff==$RUFF_VERSION" "bandit==$BANDIT_VERSION"
    fi
fi

# One small file, as a pre-commit hook or an editor would hand it over.
ONE=$WORK/one-file
mkdir -p "$ONE"
printf 'import subprocess\n\n\ndef run(cmd):\n    return subprocess.run(cmd, shell=True)\n' >"$ONE/app.py"

# Django copied into 3 and 10 directories, for the scaling table.
for SCALE in 3 10; do
    if [ ! -d "$WORK/django-x$SCALE/c$SCALE" ]; then
        echo "== building the ${SCALE}x corpus" >&2
        rm -rf "$WORK/django-x$SCALE"
        for i in $(seq 1 "$SCALE"); do
            mkdir -p "$WORK/django-x$SCALE"
            cp -r "$DJANGO" "$WORK/django-x$SCALE/c$i"
        done
    fi
done

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
    "tollgate, one file|1|$TOLLGATE scan $ONE/app.py --no-cache -o /dev/null"
)
if [ "$PEERS" = 1 ]; then
    COMMANDS+=("ruff --select S,BLE|$WORK/venv/bin/ruff check --no-cache --select S,BLE --exit-zero --quiet $DJANGO")
    COMMANDS+=("bandit|$WORK/venv/bin/bandit -q -r $DJANGO -f json -o /dev/null")
    COMMANDS+=("ruff, one file|1|$WORK/venv/bin/ruff check --no-cache --select S,BLE --exit-zero --quiet $ONE/app.py")
fi
if command -v semgrep >/dev/null && [ -n "${SEMGREP_CONFIG:-}" ]; then
    COMMANDS+=("semgrep|semgrep scan --metrics=off --quiet --config $SEMGREP_CONFIG $DJANGO -o /dev/null")
fi

FILES=$(find "$DJANGO" -name '*.py' | wc -l)
BYTES=$(find "$DJANGO" -name '*.py' -printf '%s\n' | awk '{s += $1} END {print s}')

printf '%s\n' "${COMMANDS[@]}" | python3 "$ROOT/bench/timing.py" --runs "$RUNS" --files "$FILES" \
    --title "Django $DJANGO_VERSION ($FILES files, $((BYTES / 1024)) KiB), $(nproc) cores, median of $RUNS runs"

if [ "$SCALE_RUNS" -gt 0 ]; then
    SCALING=(
        "parse floor 1x|$FILES|$FLOOR $DJANGO"
        "tollgate 1x|$FILES|$TOLLGATE scan $DJANGO --no-cache -o /dev/null"
        "parse floor 3x|$((3 * FILES))|$FLOOR $WORK/django-x3"
        "tollgate 3x|$((3 * FILES))|$TOLLGATE scan $WORK/django-x3 --no-cache -o /dev/null"
        "parse floor 10x|$((10 * FILES))|$FLOOR $WORK/django-x10"
        "tollgate 10x|$((10 * FILES))|$TOLLGATE scan $WORK/django-x10 --no-cache -o /dev/null"
    )
    printf '%s\n' "${SCALING[@]}" | python3 "$ROOT/bench/timing.py" --runs "$SCALE_RUNS" --files "$FILES" \
        --title "Scaling: Django copied 1, 3 and 10 times, median of $SCALE_RUNS runs"
fi
