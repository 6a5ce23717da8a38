"""The report itself (上半年工作总结): the seed's section 一 and the figures of 二(一), 二(四),
二(五), 三(一) and 三(二) as sentences with their blanks filled.

A sentence is a list of parts: plain text, or a :class:`Blank` — a number as printed and the
figure whose items it links to. The staff page, the spreadsheet and the PDF print the same
parts, from the same figures as the API.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from .summary import Period


@dataclass(frozen=True)
class Blank:
    text: str
    figure: str  # the dotted key whose items this number stands for


Part = Union[str, Blank]


@dataclass(frozen=True)
class Section:
    heading: str
    sentences: list[list[Part]]


def plain(parts: list[Part]) -> str:
    return "".join(p if isinstance(p, str) else p.text for p in parts)


def yi(wan: float) -> str:
    """万元 as 亿元 with two decimals (the seed reports large sums in 亿元)."""
    return f"{wan / 10000:,.2f}"


def wan(x: float) -> str:
    return f"{x:,.2f}"


def pct(ratio: float) -> str:
    return f"{ratio * 100:.1f}"


def span(period: Period) -> str:
    """1-6月, or 1月1日至6月25日 for a cut-off day."""
    if period.day:
        return f"1月1日至{period.through}月{period.day}日"
    return f"1-{period.through}月" if period.through > 1 else "1月"


def report_sections(f: dict[str, Any], period: Period, threshold: float) -> list[Section]:
    """The sentences of the report for the figures ``f`` of GET /reports/summary."""
    def n(key: str, text: Any) -> Blank:
        return Blank(str(text), key)

    when = span(period)
    inv, fund, proj = f["investment"], f["funding"], f["projects"]
    lines, disp, stats = f["lines"], f["dispatch"], f["stats_entry"]
    due = period.through / 12
    verdict = "已超" if inv["ratio"] >= due else "未达"

    one = [
        [f"{when}，全区重大项目完成投资", n("investment.completed", yi(inv["completed"])),
         "亿元，占年度计划的", n("investment.ratio", pct(inv["ratio"])),
         f"%，{verdict}序时进度（{pct(due)}%）。"],
        [f"{period.year}年，争取中央预算内投资项目", n("funding.projects", fund["projects"]),
         "个，总投资", n("funding.total_investment", wan(fund["total_investment"])),
         "万元，其中：中央预算内投资", n("funding.central_budget", wan(fund["central_budget"])),
         "万元，业主自筹及其他", n("funding.self_and_other", wan(fund["self_and_other"])), "万元。"],
    ]

    party = [["定期或不定期开展纪律作风督查",
              n("inspections.by_kind.discipline", f["inspections"]["by_kind"]["discipline"]),
              "次，发出督查通报", n("inspections.bulletins", f["inspections"]["bulletins"]), "期。"]]

    if proj["major"] and proj["with_leader"] == proj["major"]:
        cover: list[Part] = ["确保全区", n("projects.major", proj["major"]),
                             "个重大项目实现县级领导挂联“全覆盖”。"]
    else:
        cover = ["全区", n("projects.major", proj["major"]), "个重大项目中，",
                 n("projects.with_leader", proj["with_leader"]), "个已落实县级领导挂联，覆盖率",
                 n("projects.leader_coverage", pct(proj["leader_coverage"])), "%。"]
    pm, dm, cont, kp = (lines[k] for k in
                        ("provincial_municipal", "district_major", "continuing", "key_push"))
    projects_part = [
        cover,
        [f"{when}，共调度问题项目", n("dispatch.problem_projects", disp["problem_projects"]),
         "个，已解决落实问题", n("dispatch.problems_resolved", disp["problems_resolved"]), "个。"],
        ["今年列入全区重抓重推项目", n("lines.key_push.count", kp["count"]), "个，总投资",
         n("lines.key_push.total_investment", yi(kp["total_investment"])), "亿元。"],
        [f"{when}，省市重点项目", n("lines.provincial_municipal.count", pm["count"]),
         "个完成投资", n("lines.provincial_municipal.completed", yi(pm["completed"])),
         "亿元，占计划的", n("lines.provincial_municipal.ratio", pct(pm["ratio"])), "%。",
         "区级重大项目", n("lines.district_major.count", dm["count"]), "个完成投资",
         n("lines.district_major.completed", yi(dm["completed"])), "亿元，占计划的",
         n("lines.district_major.ratio", pct(dm["ratio"])), "%。其中，续建项目",
         n("lines.continuing.count", cont["count"]), "个完成投资",
         n("lines.continuing.completed", yi(cont["completed"])), "亿元，占计划的",
         n("lines.continuing.ratio", pct(cont["ratio"])), "%。"],
        ["全区基础设施等重点领域补短板项目储备", n("reserve.count", f["reserve"]["count"]),
         "个，计划总投资", n("reserve.total_investment", yi(f["reserve"]["total_investment"])),
         "亿元。"],
    ]

    yoy = stats["yoy"]
    if yoy is None:
        growth: list[Part] = ["个（上年同期", n("stats_entry.last_year", stats["last_year"]),
                              "个，不计同比）。"]
    else:
        growth = ["个，同比", "增长" if yoy >= 0 else "下降", n("stats_entry.yoy", pct(abs(yoy))),
                  "%（上年同期", n("stats_entry.last_year", stats["last_year"]), "个）。"]
    entries = [[f"{when}新入库项目", n("stats_entry.new_entries", stats["new_entries"]), *growth]]

    ns = f["new_starts"]
    starts = [[f"{period.year}年计划新开工的", n("new_starts.planned", ns["planned"]), "个项目，有",
               n("new_starts.started", ns["started"]), "个项目实现开工，开工率",
               n("new_starts.rate", pct(ns["rate"])), "%。"]]

    share = stats["over_threshold"] / stats["new_entries"] if stats["new_entries"] else 0.0
    fc, dh = f["forecast"], f["double_half"]
    half = "双过半" if fc["month"] == 6 else "全年"
    hard = [
        [f"{when}新入库{threshold:g}万元以上的项目", n("stats_entry.over_threshold",
                                                  stats["over_threshold"]),
         "个，占入库项目总数的", n("stats_entry.over_threshold", pct(share)), "%。"],
        ["目前仍有", n("stats_entry.units_without_entry", stats["units_without_entry"]),
         "个单位未入库投资项目，根据各单位在库投资项目剩余投资余额和建设周期测算，有",
         n("forecast.units_behind", fc["units_behind"]), f"个单位不能完成{half}任务，占",
         n("double_half.units_with_task", dh["units_with_task"]), "个有任务单位总数的",
         n("forecast.behind_ratio", pct(fc["behind_ratio"])), "%（按实际完成，未达序时进度的",
         n("double_half.units_behind", dh["units_behind"]), "个）。"],
    ]

    return [
        Section(f"一、{when}主要指标完成情况", one),
        Section("二、各项工作推进情况（一）全力落实党建工作重点", party),
        Section("二、各项工作推进情况（四）助推项目提速攻坚", projects_part),
        Section("二、各项工作推进情况（五）投资入库稳步增长", entries),
        Section("三、存在的问题（一）部分项目推进缓慢", starts),
        Section("三、存在的问题（二）投资双过半任务难度大", hard),
    ]


def report_title(period: Period) -> str:
    return f"{period.year}年{span(period)}重大项目建设和投资工作情况"


def report_for(conn, period: Period) -> tuple[str, list[Section]]:
    """The title and sentences of the report for a period, from the live or as-of tables."""
    from .summary import Report, figures

    report = Report(conn, period)
    return report_title(period), report_sections(figures(report), period, report.threshold)
