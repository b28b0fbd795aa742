import json

import pytest
from sqlalchemy import func, select

from shop.catalog.models import ImportJob, ImportStatus, Product, Variant
from shop.catalog.tasks import run_import
from shop.extensions import db


@pytest.fixture
def queued_job(supplier_file):
    def build(supplier, data: bytes) -> ImportJob:
        job = ImportJob(supplier_id=supplier.id, filename="catalog.csv", path=str(supplier_file(data)))
        db.session.add(job)
        db.session.commit()
        return job

    return build


@pytest.fixture
def supplier_file(tmp_path):
    def write(data: bytes):
        path = tmp_path / f"upload-{len(list(tmp_path.iterdir()))}.csv"
        path.write_bytes(data)
        return path

    return write


def variant_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Variant))


def test_job_imports_records_progress_and_report(make_supplier, queued_job, shopify_csv):
    supplier = make_supplier()
    lines = [f"p{n},P{n},,,,,,,SKU{n},1,2,,,,," for n in range(5)] + ["bad,Bad,,,,,,,BAD,1,0,,,,,"]
    job = queued_job(supplier, shopify_csv(*lines))
    run_import(job.id)
    db.session.expire_all()
    assert job.status is ImportStatus.done and job.finished_at is not None
    assert (job.total_rows, job.processed_rows, job.percent) == (6, 6, 100)
    assert job.report["products_created"] == 5
    assert job.report["errors"] == [{"row": 7, "message": "Price must be a positive number, like 12.50."}]


def test_job_is_safe_to_run_twice(make_supplier, queued_job, shopify_csv):
    supplier = make_supplier()
    job = queued_job(supplier, shopify_csv("a,A,,,,,,,A1,1,2,,,,,"))
    run_import(job.id)
    report = db.session.get(ImportJob, job.id).report_json
    db.session.execute(Variant.__table__.delete())
    db.session.commit()
    run_import(job.id)  # already done: nothing happens
    db.session.expire_all()
    assert variant_count() == 0 and job.report_json == report
    run_import(987654)  # no such job


@pytest.mark.parametrize("data, message", [(b"title,price\nx,1\n", "no Handle column"), (None, "could not be read")])
def test_job_fails_cleanly_on_unusable_files(make_supplier, queued_job, data, message, tmp_path):
    supplier = make_supplier()
    job = queued_job(supplier, data or b"")
    if data is None:
        tmp_path.joinpath("upload-0.csv").unlink()
    run_import(job.id)
    db.session.expire_all()
    assert job.status is ImportStatus.failed and message in job.report["error"]


def test_cli_imports_and_prints_a_report(app, make_supplier, supplier_file, shopify_csv):
    supplier = make_supplier(email="Maker@Example.com")
    path = supplier_file(shopify_csv("tee,Tee,,,,,,,TEE,3,5,,,,,", "tee,,,,,,,,TEE-2,3,x,,,,,"))
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path), "--supplier", "maker@example.com"])
    assert result.exit_code == 0, result.output
    assert "Products created: 1" in result.output and "Variants created: 1" in result.output
    assert "row 3: Price must be a positive number" in result.output
    assert db.session.scalar(select(Product.title)) == "Tee"

    again = app.test_cli_runner().invoke(
        args=["catalog", "import", str(path), "--supplier", supplier.email, "--json"])
    assert again.exit_code == 0
    report = json.loads(again.output)
    assert report["products_updated"] == 1 and report["variants_updated"] == 1
    assert report["errors"][0]["row"] == 3


@pytest.mark.parametrize("case, message", [
    ("missing", "does not exist"),
    ("not_csv", "no Handle column"),
    ("no_supplier", "No supplier has the email"),
])
def test_cli_refuses_what_it_cannot_import(app, make_supplier, supplier_file, shopify_csv, case, message, tmp_path):
    supplier = make_supplier()
    path = {"missing": tmp_path / "nope.csv", "not_csv": supplier_file(b"\x89PNG\r\n\x1a\n"),
            "no_supplier": supplier_file(shopify_csv("a,A,,,,,,,A1,1,2,,,,,"))}[case]
    email = "nobody@example.com" if case == "no_supplier" else supplier.email
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path), "--supplier", email])
    assert result.exit_code != 0 and message in result.output
    assert variant_count() == 0
