#!/usr/bin/env python3
"""Charges each perf sample to what the sampled process was doing, and prints a table of
microseconds per start for each runtime (bench/profile).

A sample in user space is "loader" when it is in ld.so (for these short programs that is
mostly the CPU feature probing at every exec, whose cpuid instructions trap to the
hypervisor in a VM), else "user code". A kernel sample goes to the system call whose entry
is on its stack (or "page fault", "fork return"), named without the __x64_sys_ prefix.
Input: `perf script -F comm,ip,sym,dso` of a perf record -g; the sandboxed /bin/true's own
samples are counted in "command (/bin/true)" whatever they are in.
"""
import argparse
import collections
import re

SYSCALL = re.compile(r"^(?:__x64_sys_|__do_sys_|__se_sys_|ksys_|__sys_)(.*)$")


def charge(frames):
    """frames: (ip, symbol, dso) from the sampled instruction to the stack's root."""
    ip, _, dso = frames[0]
    if not ip.startswith("ffffffff"):
        return "loader" if "ld-linux" in dso else "user code"
    kernel = [sym for ip, sym, _ in frames if ip.startswith("ffffffff")]
    for i, sym in enumerate(reversed(kernel)):
        if sym == "asm_exc_page_fault":
            return "page fault"
        if sym.startswith("ret_from_fork"):
            return "fork return"
        if sym == "do_syscall_64":
            for callee in list(reversed(kernel))[i + 1:]:
                if callee == "x64_sys_call":
                    continue
                m = SYSCALL.match(callee)
                name = m.group(1) if m else callee
                return {"do_seccomp": "seccomp", "exit_group": "exit"}.get(name, name)
            return "other kernel"
    return "other kernel"


def samples(path):
    """Yields (comm, frames) for each sample of a perf script listing."""
    comm, frames = None, []
    with open(path, errors="replace") as f:
        for line in f:
            if not line.strip():
                if comm is not None and frames:
                    yield comm, frames
                comm, frames = None, []
            elif not line[0].isspace():
                comm = line.split()[0]
            else:
                parts = line.split(None, 1)
                rest = parts[1] if len(parts) > 1 else ""
                dso = rest[rest.rfind("(") + 1:].rstrip(")\n") if "(" in rest else ""
                sym = rest.split("+")[0].split(" (")[0].strip()
                frames.append((parts[0], sym, dso))
    if comm is not None and frames:
        yield comm, frames


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, required=True)
    ap.add_argument("--freq", type=int, required=True)
    ap.add_argument("inputs", nargs="+", help="NAME=perf-script-output")
    args = ap.parse_args()
    us_per_sample = 1e6 / args.freq / args.runs
    tables = {}
    for spec in args.inputs:
        name, path = spec.split("=", 1)
        counts = collections.Counter()
        for comm, frames in samples(path):
            if comm == "true":
                counts["command (/bin/true)"] += 1
            elif comm == name:
                counts[charge(frames)] += 1
        tables[name] = counts
    names = [s.split("=", 1)[0] for s in args.inputs]
    rows = collections.Counter()
    for counts in tables.values():
        rows.update(counts)
    print("| where | " + " | ".join(f"{n} µs" for n in names) + " |")
    print("| --- |" + " --- |" * len(names))
    for row, _ in rows.most_common():
        cells = [tables[n][row] * us_per_sample for n in names]
        if max(cells) < 5:
            continue
        print(f"| {row} | " + " | ".join(f"{c:.0f}" for c in cells) + " |")
    totals = [sum(tables[n].values()) * us_per_sample for n in names]
    print("| **total** | " + " | ".join(f"**{t:.0f}**" for t in totals) + " |")
    print(f"\n{args.runs} starts each, {args.freq} Hz; rows under 5 µs left out.")


if __name__ == "__main__":
    main()
