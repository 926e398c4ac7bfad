#!/usr/bin/env bash
# Check the HTML report in a real browser: render a report of the fixtures (plus a file whose name
# and code try to inject markup) with `tollgate scan --format html`, open it in headless Chromium,
# and check
#   - a screenshot: its size, that it is not blank, and a few pixels (the failing verdict's red
#     header, the critical badge);
#   - the DOM after the page's script ran, with filters preset in the URL fragment: only the
#     chosen severity and rule stay visible, the count line agrees with the JSON report, the route
#     filter keeps only matching routes;
#   - that nothing from the scanned code became markup or ran as script.
#
# Usage: dist/html-check.sh [WORK_DIR]   (default: a temporary directory, removed afterwards)
# Needs Chromium and Python's PIL: on Debian/Ubuntu `apt-get install chromium python3-pil`
# (installed here when missing and run as root). TOLLGATE=path/to/tollgate uses that binary
# instead of `cargo build --release --locked`. Takes about 15 s after the build. Not run by .ci/run.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -gt 0 ]; then
  work="$1"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

fail() {
  echo "dist/html-check.sh: $*" >&2
  exit 1
}

chromium="${CHROMIUM:-chromium}"
# A Python with PIL: $PYTHON, else python3, else the system's (where apt installs python3-pil).
with_pil() {
  for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
    if "$candidate" -c "import PIL" 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
}
if ! command -v "$chromium" >/dev/null || [ -z "$(with_pil)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium python3-pil
  else
    fail "needs Chromium and python3-pil: sudo apt-get install chromium python3-pil"
  fi
fi

if [ -n "${TOLLGATE:-}" ]; then
  tollgate="$TOLLGATE"
else
  (cd "$root" && cargo build --release --locked --quiet)
  tollgate="$root/target/release/tollgate"
fi

# A file whose name and code try to become markup in the report.
hostile="$work/hostile"
mkdir -p "$hostile"
cat >"$hostile/evil\"><img src=x onerror=alert(1)>.py" <<'PY'
from django.db import connection


def report(request):
    name = request.GET["name"]
    sql = "SELECT 1 WHERE x = '%s' </pre><img src=x onerror=\"document.body.dataset.pwned=1\">" % name
    connection.cursor().execute(sql)
PY

cd "$root"
# One scan, both reports: the JSON one tells how many findings each filter must leave.
status=0
"$tollgate" scan --no-cache fixtures "$hostile" --format json --output "$work/report.json" \
  --html "$work/report.html" || status=$?
[ "$status" = 1 ] || fail "scan exited $status, expected 1 (findings)"

browse() { # browse FRAGMENT OUTPUT_FLAG...
  local fragment="$1"
  shift
  timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --no-first-run --user-data-dir="$work/profile" --window-size=1280,1600 "$@" \
    "file://$work/report.html#$fragment" 2>"$work/chromium.log"
}

echo "== screenshot"
browse "severity=critical" --screenshot="$work/shot.png" >/dev/null
echo "== DOM with filters"
browse "severity=critical&rule=sql-injection" --dump-dom >"$work/filtered.html"
browse "route=/v1/public" --dump-dom >"$work/routes.html"

"$(with_pil)" - "$work" <<'PY'
import json, re, sys
from html.parser import HTMLParser
from PIL import Image

work = sys.argv[1]

def fail(message):
    sys.exit(f"dist/html-check.sh: {message}")

# The screenshot: the whole window, not blank, the red header of a failing scan, a critical badge.
shot = Image.open(f"{work}/shot.png").convert("RGB")
if shot.size != (1280, 1600):
    fail(f"screenshot is {shot.size}, expected 1280x1600")
colors = shot.getcolors(maxcolors=1 << 20) or []
if len(colors) < 50:
    fail(f"screenshot looks blank ({len(colors)} colours)")
def near(pixel, rgb, tolerance=12):
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, rgb))
if not near(shot.getpixel((4, 4)), (0x7F, 0x1D, 0x1D)):
    fail(f"header pixel is {shot.getpixel((4, 4))}, expected the failing verdict's red")
critical = sum(1 for _, c in colors if near(c, (0xB9, 0x1C, 0x1C), 4))
if not critical:
    fail("no critical badge colour in the screenshot")
print(f"screenshot: {shot.size[0]}x{shot.size[1]}, {len(colors)} colours, header red, critical badge drawn")

class Page(HTMLParser):
    """Findings and route rows with their data attributes and whether they are hidden."""
    def __init__(self):
        super().__init__()
        self.findings, self.routes, self.tags, self.shown, self.body = [], [], [], None, {}
        self._in_shown = False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "body":
            self.body = a
        if tag == "article" and "finding" in a.get("class", ""):
            self.findings.append(a)
        if tag == "tr" and "data-route" in a:
            self.routes.append(a)
        self._in_shown = a.get("id") == "shown"
    def handle_data(self, data):
        if self._in_shown:
            self.shown = data
            self._in_shown = False

def page(name):
    p = Page()
    p.feed(open(f"{work}/{name}", encoding="utf-8").read())
    return p

expected = [f for f in json.load(open(f"{work}/report.json"))["findings"]
            if f["severity"] == "critical" and f["rule_id"] == "sql-injection"]
filtered = page("filtered.html")
visible = [f for f in filtered.findings if "hidden" not in f]
if not expected or len(visible) != len(expected):
    fail(f"{len(visible)} findings visible with the filter, the JSON report has {len(expected)}")
if any(f["data-severity"] != "critical" or f["data-rule"] != "sql-injection" for f in visible):
    fail("a finding outside the filter is visible")
want = f"{len(expected)} of {len(filtered.findings)} findings shown"
if filtered.shown != want:
    fail(f"count line {filtered.shown!r}, expected {want!r}")
print(f"filter severity=critical rule=sql-injection: {filtered.shown}")

routes = page("routes.html")
shown_routes = [r for r in routes.routes if "hidden" not in r]
if not shown_routes or len(shown_routes) == len(routes.routes):
    fail(f"route filter kept {len(shown_routes)} of {len(routes.routes)} routes")
if any("/v1/public" not in r["data-route"] for r in shown_routes):
    fail("a route outside the filter is visible")
print(f"filter route=/v1/public: {len(shown_routes)} of {len(routes.routes)} routes shown")

# Nothing from the scanned code became an element or ran.
if any(tag == "img" for tag, _ in filtered.tags):
    fail("an <img> from the scanned code became markup")
if "data-pwned" in filtered.body:
    fail("script from the scanned code ran")
scripts = sum(1 for tag, _ in filtered.tags if tag == "script")
if scripts != 1:
    fail(f"{scripts} <script> elements, expected the report's own")
hostile = [f for f in filtered.findings if "evil" in f["data-path"]]
if not hostile:
    fail("the hostile file's finding is missing")
print("hostile file name and code stayed text")
PY
echo "dist/html-check.sh: ok (report, screenshot and DOM in $work)"
