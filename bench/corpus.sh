#!/usr/bin/env bash
# Download the calibration corpus: pinned releases of real Python and Rust services, fetched from
# the package registries, one folder per service. See docs/precision.md.
#
#   bench/corpus.sh [DEST]        (default DEST: bench/corpus/, ignored by git)
#
# Python services are the released wheels (`pip download --no-deps --only-binary :all:`, whatever
# Python version a release requires, since nothing is installed): an sdist
# needs its build backend installed to be downloaded by pip, which is slow and breaks on pinned
# build requirements. Rust services are the published crates (`cargo fetch` of a throwaway
# manifest that pins each one with `=x.y.z`), copied from cargo's registry source folder.
# Idempotent: a service whose folder exists is skipped. Any download error stops the script.
set -euo pipefail

case "${1:-}" in -h|--help) sed -n '2,11p' "$0"; exit 0 ;; esac

# service | package==version | framework (informative)
PYTHON=(
    "pretix|pretix==2026.8.0|django"
    "django-oscar|django-oscar==4.2.1|django"
    "dj-stripe|dj-stripe==2.11.0|django"
    "django-payments|django-payments==4.1.0|django"
    "netbox|netbox==4.7.3|django-drf"
    "lnbits|lnbits==1.6.2|fastapi"
    "fastapi-users|fastapi-users==15.0.5|fastapi"
    "flask-appbuilder|flask-appbuilder==5.3.0|flask"
    "indico|indico==3.3.14|flask"
    "django-ledger|django-ledger==0.8.5|django"
    "django-hordak|django-hordak==1.15.0|django-drf"
    "label-studio|label-studio==1.23.2|django-drf"
    "apache-superset|apache-superset==6.1.0|flask"
    "cashu|cashu==0.21.0|fastapi"
    "changedetection-io|changedetection.io==0.50.2|flask"
    "pretalx|pretalx==2026.2.1|django"
    "django-plans|django-plans==2.8.2|django"
    "ihatemoney|ihatemoney==7.2.1|flask"
    "fief-server|fief-server==0.27.0|fastapi"
    "flaskbb|FlaskBB==2.0.2|flask"
    "wger|wger==2.1|django-drf"
    "privacyidea|privacyidea==3.14|flask"
    "open-webui|open-webui==0.12.4|fastapi"
)
# service | crate version | extra crates of the same release to copy beside it (space-separated;
# `crate=version` when one was published under another version)
RUST=(
    "atuin-server|atuin-server 18.24.4|atuin-domain"
    "rustypaste|rustypaste 0.18.1|"
    "pict-rs|pict-rs 0.5.25|"
    "microbin|microbin 2.1.4|"
    "miniserve|miniserve 0.35.0|"
    "cdk-mintd|cdk-mintd 0.18.3|cdk cdk-axum cdk-mint-rpc cdk-sql-common"
    "atomic-server|atomic-server 0.40.1|atomic_lib=0.40.0"
    "kellnr|kellnr 6.13.0|kellnr-appstate kellnr-auth kellnr-common kellnr-cratesio-sync kellnr-db kellnr-docs kellnr-embedded-resources kellnr-entity kellnr-error kellnr-filter kellnr-index kellnr-migration kellnr-registry kellnr-settings kellnr-storage kellnr-web-ui kellnr-webhooks"
)

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=${1:-$ROOT/bench/corpus}
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

for tool in python3 cargo unzip tar; do
    command -v "$tool" >/dev/null || { echo "bench/corpus.sh: $tool is required" >&2; exit 2; }
done

die() { echo "bench/corpus.sh: $*" >&2; exit 1; }

for entry in "${PYTHON[@]}"; do
    IFS='|' read -r name spec _ <<<"$entry"
    if [ -d "$DEST/$name" ]; then echo "== $name: present, skipped" >&2; continue; fi
    echo "== $name: $spec" >&2
    dl=$WORK/dl-$name
    python3 -m pip download --quiet --no-deps --only-binary :all: --ignore-requires-python "$spec" -d "$dl" \
        || die "pip could not download $spec"
    wheel=$(find "$dl" -name '*.whl' | head -n 1)
    [ -n "$wheel" ] || die "no wheel for $spec"
    unzip -q -o "$wheel" -d "$WORK/$name"
    # Keep the sources as shipped; drop the wheel's own metadata folder.
    rm -rf "$WORK/$name"/*.dist-info
    mv "$WORK/$name" "$DEST/$name"
done

REGISTRY=${CARGO_HOME:-$HOME/.cargo}/registry/src
for entry in "${RUST[@]}"; do
    IFS='|' read -r name crate extra <<<"$entry"
    if [ -d "$DEST/$name" ]; then echo "== $name: present, skipped" >&2; continue; fi
    read -r cname cver <<<"$crate"
    echo "== $name: $cname $cver" >&2
    manifest=$WORK/fetch-$name
    mkdir -p "$manifest/src"
    : >"$manifest/src/lib.rs"
    cat >"$manifest/Cargo.toml" <<EOF
[package]
name = "corpus-fetch"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
$cname = "=$cver"
EOF
    cargo fetch --quiet --manifest-path "$manifest/Cargo.toml" || die "cargo could not fetch $cname $cver"
    mkdir -p "$WORK/$name"
    for c in "$cname" $extra; do
        # `crate=version` for a crate of the release published under another version
        v=$cver
        case "$c" in *=*) v=${c#*=}; c=${c%%=*} ;; esac
        src=$(find "$REGISTRY" -maxdepth 2 -type d -name "$c-$v" | head -n 1)
        [ -n "$src" ] || die "$c-$v not found under $REGISTRY after cargo fetch"
        cp -R "$src" "$WORK/$name/$c-$v"
    done
    mv "$WORK/$name" "$DEST/$name"
done

echo "== corpus ready in $DEST" >&2
