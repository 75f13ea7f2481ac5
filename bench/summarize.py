#!/usr/bin/env python3
"""Turns bench/run's raw data (DIR/raw) into the results table (Markdown on stdout) and the
plot's data files (DIR/start-*.dat). Every figure is a median over the samples of one run,
and every target a ratio against a peer measured in the same run."""

import glob
import json
import os
import platform
import statistics
import sys

out = sys.argv[1]
raw = os.path.join(out, "raw")


def hyperfine(tag):
    """Each command's times in seconds, merged over the passes."""
    times = {}
    order = []
    files = sorted(glob.glob(os.path.join(raw, f"{tag}.*.json")))
    if not files:
        sys.exit(f"summarize: no {tag}.*.json in {raw}")
    for path in files:
        for result in json.load(open(path))["results"]:
            name = result["command"]
            if name not in times:
                order.append(name)
            times.setdefault(name, []).extend(result["times"])
    return order, times


def med(values):
    return statistics.median(values)


def spread(values):
    """Interquartile range, as a fraction of the median."""
    if len(values) < 4:
        return 0.0
    q = statistics.quantiles(values, n=4)
    return (q[2] - q[0]) / med(values)


def lines(path):
    table = {}
    for line in open(os.path.join(raw, path)):
        name, median, low, high = line.split()
        table[name] = (float(median), float(low), float(high))
    return table


rows = []  # (measurement, figure, target, met)


def target(what, figure, goal, met):
    rows.append((what, figure, goal, "yes" if met else "**no**"))


cpu = "unknown"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
print(f"Machine: {platform.node()}, {cpu}, {os.cpu_count()} cores, Linux "
      f"{platform.release()}, load average {os.getloadavg()[0]:.2f} at the end of the run.\n")

# 1. Start to exit.
order, start = hyperfine("start")
print("### 1. Start to exit of /bin/true (ms)\n")
print("| runtime | median | IQR / median | min | runs |")
print("| --- | --- | --- | --- | --- |")
for name in order:
    t = [x * 1e3 for x in start[name]]
    print(f"| {name} | {med(t):.2f} | {spread(t) * 100:.0f} % | {min(t):.2f} | {len(t)} |")
    with open(os.path.join(out, f"start-{name}.dat"), "w") as f:
        ts = sorted(t)
        for i, x in enumerate(ts):
            f.write(f"{x:.4f} {(i + 0.5) / len(ts):.4f}\n")
with open(os.path.join(out, "start-plot.gp"), "w") as f:
    plots = [f"'start-{n}.dat' using 1:2 with steps lw 2 title '{n}'" for n in order]
    f.write("plot " + ", \\\n     ".join(plots) + "\n")
print()
# The library: per start inside one long-lived caller, timed by cv-bench-spawn itself.
library = [float(x) / 1e3 for x in open(os.path.join(raw, "library.txt")) if x.strip()]
print(f"Through the library (cv-bench-spawn: one caller, containerv_spawn and containerv_wait "
      f"of /bin/true in a loop, its own clock): median {med(library):.2f} ms, IQR "
      f"{spread(library) * 100:.0f} %, min {min(library):.2f} ms, {len(library)} runs.\n")
m = {name: med(start[name]) for name in order}
r = m["containerv"] / m["bwrap"]
target("start, default / bwrap (same namespaces: --share-net)", f"{r:.2f}", "≤ 0.80", r <= 0.8)
r = m["containerv-untrusted"] / m["bwrap-all"]
target("start, untrusted / bwrap --unshare-all", f"{r:.2f}", "≤ 0.80 (not a target)", r <= 0.8)
r = m["containerv"] / m["unshare"]
target("start, default / raw unshare (same namespaces)", f"{r:.2f}", "≤ 1.50", r <= 1.5)
r = m["containerv-untrusted"] / m["unshare-net"]
target("start, untrusted / raw unshare with -n", f"{r:.2f}", "≤ 1.50 (not a target)", r <= 1.5)
r = med(library) / (m["bwrap"] * 1e3)
rows.append(("start, default through the library / bwrap", f"{r:.2f}", "(context)", ""))
for peer in ("crun", "runc"):
    r = m["containerv"] / m[peer]
    rows.append((f"start, default / {peer}", f"{r:.2f}", "(context)", ""))
# The budget behind the start targets (bench/README.md). Every runtime here is a dynamically
# linked glibc program: its own exec pays ld.so's and glibc's start-up, as the command's does.
# From the minima: an exec this short lands now and then on the other, idle CPU, which makes
# bare-nolibc's median jump between passes.
startup = (min(start["bare"]) - min(start["bare-nolibc"])) * 1e3
rows.append(("a glibc program's start-up per exec (min bare − min bare-nolibc)",
             f"{startup:.2f} ms", "(context)", ""))
