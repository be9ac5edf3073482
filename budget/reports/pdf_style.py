"""The PDF report's look: colours, type scale, fonts, paragraph styles (ReportLab).

Shared by :mod:`budget.reports.pdf` (the document) and :mod:`budget.reports.pdf_brief`
(its first page).
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph

# --------------------------------------------------------------------------- look

NAVY = colors.HexColor("#1F3864")
RULE = colors.HexColor("#8EA9DB")
ZEBRA = colors.HexColor("#F2F5FB")
TOTAL_BG = colors.HexColor("#D9E1F2")
OTHERS_BG = colors.HexColor("#EDEDED")
GREY = colors.HexColor("#595959")
RED = colors.HexColor("#C00000")
#: FX figures are coloured by meaning, not sign: red a loss against the EUR booked (more EUR to
#: pay), green a gain (fewer EUR); the legend says so under every FX table.
FX_LOSS, FX_GAIN = RED, colors.HexColor("#1E7B34")

# One type scale (points): title, section, sub-section, body, table, small print.
SIZE_TITLE, SIZE_H1, SIZE_H2, SIZE_BODY, SIZE_TABLE, SIZE_SMALL = 18, 12.5, 10, 9, 7, 6.5

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 15 * mm, 18 * mm, 15 * mm

#: Where the DejaVu TrueType fonts are looked for: the system's (Debian fonts-dejavu-core),
#: then the copy matplotlib ships (so a pip install is enough).
FONT_FOLDERS: tuple[Path, ...] = (Path("/usr/share/fonts/truetype/dejavu"),
                                  Path(matplotlib.get_data_path()) / "fonts" / "ttf")


def register_fonts() -> None:
    """Register the DejaVu TrueType fonts with ReportLab: every text of the PDF uses them,
    and ReportLab embeds the subset of each it uses (no base-14 font is referenced)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = next((f for f in FONT_FOLDERS if (f / "DejaVuSans.ttf").is_file()), FONT_FOLDERS[-1])
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


def styles() -> dict[str, ParagraphStyle]:
    """The paragraph styles of the report (one type scale)."""
    body = ParagraphStyle("body", fontName=FONT, fontSize=SIZE_BODY, leading=SIZE_BODY * 1.35)
    return {
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=SIZE_TITLE,
                                leading=SIZE_TITLE * 1.2, textColor=NAVY, spaceAfter=2 * mm),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=SIZE_H1, leading=SIZE_H1 * 1.3,
                                   textColor=GREY, spaceAfter=5 * mm),
        "ministry": ParagraphStyle("ministry", parent=body, fontSize=SIZE_SMALL + 1, textColor=GREY,
                                   spaceAfter=8 * mm),
        "h1": ParagraphStyle("h1", parent=body, fontName=FONT_BOLD, fontSize=SIZE_H1,
                             leading=SIZE_H1 * 1.3, textColor=NAVY, spaceBefore=6 * mm,
                             spaceAfter=2.5 * mm),
        "h2": ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=SIZE_H2,
                             leading=SIZE_H2 * 1.3, textColor=NAVY, spaceBefore=3 * mm,
                             spaceAfter=1.5 * mm),
        "body": body,
        "ministry_tight": ParagraphStyle("ministry_tight", parent=body, fontSize=SIZE_SMALL + 1,
                                         textColor=GREY, spaceAfter=1.5 * mm),
        "h2_tight": ParagraphStyle("h2_tight", parent=body, fontName=FONT_BOLD, fontSize=SIZE_H2,
                                   leading=SIZE_H2 * 1.3, textColor=NAVY, spaceAfter=1.5 * mm),
        "message": ParagraphStyle("message", parent=body, fontSize=SIZE_BODY, leading=SIZE_BODY * 1.35,
                                  leftIndent=3 * mm, firstLineIndent=-3 * mm, spaceAfter=1.6 * mm),
        "valuation": ParagraphStyle("valuation", parent=body, fontSize=SIZE_TABLE + 0.5,
                                    leading=(SIZE_TABLE + 0.5) * 1.3, textColor=GREY, spaceAfter=1.2 * mm),
        "cell_body": ParagraphStyle("cell_body", parent=body, fontSize=SIZE_BODY - 0.5,
                                    leading=(SIZE_BODY - 0.5) * 1.2),
        "note": ParagraphStyle("note", parent=body, fontSize=SIZE_SMALL, leading=SIZE_SMALL * 1.4,
                               textColor=GREY, spaceBefore=1.2 * mm),
        "cell": ParagraphStyle("cell", parent=body, fontSize=SIZE_TABLE, leading=SIZE_TABLE * 1.25),
        "others": ParagraphStyle("others", parent=body, fontSize=SIZE_TABLE,
                                 leading=SIZE_TABLE * 1.25, textColor=GREY),
        "cell_right": ParagraphStyle("cell_right", parent=body, fontSize=SIZE_TABLE,
                                     leading=SIZE_TABLE * 1.25, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=body, fontName=FONT_BOLD, fontSize=SIZE_TABLE,
                               leading=SIZE_TABLE * 1.2, textColor=colors.white, alignment=TA_LEFT),
        "head_right": ParagraphStyle("head_right", parent=body, fontName=FONT_BOLD,
                                     fontSize=SIZE_TABLE, leading=SIZE_TABLE * 1.2,
                                     textColor=colors.white, alignment=TA_RIGHT),
    }


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A Paragraph of data text: escaped, so ``<a href>`` or ``<b>`` in data stays literal."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)
