"""Fuzzing the two parsers that read untrusted files: the catalog CSV importer and the image pipeline.

Bounded (a few hundred examples, derandomized so CI is repeatable) to run in well under 30 s. Each input may only
end in the documented errors (ImportFileError, ImageError), within a time bound, without growing memory much.
"""
import io
import resource
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop import images
from shop.catalog.importer import COLUMNS, ImportFileError, import_csv
from shop.extensions import db
from tests.security.images import picture

SECONDS_PER_EXAMPLE = 3
FUZZ = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HEADERS = ["Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Option1 Name", "Option1 Value",
           "Variant SKU", "Variant Price", "Variant Inventory Qty", "Variant Compare At Price", "Image Src",
           "Image Position", "Image Alt Text", "Variant Image", "Status", "Published"]
# Cells that have broken spreadsheet importers before: numbers at the edges, formulas, markup, odd whitespace.
NASTY = ["", " ", "0", "-0", "1e999", "NaN", "inf", "-1", "1,000.5", "١٢٣", "9" * 40, "0x10", "=HYPERLINK(\"x\")",
         "TRUE", "draft", "<p onclick=x>hi</p>", "https://", "http://a b", "\u202e", "\x00", "\r\n", '"', "a" * 3000]


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports kilobytes


@pytest.fixture
def supplier_id(make_supplier):
    return make_supplier().id


def _import(supplier_id: int, data: bytes) -> None:
    started = time.perf_counter()
    try:
        report = import_csv(supplier_id, io.BytesIO(data))
    except ImportFileError:
        pass
    else:
        assert set(report) >= {"products_created", "variants_created", "errors"}
    finally:
        db.session.rollback()
    assert time.perf_counter() - started < SECONDS_PER_EXAMPLE


@FUZZ
@given(data=st.binary(max_size=4000))
def test_random_bytes_as_a_catalog(supplier_id, data):
    _import(supplier_id, data)


cells = st.one_of(st.sampled_from(NASTY), st.text(max_size=60))
header = st.lists(st.sampled_from(HEADERS + ["", "handle", "VARIANT  SKU", "Extra"]), min_size=1, max_size=20)


@FUZZ
@given(columns=header, rows=st.lists(st.lists(cells, max_size=22), max_size=12), bom=st.booleans(),
       delimiter=st.sampled_from([",", ",", ";", "\t"]))
def test_spreadsheet_shaped_catalogs(supplier_id, columns, rows, bom, delimiter):
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(columns)
    writer.writerows(rows)
    data = out.getvalue().encode("utf-8", "surrogatepass")
    _import(supplier_id, (b"\xef\xbb\xbf" if bom else b"") + data)


def test_every_known_column_is_in_the_fuzzed_header():
    assert {" ".join(h.lower().split()) for h in HEADERS} <= set(COLUMNS)


SEEDS = [picture(fmt, size=(24, 16)) for fmt in ("PNG", "JPEG", "GIF", "WEBP")]


def _decode(data: bytes) -> None:
    started = time.perf_counter()
    try:
        image = images.open_checked(data)
    except images.ImageError:
        return
    images.save_image(image)
    assert time.perf_counter() - started < SECONDS_PER_EXAMPLE


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_as_a_picture(app, data):
    _decode(data)


@FUZZ
@given(seed=st.sampled_from(SEEDS), flips=st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)),
                                                    min_size=1, max_size=12),
       cut=st.integers(0, 10_000))
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_damaged_pictures(app, seed, flips, cut):
    data = bytearray(seed)
    for position, value in flips:
        data[position % len(data)] = value
    _decode(bytes(data[: max(cut, 8)]) if cut < len(data) else bytes(data))


def test_the_fuzzing_stays_within_memory(app, supplier_id):
    """A last, heavier round of both parsers must not grow the process by more than a few tens of megabytes."""
    before = peak_memory_mb()
    for n in range(40):
        _decode(bytes(SEEDS[n % 4][: 20 + n * 7]) + bytes(range(256)))
        _import(supplier_id, ("Handle,Title,Variant SKU,Variant Price\r\n" + f"h{n},t,s{n},1\r\n" * 200).encode())
    assert peak_memory_mb() - before < 64
