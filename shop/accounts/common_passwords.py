"""The shipped list of the 10,000 most common passwords (see data/README.md for its source and licence)."""
import functools
import gzip
from pathlib import Path

LIST = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@functools.cache
def _common() -> frozenset[str]:
    # Read once per process on first use, not at import: most requests never set a password.
    with gzip.open(LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def is_common(password: str) -> bool:
    """True when the password, ignoring case and surrounding spaces, is on the list."""
    return password.strip().lower() in _common()
