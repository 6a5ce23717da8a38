"""The reporting side of the demonstration: projects in a second list, the funding ledger, and
the two reports the bureau sent (1-5月 on 5 June, the half year on 25 June).

Central-budget funds (中央预算内投资) were approved in spring for four projects under way, each
with its own share (业主自筹及其他) approved beside it; the three 棚户区 projects the seed names
for next year's central-budget draft (二(二)五) are applied for in June. A July reopening (see
problems.py) then moves the published 1-5月 figure "已解决落实问题19个", and the published
report shows it.
"""
from __future__ import annotations

from datetime import date

from .data import YEAR, District, Op, d

# code prefix of the reserve projects the seed names (圣平岛、彰德桥、大白塔)
NAMED_RESERVE = ("CB2019001", "CB2019002", "CB2019003")
PUBLISHED = [("publish-2019-05", d(6, 5), "2019-05", "1-5月重大项目三级调度情况"),
             ("publish-2019-06-25", d(6, 25), "2019-06-25", "2019年上半年工作总结")]


def _fund(key: str, day: date, code: str, source: str, stage: str, amount: float,
          document: str | None) -> Op:
    return Op(key, day, "record_funding", {
        "code": code, "source": source, "stage": stage, "amount": round(amount, 2),
        "document": document, "date": day.isoformat()}, "dispatcher")


def report_ops(district: District) -> list[Op]:
    ops: list[Op] = []
    major = district.major
    # five key-push projects are on the district's major list too (a project counts in each)
    for p in [p for p in major if p.category == "key_push"][:5]:
        ops.append(Op(f"lists-{p.code}", d(1, 25), "set_project_lists",
                      {"code": p.code, "lists": ["district"], "date": "2019-01-25"}, "dispatcher"))
    funded = [p for p in major if p.course == "continuing" and p.category in ("district",
                                                                              "key_push")][:4]
    for n, p in enumerate(funded, start=1):
        approved = d(3 + n % 3, 10 + n)
        document = f"川发改投资〔{YEAR}〕{100 + 7 * n}号"
        central = round(p.total * (0.08 + 0.02 * n), -1)
        ops.append(_fund(f"fund-{p.code}-applied", d(2, 20), p.code, "central_budget", "applied",
                         central * 1.25, f"区发改〔{YEAR}〕{10 + n}号"))
        ops.append(_fund(f"fund-{p.code}-approved", approved, p.code, "central_budget",
                         "approved", central, document))
        ops.append(_fund(f"fund-{p.code}-own", approved, p.code, "self_and_other", "approved",
                         p.total - central, document))
        ops.append(_fund(f"fund-{p.code}-received", d(5, 20 + n), p.code, "central_budget",
                         "received", central * 0.6, document))
    reserve = {p.code: p for p in district.projects if p.code in NAMED_RESERVE}
    for n, code in enumerate(NAMED_RESERVE, start=1):
        p = reserve[code]
        ops.append(_fund(f"fund-{code}-applied", d(6, 18), code, "central_budget", "applied",
                         round(p.total * 0.3, -1), f"区发改〔{YEAR}〕{40 + n}号"))
    for key, day, through, title in PUBLISHED:
        ops.append(Op(key, day, "publish_summary", {"year": YEAR, "through": through,
                                                    "title": title, "date": day.isoformat()},
                      "dispatcher", rank=10))
    return ops
