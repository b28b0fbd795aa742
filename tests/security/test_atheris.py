"""The atheris harnesses in bench/ run, briefly, and find nothing (`make fuzz` runs them for longer)."""
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("harness", ["fuzz_importer.py", "fuzz_images.py"])
def test_harness_runs_without_a_crash(harness, tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / harness), "-max_total_time=3", "-runs=3000",
         f"-artifact_prefix={tmp_path}/"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done" in result.stderr and not list(tmp_path.glob("crash-*"))
