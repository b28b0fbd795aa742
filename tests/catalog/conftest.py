"""Fixtures for catalog tests: CSV text in the Shopify layout."""
import pytest

HEADER = ("Handle,Title,Body (HTML),Vendor,Type,Tags,Option1 Name,Option1 Value,Variant SKU,"
          "Variant Inventory Qty,Variant Price,Variant Compare At Price,Image Src,Image Position,"
          "Image Alt Text,Status")


@pytest.fixture
def shopify_csv():
    """Join data lines under the Shopify header into CSV bytes (CRLF, optional BOM)."""

    def build(*lines: str, bom: bool = False, header: str = HEADER) -> bytes:
        text = "\r\n".join((header, *lines)) + "\r\n"
        return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")

    return build
