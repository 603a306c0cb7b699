"""Keep every command example in the README and docs/ true: each output block that follows a
marker `<!-- example: COMMAND -->` is what COMMAND prints, run in a fresh folder holding the
bundled sample as data/ (the commands of one page share that folder, in order, so a ledger
example can build on the one before).

    python scripts/docs_examples.py            # rerun every example and rewrite its output block
    python scripts/docs_examples.py --check    # exit 1 naming each example whose output changed

`tests/test_docs_examples.py` runs the check. Timings ("in 19.0 s", "(2 s)", "0.8 keys/s") are
compared as placeholders, since they vary from run to run; every other character must match.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("README.md", "docs/cli.md", "docs/review.md")
MARKER = re.compile(r"^<!-- example: (?P<command>.+?) -->\n```\n(?P<output>.*?)```$", re.MULTILINE | re.DOTALL)
TIMINGS = [(re.compile(r"\b\d+(\.\d+)? s\b"), "<N> s"), (re.compile(r"\b\d+(\.\d+)? (keys|series|nodes)/s\b"),
                                                            r"<N> \2/s")]


@dataclass(frozen=True)
class Example:
    page: str
    command: str
    output: str  # as documented
    start: int  # the block's span in the page
    end: int


def examples(page: str) -> list[Example]:
    text = (ROOT / page).read_text(encoding="utf-8")
    return [Example(page, m["command"], m["output"], m.start(), m.end()) for m in MARKER.finditer(text)]


def normalised(text: str) -> str:
    for pattern, placeholder in TIMINGS:
        text = pattern.sub(placeholder, text)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def workspace() -> Path:
    """A fresh folder with the sample as data/, as a reader who cloned the repository has."""
    folder = Path(tempfile.mkdtemp(prefix="forecast-docs-"))
    shutil.copytree(ROOT / "data", folder / "data")
    return folder


def run(command: str, folder: Path) -> str:
    """What `command` prints (stdout and stderr, as a terminal would interleave them) in `folder`."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "FORECAST_LEDGER": str(folder / "ledger.sqlite"), "COLUMNS": "200"}
    done = subprocess.run(["bash", "-c", command], cwd=folder, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=900, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"`{command}` exited {done.returncode}:\n{done.stdout[-2000:]}")
    return done.stdout.replace(f"{folder}/", "")  # paths as the reader's own folder shows them


def unpinned() -> list[str]:
    """The numerical packages installed at another version than constraints.txt pins (the
    examples were printed with the pinned ones; others move interval bounds in the last digits)."""
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        pin = line.split("#")[0].strip()
        if "==" in pin:
            name, wanted = pin.split("==")
            try:
                found = version(name)
            except PackageNotFoundError:
                found = "none"
            if found != wanted:
                out.append(f"{name} {found} (pinned {wanted})")
    return out


def page_outputs(page: str) -> list[tuple[Example, str]]:
    """Each example of `page` with what its command prints now."""
    folder = workspace()
    try:
        return [(example, run(example.command, folder)) for example in examples(page)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def rewrite(page: str) -> int:
    path = ROOT / page
    text = path.read_text(encoding="utf-8")
    for example, output in reversed(page_outputs(page)):
        block = f"<!-- example: {example.command} -->\n```\n{output.rstrip()}\n```"
        text = text[:example.start] + block + text[example.end:]
    path.write_text(text, encoding="utf-8")
    return len(examples(page))


def stale(page: str) -> list[str]:
    """The commands of `page` whose documented output differs from what they print now."""
    return [example.command for example, output in page_outputs(page)
            if normalised(output) != normalised(example.output)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare, do not rewrite")
    args = parser.parse_args()
    if args.check:
        changed = [f"{page}: {command}" for page in PAGES for command in stale(page)]
        for line in changed:
            print(f"stale: {line}")
        sys.exit(1 if changed else 0)
    for page in PAGES:
        print(f"{page}: {rewrite(page)} examples rerun")


if __name__ == "__main__":
    main()
