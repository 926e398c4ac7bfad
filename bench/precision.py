"""Precision of tollgate on the calibration corpus, from the triage ledger. See docs/precision.md.

Run by bench/precision.sh, which builds the binary. Python 3.11 standard library only.

Each service folder of the corpus is scanned with the default settings. A finding is matched to
a ledger row of bench/triage/<service>.tsv by (file, rule, fingerprint), or else, the corpus being
pinned, by (file, rule, line). Every critical and high finding is to be judged, and the medium and
low findings that fall in a fixed-seed sample (SAMPLE_PERCENT of them, chosen by a hash of service,
file, rule and fingerprint, so that the choice of a finding does not depend on the others).
"""

from __future__ import annotations

import argparse
import collections
import csv
import hashlib
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HEADER = ["fingerprint", "rule", "file", "line", "severity", "verdict", "reason"]
VERDICTS = ("TP", "FP", "DEB")
SEVERITIES = ("critical", "high", "medium", "low")
SAMPLE_PERCENT = 50
SAMPLE_SEED = "tollgate-precision-1"


@dataclass
class Row:
    fingerprint: str
    rule: str
    file: str
    line: int
    severity: str
    verdict: str
    reason: str


def read_ledger(path: Path) -> list[Row]:
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader, None)
        if header != HEADER:
            sys.exit(f"bench/precision: {path}: header must be {'<TAB>'.join(HEADER)}")
        rows = []
        for number, cells in enumerate(reader, start=2):
            if not cells:
                continue
            if len(cells) != len(HEADER):
                sys.exit(f"bench/precision: {path}:{number}: {len(cells)} columns, expected {len(HEADER)}")
            row = Row(cells[0], cells[1], cells[2], int(cells[3]), cells[4], cells[5].strip(), cells[6])
            if row.verdict and row.verdict not in VERDICTS:
                sys.exit(f"bench/precision: {path}:{number}: verdict {row.verdict!r} is not TP, FP, DEB or empty")
            rows.append(row)
        return rows


def append_ledger(path: Path, rows: list[Row]) -> None:
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", newline="", encoding="utf-8") as handle:
        if new:
            handle.write("\t".join(HEADER) + "\n")
        for row in rows:
            cells = [row.fingerprint, row.rule, row.file, str(row.line), row.severity, row.verdict, row.reason]
            handle.write("\t".join(cell.replace("\t", " ").replace("\n", " ") for cell in cells) + "\n")


def scan(binary: str, service: Path) -> list[dict]:
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        done = subprocess.run(
            [binary, "scan", ".", "--format", "json", "--no-cache", "--output", out.name],
            cwd=service,
            stderr=subprocess.PIPE,
            text=True,
        )
        if done.returncode not in (0, 1):
            sys.exit(f"bench/precision: scanning {service} failed ({done.returncode}):\n{done.stderr}")
        return json.loads(Path(out.name).read_text(encoding="utf-8"))["findings"]


def sampled(service: str, finding: dict) -> bool:
    """Whether a medium or low finding is in the fixed-seed triage sample."""
    key = "\0".join([SAMPLE_SEED, service, finding["path"], finding["rule_id"], finding["fingerprint"]])
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 100 < SAMPLE_PERCENT


def in_scope(service: str, finding: dict) -> bool:
    return finding["severity"] in ("critical", "high") or sampled(service, finding)


