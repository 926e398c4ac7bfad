#!/usr/bin/env bash
# Check the pre-commit hook as a user of the tollgate-pre-commit mirror gets it: pre-commit (from
# PyPI) installs the mirror made by dist/pre-commit-mirror.sh with pip, taking the
# tollgate-review wheel from WHEEL_DIR, in a repository where a view is guarded by its URL
# configuration and a committed file has a finding. Committing a change to the view passes (the
# guard in urls.py is seen, the committed file is not reported); staging an eval of request
# data fails on that file alone.
#
# Usage: dist/pre-commit-check.sh WHEEL_DIR WORK_DIR   (run by dist/check.sh)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
wheels="$(cd "$1" && pwd)"
work="$2"
python="${PYTHON:-python3}"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)"

fail() {
  echo "dist/pre-commit-check.sh: $*" >&2
  exit 1
}

git_quiet() { git -c user.name=tollgate -c user.email=tollgate@example.invalid -c commit.gpgsign=false -c tag.gpgsign=false "$@"; }

rm -rf "$work/mirror" "$work/project" "$work/pre-commit-home"
"$python" -m venv "$work/pre-commit-env"
"$work/pre-commit-env/bin/pip" install --quiet pre-commit
pre_commit="$work/pre-commit-env/bin/pre-commit"

"$root/dist/pre-commit-mirror.sh" "$work/mirror" >/dev/null
git_quiet -C "$work/mirror" init -q
git_quiet -C "$work/mirror" add -A
git_quiet -C "$work/mirror" commit -q -m "tollgate-pre-commit $version"
git_quiet -C "$work/mirror" tag "v$version"

project="$work/project"
mkdir -p "$project/app"
cat >"$project/app/urls.py" <<'PY'
from django.contrib.auth.decorators import login_required
from django.urls import path

from . import views

urlpatterns = [path("transfer/", login_required(views.transfer))]
PY
cat >"$project/app/views.py" <<'PY'
from django.http import JsonResponse
from django.views.decorators.http import require_POST


@require_POST
def transfer(request):
    Payment.objects.create(note=request.POST["note"])
    return JsonResponse({"ok": True})
PY
cat >"$project/app/tasks.py" <<'PY'
def refund(gateway, payment):
    try:
        gateway.refund(payment)
    except Exception:
        pass
PY
cat >"$project/.pre-commit-config.yaml" <<YAML
repos:
  - repo: $work/mirror
    rev: v$version
    hooks:
      - id: tollgate
YAML
git_quiet -C "$project" init -q
git_quiet -C "$project" add -A
git_quiet -C "$project" commit -q -m "a project with a finding already committed"

export PRE_COMMIT_HOME="$work/pre-commit-home"
export PIP_FIND_LINKS="$wheels ${PIP_FIND_LINKS:-}"
run_hook() { (cd "$project" && "$pre_commit" run --color never) 2>&1; }

printf '\n\ndef health(request):\n    return JsonResponse({"ok": True})\n' >>"$project/app/views.py"
git -C "$project" add app/views.py
started="$(date +%s.%N)"
if ! out="$(run_hook)"; then
  fail "the hook failed on a guarded view (urls.py was not seen?):
$out"
fi
installed="$(date +%s.%N)"
grep -q "tollgate security review.*Passed" <<<"$out" || fail "the hook did not run: $out"

printf '\n\ndef calc(request):\n    return JsonResponse({"v": eval(request.GET["expr"])})\n' >>"$project/app/views.py"
git -C "$project" add app/views.py
if out="$(run_hook)"; then
  fail "the hook passed an eval of request data:
$out"
fi
grep -q "app/views.py" <<<"$out" || fail "the finding in app/views.py is not reported: $out"
if grep -q "app/tasks.py" <<<"$out"; then
  fail "app/tasks.py (not staged) was reported: $out"
fi
awk -v a="$started" -v b="$installed" \
  'BEGIN { printf "pre-commit: hook installed from the wheel and first run in %.2fs\n", b - a }'
echo "dist/pre-commit-check.sh: ok"
