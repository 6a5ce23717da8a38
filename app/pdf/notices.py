"""The 督办通知单 (issued when a task is assigned) and the 催办单 (issued when it is urged), laid out
as the bureau's paper forms and rendered to PDF by WeasyPrint with the Noto CJK fonts.

Each notice shows what its event recorded — the 文号, the units, the deadline as they were when it
was issued — so a reprint years later is the notice that was sent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape

from ..domain.vocab import FEEDBACK_CYCLES, TASK_SOURCES

DEFAULT_OFFICE = "区发展和改革局"
CSS = """
@page { size: A4; margin: 25mm 22mm 22mm 22mm; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "Droid Sans Fallback", serif;
       font-size: 12pt; line-height: 1.6; color: #000; }
h1 { text-align: center; font-size: 22pt; letter-spacing: 0.3em; color: #c00; margin: 0 0 4mm 0; }
.number { text-align: center; margin-bottom: 6mm; }
hr.red { border: 0; border-top: 2px solid #c00; margin: 0 0 6mm 0; }
table { width: 100%; border-collapse: collapse; }
th, td { border: 1px solid #000; padding: 2.5mm 3mm; vertical-align: top; text-align: left; }
th { width: 26mm; white-space: nowrap; font-weight: bold; background: #f3f3f3; }
.requirements { margin-top: 6mm; }
.sign { margin-top: 14mm; text-align: right; }
.footer { margin-top: 10mm; font-size: 10pt; color: #333; border-top: 1px solid #999; padding-top: 2mm; }
"""


@dataclass
class Notice:
    kind: str  # "notice" or "urge"
    number: str
    issued_on: str
    task_id: str
    title: str
    source: str
    source_ref: str | None
    description: str | None
    lead_unit: str
    co_units: list[str]
    leader: str | None
    deadline: str
    feedback_cycle: str
    key: bool
    note: str | None = None  # the urge's words
    status: str | None = None


def cn_date(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.year}年{d.month}月{d.day}日"


def _row(label: str, value: str) -> str:
    return f"<tr><th>{escape(label)}</th><td>{value}</td></tr>"


def _text(value: str | None) -> str:
    return escape(value or "—").replace("\n", "<br>")


def notice_html(n: Notice, office: str = DEFAULT_OFFICE, ack_workdays: int = 2) -> str:
    heading = "督办通知单" if n.kind == "notice" else "催办单"
    source = TASK_SOURCES.get(n.source, n.source) + (f"（{escape(n.source_ref)}）" if n.source_ref else "")
    rows = [
        _row("督办事项", f"{escape(n.title)}{'（重点督办）' if n.key else ''}"),
        _row("事项编号", escape(n.task_id)),
        _row("事项来源", source),
        _row("牵头单位", escape(n.lead_unit)),
        _row("配合单位", escape("、".join(n.co_units)) or "—"),
        _row("督办领导", _text(n.leader)),
        _row("办理时限", cn_date(n.deadline)),
    ]
    if n.kind == "notice":
        rows += [_row("具体内容", _text(n.description)),
                 _row("反馈要求", escape(FEEDBACK_CYCLES.get(n.feedback_cycle, "不定期")) + "反馈办理进展")]
        requirements = (f"请牵头单位于收到本通知后 {ack_workdays} 个工作日内签收，会同配合单位抓紧办理，"
                        "按反馈要求报送阶段进展，于办理时限前报送办结报告及相关佐证材料。"
                        "确因客观原因不能按期办结的，应在时限届满前提出延期申请并说明理由；"
                        "非本单位职责的，请于签收时限内退回并说明理由。")
    else:
        rows += [_row("办理状态", _text(n.status)), _row("催办意见", _text(n.note))]
        requirements = "该事项办理进度滞后，请牵头单位高度重视，加快办理，及时反馈进展，按期报送办结报告。"
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>{heading} {escape(n.number)}</title><style>{CSS}</style></head><body>
<h1>{heading}</h1>
<div class="number">{escape(n.number)}</div>
<hr class="red">
<p>{escape(n.lead_unit)}：</p>
<table>{''.join(rows)}</table>
<p class="requirements">{requirements}</p>
<div class="sign">{escape(office)}<br>{cn_date(n.issued_on)}</div>
<div class="footer">本{heading}由督办系统生成，文号 {escape(n.number)}，事项 {escape(n.task_id)}。</div>
</body></html>"""


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only printing needs

    return HTML(string=html).write_pdf()
