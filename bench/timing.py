"""Time benchmark commands, interleaved round by round, and print a markdown table.

Reads `name|command` lines on stdin (commands run through bash). Used by bench/run.sh.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def peak_rss_mib(command):
    """Peak resident memory of one run, via GNU time, or None where it is missing."""
    if not os.path.exists("/usr/bin/time"):
        return None
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", "bash", "-c", command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        return int(result.stderr.strip().splitlines()[-1]) / 1024
    except (ValueError, IndexError):
        return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--files", type=int, required=True)
    parser.add_argument("--bytes", type=int, required=True)
    parser.add_argument("--title", required=True)
    args = parser.parse_args()

    commands = [line.split("|", 1) for line in sys.stdin.read().splitlines() if "|" in line]
    times = {name: [] for name, _ in commands}
    for run in range(args.runs):
        print(f"round {run + 1}/{args.runs}", file=sys.stderr)
        for name, command in commands:
            started = time.perf_counter()
            status = subprocess.run(
                ["bash", "-c", command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            ).returncode
            elapsed = time.perf_counter() - started
            if status not in (0, 1):
                print(f"{name}: exit status {status}: {command}", file=sys.stderr)
            times[name].append(elapsed)

    medians = {name: statistics.median(values) for name, values in times.items()}
    floor = medians.get("parse floor")
    base = medians.get("tollgate")
    print(f"\n{args.title}\n")
    print("| command | median | min | files/s | MB/s | peak RSS | vs parse floor | vs tollgate |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, command in commands:
        median = medians[name]
        rss = peak_rss_mib(command)
        rss_text = f"{rss:.0f} MiB" if rss is not None else "n/a"
        vs_floor = f"{median / floor:.2f}×" if floor else ""
        vs_base = f"{median / base:.2f}×" if base else ""
        print(
            f"| {name} | {median * 1000:.0f} ms | {min(times[name]) * 1000:.0f} ms"
            f" | {args.files / median:.0f} | {args.bytes / median / 1e6:.1f}"
            f" | {rss_text} | {vs_floor} | {vs_base} |"
        )


if __name__ == "__main__":
    main()