def match(findings: list[dict], rows: list[Row]) -> tuple[dict[int, Row], list[Row]]:
    """Pair findings (by index) with ledger rows; return the pairs and the rows left over."""
    by_print = {(r.file, r.rule, r.fingerprint): r for r in rows}
    by_line = {(r.file, r.rule, r.line): r for r in rows}
    pairs: dict[int, Row] = {}
    used: set[int] = set()
    for index, f in enumerate(findings):
        row = by_print.get((f["path"], f["rule_id"], f["fingerprint"]))
        if row is None or id(row) in used:
            row = by_line.get((f["path"], f["rule_id"], f["start"]["line"]))
        if row is not None and id(row) not in used:
            pairs[index] = row
            used.add(id(row))
    return pairs, [r for r in rows if id(r) not in used]


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "-"


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench/precision.sh", description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default="bench/corpus", help="corpus folder (default bench/corpus)")
    parser.add_argument("--binary", required=True, help="the tollgate binary")
    parser.add_argument("--triage", default="bench/triage", help="ledger folder (default bench/triage)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a judged TP disappeared")
    parser.add_argument("--write-unjudged", action="store_true", help="append unjudged findings to the ledgers")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--show", metavar="VERDICT", help="also list the current findings judged VERDICT (TP, FP, DEB)")
    args = parser.parse_args()

    binary = Path(args.binary).resolve()
    if not binary.is_file():
        sys.exit(f"bench/precision: the tollgate binary {args.binary} does not exist")
    corpus = Path(args.corpus)
    if not corpus.is_dir():
        sys.exit(f"bench/precision: corpus folder {corpus} does not exist; run bench/corpus.sh first")
    services = sorted(p for p in corpus.iterdir() if p.is_dir())
    triage = Path(args.triage)

    # per rule and per severity: counters of findings, in-scope, TP, FP, DEB
    per_rule: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    per_severity: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    unjudged: list[tuple[str, dict]] = []
    lost: list[tuple[str, Row]] = []
    shown: list[tuple[str, dict, Row]] = []
    for service in services:
        name = service.name
        ledger = triage / f"{name}.tsv"
        rows = read_ledger(ledger)
        findings = scan(str(binary), service)
        pairs, leftover = match(findings, rows)
        lost += [(name, r) for r in leftover if r.verdict == "TP"]
        new_rows = []
        for index, f in enumerate(findings):
            counters = (per_rule[f["rule_id"]], per_severity[f["severity"]])
            row = pairs.get(index)
            for c in counters:
                c["findings"] += 1
            if row is not None and row.verdict:
                for c in counters:
                    c[row.verdict] += 1
                if row.verdict == args.show:
                    shown.append((name, f, row))
            elif in_scope(name, f):
                unjudged.append((name, f))
                for c in counters:
                    c["unjudged"] += 1
                if row is None:
                    new_rows.append(
                        Row(f["fingerprint"], f["rule_id"], f["path"], f["start"]["line"], f["severity"], "", "")
                    )
        if args.write_unjudged and new_rows:
            append_ledger(ledger, new_rows)

    print_table(per_rule, per_severity, args.markdown)
    if unjudged:
        print(f"\n{len(unjudged)} findings to judge (critical/high, and the {SAMPLE_PERCENT} % sample of the rest):")
        for name, f in unjudged:
            print(f"  {name}/{f['path']}:{f['start']['line']}  {f['rule_id']} [{f['severity']}]  {f['message']}")
    if shown:
        print(f"\n{len(shown)} findings judged {args.show}:")
        for name, f, r in sorted(shown, key=lambda x: (x[1]["rule_id"], x[0])):
            print(f"  {f['rule_id']} [{f['severity']}] {name}/{f['path']}:{f['start']['line']}  {r.reason}")
    if lost:
        print(f"\n{len(lost)} judged true positives no longer found (a regression, or the ledger needs updating):")
        for name, r in lost:
            print(f"  {name}/{r.file}:{r.line}  {r.rule} [{r.severity}]  {r.reason}")
    return 1 if args.check and lost else 0


def print_table(per_rule, per_severity, markdown: bool) -> None:
    columns = ["rule", "findings", "judged", "TP", "FP", "DEB", "precision"]

    def cells(name: str, c: collections.Counter) -> list[str]:
        judged = c["TP"] + c["FP"] + c["DEB"]
        return [name, str(c["findings"]), str(judged), str(c["TP"]), str(c["FP"]), str(c["DEB"]), pct(c["TP"], judged)]

    lines = [cells(rule, per_rule[rule]) for rule in sorted(per_rule, key=lambda r: (-per_rule[r]["findings"], r))]
    total = sum(per_rule.values(), collections.Counter())
    severe = per_severity["critical"] + per_severity["high"]
    rest = per_severity["medium"] + per_severity["low"]
    summary = [
        cells("all", total),
        cells("critical/high", severe),
        cells("medium/low (sample)", rest),
    ]
    # All findings: critical/high judged in full, the rest estimated from its sample.
    rest_judged = rest["TP"] + rest["FP"] + rest["DEB"]
    severe_judged = severe["TP"] + severe["FP"] + severe["DEB"]
    estimate = "-"
    if severe_judged or rest_judged:
        tp = (severe["TP"] / severe_judged * severe["findings"] if severe_judged else 0) + (
            rest["TP"] / rest_judged * rest["findings"] if rest_judged else 0
        )
        counted = (severe["findings"] if severe_judged else 0) + (rest["findings"] if rest_judged else 0)
        estimate = pct(round(tp), counted)
    if markdown:
        print("| " + " | ".join(columns) + " |")
        print("|" + "---|" * len(columns))
        for row in lines + [[f"**{c}**" if i == 0 else c for i, c in enumerate(s)] for s in summary]:
            print("| " + " | ".join(row) + " |")
    else:
        widths = [max(len(r[i]) for r in [columns] + lines + summary) for i in range(len(columns))]
        fmt = lambda r: "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))
        print(fmt(columns))
        for row in lines:
            print(fmt(row))
        print("-" * len(fmt(columns)))
        for row in summary:
            print(fmt(row))
    print(f"\nall findings, estimated (critical/high in full, the rest from its sample): {estimate} TP")


if __name__ == "__main__":
    sys.exit(main())
