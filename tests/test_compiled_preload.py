"""A server's master loads the compiled search loops before it forks its workers when the
index is large enough to use them (``index.preload_compiled``), so the workers share them;
a small index (the demo's) never imports numba."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT

_PROBE = """
import json, sys
import index
from index.read import compiled
done = index.preload_compiled(sys.argv[1])
print(json.dumps([done, "numba" in sys.modules, compiled._loaded is not None]))
"""


def _preload(index_dir: str) -> list[bool]:
    out = subprocess.run([sys.executable, "-c", _PROBE, index_dir], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=300)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_large_index_loads_the_loops_before_the_fork(fakenews_sample_index):
    assert _preload(fakenews_sample_index) == [True, True, True]


def test_the_demo_and_a_missing_index_never_load_numba(demo_index, tmp_path):
    assert _preload(demo_index) == [False, False, False]
    assert _preload(str(tmp_path / "nothing here")) == [False, False, False]
