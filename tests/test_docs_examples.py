"""The command examples in the README and docs/ print what they say (scripts/docs_examples.py
reruns them; this fails when one no longer matches)."""
import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
import docs_examples  # noqa: E402


def test_markers_are_found_and_timings_are_placeholders():
    assert sum(len(docs_examples.examples(page)) for page in docs_examples.PAGES) >= 8
    assert docs_examples.normalised("in 19.0 s (0.8 keys/s)\n(2 s) ") == "in <N> s (<N> keys/s)\n(<N> s)"


@pytest.mark.slow
@pytest.mark.parametrize("page", docs_examples.PAGES)
def test_documented_examples_print_what_the_docs_say(page):
    stale = docs_examples.stale(page)
    versions = docs_examples.unpinned()
    hint = (f" (installed: {', '.join(versions)}; install with pip install -c constraints.txt -e '.[test]')"
            if versions else "")
    assert not stale, (f"{page}: these examples print something else now; run python scripts/docs_examples.py: "
                       f"{stale}{hint}")


def test_constraints_pin_the_numerical_stack():
    pins = (ROOT / "constraints.txt").read_text()
    for name in ("numpy", "scipy", "pandas", "statsmodels"):
        assert f"\n{name}==" in pins
