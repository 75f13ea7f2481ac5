#!/usr/bin/env python3
"""Renders an HTML compliance report in headless Chromium and checks the screenshot shows the
summary chart: the pass (green) and fail (red) bars of the inline SVG, and text around them.

Usage: screenshot_test.py CONTAINERV_BINARY. Exit 0 pass, 1 fail, 77 skip (chromium absent;
a failure instead when CONTAINERV_FORBID_SKIP=1, as in CI)."""
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib


def read_png(path):
    """(width, height, rows of (r, g, b)) of an 8-bit RGB or RGBA, non-interlaced PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError(path + ": not a PNG")
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in (2, 6) or interlace != 0:
        raise ValueError("unsupported PNG layout %r" % (header,))
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + b) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pred) & 0xFF
        rows.append([tuple(line[x * bpp:x * bpp + 3]) for x in range(width)])
        prev = line
    return width, height, rows


def main():
    containerv = sys.argv[1]
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        why = "chromium is not installed (scripts/setup installs it)"
        if os.environ.get("CONTAINERV_FORBID_SKIP") == "1":
            print("cannot skip (CONTAINERV_FORBID_SKIP=1): " + why)
            return 1
        print("SKIP: " + why)
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        html = os.path.join(tmp, "report.html")
        subprocess.run([containerv, "report", "--standard", "cis", "--profile", "default",
                        "-o", html], check=True)
        shot = os.path.join(tmp, "shot.png")
        # The flags the machine notes ask for: no sandbox as root, no background networking
        # (the network is closed), a fresh profile directory.
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + os.path.join(tmp, "chromium"),
                        "--hide-scrollbars", "--window-size=1000,700",
                        "--screenshot=" + shot, "file://" + html],
                       check=True, timeout=180, capture_output=True)
        width, height, rows = read_png(shot)
    pixels = [p for row in rows for p in row]
    near = lambda p, q: all(abs(x - y) <= 8 for x, y in zip(p, q))
    green = sum(1 for p in pixels if near(p, (0x2E, 0x7D, 0x32)))
    red = sum(1 for p in pixels if near(p, (0xC6, 0x28, 0x28)))
    dark = sum(1 for p in pixels if sum(p) < 200)  # text
    print("screenshot %dx%d: %d green, %d red, %d dark pixels" % (width, height, green, red,
                                                                  dark))
    ok = width == 1000 and height == 700 and green > 1000 and red > 1000 and dark > 500
    print("ok" if ok else "FAILED: the chart or the text did not render")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
