"""A monthly statement as a PDF (fpdf2): a title, one row per order, the totals."""
import logging
import os

from flask_babel import gettext as _
from fpdf import FPDF

from shop import money

from .statements import Row, state_label, totals

# A Unicode font when the system has one (Debian's fonts-dejavu); the built-in Helvetica knows only Latin-1.
# Chinese needs Noto CJK (fonts-noto-cjk; Simplified Chinese is face 2 of the collection), slow to load, so
# it is used only when the statement has such text.
UNICODE_FONTS = (("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0),)
CJK_FONTS = (("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),)
COLUMNS = (("order", 16), ("date", 22), ("retail", 22), ("wholesale", 22), ("fee", 20), ("processor_fee", 20),
           ("margin", 20), ("override", 18), ("yours", 22), ("state", 28))


def _document(wide_script: bool) -> tuple[FPDF, bool]:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    fonts = (CJK_FONTS if wide_script else ()) + UNICODE_FONTS
    font = next(((path, face) for path, face in fonts if os.path.exists(path)), None)
    if font:
        pdf.add_font("Body", fname=font[0], collection_font_number=font[1])
        pdf.set_font("Body", size=9)
    else:
        pdf.set_font("Helvetica", size=9)
    return pdf, font is not None


def statement_pdf(title: str, rows: list[Row], currency: str) -> bytes:
    logging.getLogger("fontTools").setLevel(logging.WARNING)  # it logs every glyph it subsets at INFO
    headers = {"order": _("Order"), "date": _("Date"), "retail": _("Retail"), "wholesale": _("Wholesale"),
               "fee": _("Platform fee"), "processor_fee": _("Processor fee"), "margin": _("Margin"),
               "override": _("Override"), "yours": _("Yours"), "state": _("State")}
    pdf, unicode_ok = _document(any(ord(c) > 0x2FF for c in title + "".join(headers.values())))

    def text(value) -> str:
        value = str(value)
        return value if unicode_ok else value.encode("latin-1", "replace").decode("latin-1")

    def amount(value: int) -> str:
        return text(money.display(value, currency))

    pdf.set_font_size(14)
    pdf.cell(0, 10, text(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(9)
    for name, width in COLUMNS:
        pdf.cell(width, 7, text(headers[name]), border="B")
    pdf.ln()
    for row in rows:
        values = {"order": f"#{row.order.id}", "date": row.order.paid_at.strftime("%Y-%m-%d"),
                  "state": text(state_label(row.state))}
        for name, width in COLUMNS:
            value = values.get(name)
            pdf.cell(width, 6, value if value is not None else amount(getattr(row, name)))
        pdf.ln()
    sums = totals(rows)
    pdf.ln(2)
    for name, width in COLUMNS:
        label = text(_("Total")) if name == "order" else ""
        pdf.cell(width, 7, amount(sums[name]) if name in sums else label, border="T")
    pdf.ln()
    return bytes(pdf.output())
