"""Render a review's HTML in headless Chromium (Debian's `chromium` package): a screenshot, and
with --pdf the page printed to A4 through the print stylesheet.

    python scripts/review_screenshot.py review.html docs/img/review_zh.png [--pdf review.pdf]

Install the browser with `apt-get install chromium` (and `fonts-noto-cjk` for Chinese text)."""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

# a closed network: without these Chromium keeps trying to reach Google's services
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]


def browser() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    sys.exit("no Chromium here; install it with: apt-get install chromium fonts-noto-cjk")


def render(page: Path, png: Path, *, width: int = 1100, height: int = 3000, pdf: Path | None = None) -> None:
    url = page.resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        common = [browser(), *FLAGS, f"--user-data-dir={profile}"]
        subprocess.run([*common, f"--window-size={width},{height}", f"--screenshot={png.resolve()}", url],
                       check=True, capture_output=True, timeout=120)
        if pdf is not None:
            subprocess.run([*common, "--no-pdf-header-footer", f"--print-to-pdf={pdf.resolve()}", url],
                           check=True, capture_output=True, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=3000)
    parser.add_argument("--pdf", type=Path)
    args = parser.parse_args()
    args.png.parent.mkdir(parents=True, exist_ok=True)
    render(args.html, args.png, width=args.width, height=args.height, pdf=args.pdf)
    print(f"wrote {args.png}" + (f" and {args.pdf}" if args.pdf else ""))


if __name__ == "__main__":
    main()
