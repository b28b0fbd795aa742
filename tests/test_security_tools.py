"""`.ci/audit` (run by `make security`) never reports an unreachable vulnerability database as a pass."""
import os
import stat
import subprocess
from pathlib import Path

import pytest

AUDIT = Path(__file__).resolve().parent.parent / ".ci" / "audit"


def _run(tmp_path, output: str, code: int, **env) -> subprocess.CompletedProcess:
    """Run the audit script with a stand-in pip-audit that prints `output` and exits with `code`."""
    fake = tmp_path / "pip-audit"
    fake.write_text(f"#!/bin/sh\ncat <<'OUT'\n{output}\nOUT\nexit {code}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return subprocess.run([str(AUDIT)], capture_output=True, text=True, timeout=30,
                          env={**os.environ, "BIN": str(tmp_path), **env})


def test_a_clean_audit_passes(tmp_path):
    result = _run(tmp_path, "No known vulnerabilities found", 0)
    assert result.returncode == 0 and "no known vulnerabilities" in result.stdout


def test_vulnerabilities_fail(tmp_path):
    result = _run(tmp_path, "Found 2 known vulnerabilities in 1 package\nflask 3.1.3 GHSA-xxxx", 1)
    assert result.returncode == 1 and "FAILED" in result.stdout


@pytest.mark.parametrize("output", [
    "ERROR:pip_audit._cli:Flask: Dependency not found on PyPI and could not be audited: flask (3.1.3)",
    "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded",
])
def test_an_unreachable_database_is_not_a_pass(tmp_path, output):
    result = _run(tmp_path, output, 1)
    assert result.returncode == 0
    assert "pip-audit could not reach the vulnerability database: NOT checked" in result.stdout
    assert "no known vulnerabilities" not in result.stdout
    assert _run(tmp_path, output, 1, AUDIT_REQUIRED="1").returncode == 2
