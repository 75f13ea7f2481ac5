"""The untrusted profile's workload (tests/integration/root_workloads_test.cpp).

`compute` does the job: a sieve of Eratosthenes, its result printed and kept in /tmp, plus
the capabilities the process holds, read from /proc/self/status; `compute wait` then waits
for a signal (to be audited while it runs). The other modes try what
the profile forbids and print `refused=ERRNO` (exit 3) when the kernel says no:
  connect HOST PORT   a TCP connection out of the sandbox
  write PATH          a file outside /tmp
  fork N              N children alive at once
"""
import errno
import os
import signal
import socket
import sys


def compute(then=None):
    n = 200_000
    sieve = bytearray([1]) * n
    sieve[0:2] = b"\0\0"
    for i in range(2, int(n**0.5) + 1):
        if sieve[i]:
            sieve[i * i :: i] = bytes(len(range(i * i, n, i)))
    primes = [i for i in range(n) if sieve[i]]
    with open("/tmp/primes.txt", "w") as out:
        out.write(f"{len(primes)} {sum(primes)}\n")
    with open("/tmp/primes.txt") as back:
        print("result=" + back.read().strip())
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(("CapEff:", "CapPrm:", "CapBnd:", "CapAmb:")):
                key, value = line.split(":")
                print(f"{key.lower()}={value.strip()}")
    sys.stdout.flush()
    if then == "wait":
        signal.pause()


def connect(host, port):
    with socket.create_connection((host, int(port)), timeout=5):
        print("connected")


def write(path):
    with open(path, "w") as out:
        out.write("written by an untrusted program\n")
    print("written")


def fork(count):
    children = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            signal.pause()  # stay alive, so every child counts at once
            os._exit(0)
        children.append(pid)
    print(f"forked={len(children)}")


def main(argv):
    modes = {"compute": compute, "connect": connect, "write": write,
             "fork": lambda n: fork(int(n))}
    try:
        modes[argv[1]](*argv[2:])
    except OSError as e:
        # socket.timeout is an OSError without errno: a silently dropped connection.
        name = errno.errorcode.get(e.errno, "TIMEOUT") if e.errno else "TIMEOUT"
        print(f"refused={name}", flush=True)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