room = (0.8 * m["bwrap"] - m["unshare"]) * 1e3
rows.append(("room 0.8 × bwrap leaves above raw unshare", f"{room:.2f} ms", "(context)", ""))
own = (m["containerv-landlock"] - m["bare"]) * 1e3 - startup
rows.append(("containerv without namespaces (planning, cgroups, seccomp, Landlock): "
             "containerv-landlock − bare − that start-up", f"{own:.2f} ms", "(context)", ""))

# 2. Seccomp apply.
apply = lines("apply.txt")
print("### 2-3. Seccomp (medians over forked children; min and max in brackets)\n")
print("| figure | median | min | max |")
print("| --- | --- | --- | --- |")
for name, (median, low, high) in sorted(apply.items()):
    print(f"| {name} | {median:.1f} | {low:.1f} | {high:.1f} |")
for profile in ("default", "untrusted"):
    r = apply[f"apply_warm_{profile}_us"][0] / apply[f"apply_cold_{profile}_us"][0]
    target(f"seccomp apply warm / cold, {profile}", f"{r:.3f}", "≤ 0.10", r <= 0.1)

# 3. Syscall cost.
calls = lines("syscall.txt")
for name, (median, low, high) in sorted(calls.items()):
    print(f"| {name} | {median:.1f} | {low:.1f} | {high:.1f} |")
print()
r = calls["personality_containerv_ns"][0] / calls["personality_tree_ns"][0]
target("argument-checked call (personality) / libseccomp binary tree", f"{r:.3f}", "≤ 1.10",
       r <= 1.1)
r = calls["getppid_containerv_ns"][0] / calls["getppid_onerule_ns"][0]
target("always-allowed call (getppid) / one-rule filter", f"{r:.3f}", "≤ 1.05", r <= 1.05)
r = calls["getppid_onerule_ns"][0] / calls["getppid_none_ns"][0]
rows.append(("(one-rule filter / no filter, getppid)", f"{r:.3f}", "(context)", ""))

# 4. Workload.
_, work = hyperfine("workload")
r = med(work["containerv"]) / med(work["outside"])
print(f"### 4. Workload: unpack and hash a tree (s)\n\noutside {med(work['outside']):.3f}, "
      f"inside containerv {med(work['containerv']):.3f}, inside bwrap {med(work['bwrap']):.3f} "
      f"(medians of {len(work['outside'])} runs)\n")
r_bwrap = med(work["bwrap"]) / med(work["outside"])
rows.append(("workload inside bwrap / outside", f"{r_bwrap:.3f}", "(context)", ""))
target("workload inside / outside", f"{r:.3f} ({(r - 1) * 100:+.1f} %)", "≤ 1.03", r <= 1.03)

# 5. Throughput: the same number of sandboxes, so the ratio of times is the inverse ratio of
# sandboxes per second.
_, through = hyperfine("throughput")
n_runs = len(through["bwrap"])
print(f"### 5. Throughput on two workers (s for the batch, medians of {n_runs})\n")
for name, t in through.items():
    print(f"- {name}: {med(t):.3f} s")
print()
r = med(through["bwrap"]) / med(through["containerv"])
target("throughput, default / bwrap (sandboxes per second)", f"{r:.2f}", "≥ 1.25", r >= 1.25)
r = med(through["bwrap"]) / med(through["containerv-library"])
rows.append(("throughput, default through the library / bwrap", f"{r:.2f}", "(context)", ""))
r = med(through["bwrap-all"]) / med(through["containerv-untrusted"])
target("throughput, untrusted / bwrap --unshare-all", f"{r:.2f}", "≥ 1.25 (not a target)",
       r >= 1.25)

# 6. Peak RSS.
rss = {}
for line in open(os.path.join(raw, "rss.txt")):
    name, kib = line.split()
    rss.setdefault(name, []).append(int(kib))
print("### 6. Supervisor peak RSS (VmHWM, MiB, median)\n")
for name, values in rss.items():
    print(f"- {name}: {med(values) / 1024:.2f}")
print()
mib = med(rss["containerv"]) / 1024
target("supervisor peak RSS, default", f"{mib:.2f} MiB "
       f"({med(rss['containerv']) / med(rss['bwrap']):.1f} × bwrap)", "≤ 4 MiB", mib <= 4)

# 7. Growth.
order, growth = hyperfine("growth")
print("### 7. Growth: start time (ms, median) against the number of items\n")
counts = sorted({int(n.split("-")[1]) for n in order})
print("| items | " + " | ".join(str(c) for c in counts) + " | per item |")
print("| --- |" + " --- |" * (len(counts) + 1))
for kind in ("masked", "writable", "rules"):
    medians = [med(growth[f"{kind}-{c}"]) * 1e3 for c in counts]
    slope = (medians[-1] - medians[0]) / (counts[-1] - counts[0])
    print(f"| {kind} | " + " | ".join(f"{x:.2f}" for x in medians) + f" | {slope * 1e3:.0f} µs |")
print()

print("### Targets\n")
print("| measurement | measured | target | met |")
print("| --- | --- | --- | --- |")
for row in rows:
    print("| " + " | ".join(row) + " |")
