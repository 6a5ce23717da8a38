"""The 督查通报 as the bureau prints it: its number, title and date, each inspection it reports
with what that inspection found (the problems recorded against it, as they stand), the issuing
office, and at the foot of every page the latest signed checkpoint (the line the LED board and
the Excel exports print), so that a paper copy in other hands pins down the log of that day.

Read from the projections (or their snapshot as of an instant); rendered by WeasyPrint with the
Noto CJK fonts, as the task notices are.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from sqlalchemy import select

from ..audit.checkpoints import checkpoint_line, latest
from ..domain.actors import UNIT_REPORTER, Actor
from ..domain.errors import Forbidden, NotFound
from ..domain.vocab import INSPECTION_KINDS, PROBLEM_CATEGORIES, PROBLEM_STATUSES
from ..projections.oversight import bulletins, inspections
from ..projections.problems import problems
from ..projections.units import units
from .notices import DEFAULT_OFFICE, cn_date, render_pdf

CHINESE_NUMERALS = "一二三四五六七八九十"


@dataclass
class Finding:
    id: str
    category: str
    description: str
    unit: str  # responsible unit (or the unit it was raised against), with its name
    status: str


@dataclass
class InspectionEntry:
    id: str
    kind: str
    on_date: str | None
    inspectors: str
    targets: str
    summary: str
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Bulletin:
    number: str
    title: str
    issued_on: str | None
    inspections: list[InspectionEntry]


def bulletin_of(conn, actor, number: str) -> Bulletin:
    """The bulletin numbered ``number`` with its inspections and their findings. A unit reporter
    is refused: the printed bulletin carries every unit's findings (the API's lists give them
    what concerns their unit)."""
    row = conn.execute(select(bulletins).where(bulletins.c.number == number)).first()
    if row is None:
        raise NotFound(f"没有期号为“{number}”的督查通报。")
    if actor.role == UNIT_REPORTER:
        raise Forbidden("督查通报的打印件供督查、调度人员和领导查阅；本单位的督查情况请在督查记录中查看。")
    names = dict(conn.execute(select(units.c.code, units.c.name)).all())
    label = lambda code: names.get(code, code or "—")  # noqa: E731
    ids = [i for i in row.inspections.split(",") if i]
    found = {r.id: r for r in conn.execute(select(inspections).where(inspections.c.id.in_(ids)))}
    by_inspection: dict[str, list[Finding]] = {}
    for p in conn.execute(select(problems).where(problems.c.inspection.in_(ids))
                          .order_by(problems.c.id)):
        by_inspection.setdefault(p.inspection, []).append(Finding(
            p.id, PROBLEM_CATEGORIES.get(p.category, p.category), p.description,
            label(p.responsible_unit or p.unit), PROBLEM_STATUSES.get(p.status, p.status)))
    entries = []
    for i in ids:
        r = found.get(i)
        if r is None:  # the command checks each exists; a snapshot before it cannot list it
            continue
        entries.append(InspectionEntry(
            r.id, INSPECTION_KINDS.get(r.kind, r.kind), r.on_date, r.inspectors,
            "、".join(label(t) for t in r.targets.split(",") if t), r.summary,
            by_inspection.get(r.id, [])))
    return Bulletin(row.number, row.title, row.on_date, entries)


CSS = """
@page { size: A4; margin: 25mm 22mm 28mm 22mm;
        @bottom-right { content: "第 " counter(page) " 页 共 " counter(pages) " 页";
                        font-size: 9pt; font-family: "Noto Sans CJK SC", sans-serif; } }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "Droid Sans Fallback", serif;
       font-size: 12pt; line-height: 1.7; color: #000; }
