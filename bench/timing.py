"""Time benchmark commands, interleaved round by round, and print a markdown table.

Reads `name|command` lines on stdin (commands run through bash), or `name|FILES|command` to
give a row its own file count. Used by bench/run.sh.

Each run records wall time, CPU time (user + sys of the command and its children, from
`wait4`) and peak resident memory. The machine may be shared, so CPU time is the figure to
compare; the table shows medians, and CPU ratios against the `parse floor` and `tollgate` rows
when present.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time


def run_once(command):
    """(wall seconds, CPU seconds, peak RSS in MiB, exit status) of one run of `command`."""
    started = time.perf_counter()
    process = subprocess.Popen(
        ["bash", "-c", command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    # Linux reports ru_maxrss in KiB: the largest of the process and its waited-for children.
    return wall, cpu, usage.ru_maxrss / 1024, process.returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--files", type=int, required=True)
    parser.add_argument("--title", required=True)
    args = parser.parse_args()

    commands = []
    files = {}
    for line in sys.stdin.read().splitlines():
        parts = line.split("|", 2)
        if len(parts) == 3 and parts[1].isdigit():
            files[parts[0]] = int(parts[1])
            commands.append((parts[0], parts[2]))
        elif len(parts) >= 2:
            commands.append((parts[0], line.split("|", 1)[1]))
    results = {name: [] for name, _ in commands}
    for run in range(args.runs):
        print(f"round {run + 1}/{args.runs}", file=sys.stderr)
        for name, command in commands:
            wall, cpu, rss, status = run_once(command)
            if status not in (0, 1):
                print(f"{name}: exit status {status}: {command}", file=sys.stderr)
            results[name].append((wall, cpu, rss))

    def median(name, index):
        return statistics.median(run[index] for run in results[name])

    floor = median("parse floor", 1) if "parse floor" in results else None
    base = median("tollgate", 1) if "tollgate" in results else None
    print(f"\n{args.title}\n")
    print(
        "| command | median wall | median CPU | min CPU | files/CPU s | peak RSS"
        " | CPU vs parse floor | CPU vs tollgate |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, _ in commands:
        wall = median(name, 0)
        cpu = median(name, 1)
        rss = max(run[2] for run in results[name])
        vs_floor = f"{cpu / floor:.2f}×" if floor else ""
        vs_base = f"{cpu / base:.2f}×" if base else ""
        count = files.get(name, args.files)
        per_second = f"{count / cpu:.0f}" if cpu > 0 else ""
        print(
            f"| {name} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms"
            f" | {min(run[1] for run in results[name]) * 1000:.0f} ms"
            f" | {per_second} | {rss:.0f} MiB | {vs_floor} | {vs_base} |"
        )


if __name__ == "__main__":
    main()
