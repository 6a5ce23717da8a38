"""The report as a PDF (reportlab; Chinese in the Adobe CID font STSong-Light, which every PDF
reader supplies, so nothing has to be embedded or installed)."""
from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from .text import Blank, Section

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def report_pdf(title: str, sections: list[Section], org: str, instant: datetime) -> bytes:
    font = _font()
    styles = {
        "title": ParagraphStyle("title", fontName=font, fontSize=16, leading=24, alignment=1,
                                spaceAfter=6, wordWrap="CJK"),
        "sub": ParagraphStyle("sub", fontName=font, fontSize=9, leading=14, alignment=1,
                              spaceAfter=10, wordWrap="CJK"),
        "heading": ParagraphStyle("heading", fontName=font, fontSize=12, leading=20,
                                  spaceBefore=8, spaceAfter=4, wordWrap="CJK"),
        "body": ParagraphStyle("body", fontName=font, fontSize=11, leading=20,
                               firstLineIndent=22, wordWrap="CJK"),
    }
    story = [Paragraph(escape(title), styles["title"]),
             Paragraph(escape(f"{org}　数据截至 {instant:%Y年%m月%d日 %H:%M}"), styles["sub"])]
    for section in sections:
        story.append(Paragraph(escape(section.heading), styles["heading"]))
        for sentence in section.sentences:
            # the filled blanks are underlined, as a form's blanks are
            text = "".join(f"<u>{escape(p.text)}</u>" if isinstance(p, Blank) else escape(p)
                           for p in sentence)
            story.append(Paragraph(text, styles["body"]))
    story.append(Spacer(1, 8 * mm))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=title, leftMargin=25 * mm, rightMargin=25 * mm,
                      topMargin=25 * mm, bottomMargin=20 * mm).build(story)
    return out.getvalue()