h1 { text-align: center; font-size: 30pt; letter-spacing: 0.4em; color: #c00; margin: 0 0 3mm 0; }
.number { text-align: center; margin-bottom: 3mm; }
hr.red { border: 0; border-top: 2px solid #c00; margin: 0 0 6mm 0; }
h2 { text-align: center; font-size: 16pt; margin: 0 0 6mm 0; }
h3 { font-size: 13pt; margin: 5mm 0 1mm 0; }
p { text-indent: 2em; margin: 0 0 2mm 0; }
p.meta { text-indent: 0; font-size: 10.5pt; color: #333; }
table { width: 100%; border-collapse: collapse; font-size: 10.5pt; margin: 1mm 0 3mm 0; }
th, td { border: 1px solid #000; padding: 1.5mm 2mm; vertical-align: top; text-align: left; }
th { background: #f3f3f3; white-space: nowrap; }
.sign { margin-top: 14mm; text-align: right; }
.checkpoint { position: fixed; bottom: -14mm; left: 0; right: 25mm; font-size: 8.5pt;
              color: #333; border-top: 1px solid #999; padding-top: 1mm; line-height: 1.3; }
"""


def _findings(entry: InspectionEntry) -> str:
    if not entry.findings:
        return "<p>本次督查未登记问题。</p>"
    rows = "".join(
        f"<tr><td>{n}</td><td>{escape(f.id)}</td><td>{escape(f.category)}</td>"
        f"<td>{escape(f.description)}</td><td>{escape(f.unit)}</td><td>{escape(f.status)}</td></tr>"
        for n, f in enumerate(entry.findings, 1))
    return (f"<p>发现问题 {len(entry.findings)} 个：</p><table><thead><tr><th>序号</th><th>编号</th>"
            f"<th>类别</th><th>问题</th><th>责任单位</th><th>整改情况</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _section(n: int, entry: InspectionEntry) -> str:
    ordinal = CHINESE_NUMERALS[n - 1] if n <= len(CHINESE_NUMERALS) else str(n)
    when = cn_date(entry.on_date) if entry.on_date else "—"
    return (f"<h3>{ordinal}、{escape(entry.kind)}（{escape(entry.id)}）</h3>"
            f"<p class=\"meta\">督查日期：{when}　督查人员：{escape(entry.inspectors) or '—'}"
            f"　被督查单位：{escape(entry.targets) or '—'}</p>"
            f"<p>{escape(entry.summary)}</p>{_findings(entry)}")


def bulletin_html(b: Bulletin, office: str, checkpoint_line: str) -> str:
    issued = cn_date(b.issued_on) if b.issued_on else ""
    if b.inspections:
        body = ("<p>现将有关督查情况通报如下：</p>"
                + "".join(_section(n, e) for n, e in enumerate(b.inspections, 1))
                + "<p>请各有关单位对照通报问题，逐项抓紧整改，按期报送整改情况；"
                  "对整改不力、问题反复出现的，将依规依纪严肃问责。</p>")
    else:
        body = "<p>本期通报未列督查记录。</p>"
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>督查通报 {escape(b.number)}</title><style>{CSS}</style></head><body>
<div class="checkpoint">{escape(checkpoint_line)}</div>
<h1>督查通报</h1>
<div class="number">{escape(b.number if "期" in b.number else f"第 {b.number} 期")}</div>
<hr class="red">
<h2>{escape(b.title)}</h2>
{body}
<div class="sign">{escape(office)}<br>{issued}</div>
</body></html>"""


def print_bulletin(svc, conn, position: int | None, actor: Actor, number: str,
                   office: str | None = None) -> bytes:
    """The PDF of a bulletin read from ``conn`` (the live tables, or their snapshot as of the
    event at ``position``), with the latest checkpoint signed by then."""
    b = bulletin_of(conn, actor, number)
    # from the events, not conn: an as-of snapshot holds only the projections (as the exports)
    with svc.engine.connect() as events_conn:
        line = checkpoint_line(latest(events_conn, until_position=position))
    return render_pdf(bulletin_html(b, office or DEFAULT_OFFICE, line))
