"""The bureau's own tasks of the half year (督办事项), from the seed report: the congress's
opinions on the 十三五 mid-term review, the 十四五 project list sent to the city, the half-year
economic report, the relocation self-checks, the grain stock check's ledger, the gas survey — and
a few more so that, as of the end of June 2019, every light and every appraisal figure has
something to show: tasks completed on time and late, one returned and reassigned, one
people's-congress suggestion rated satisfied and one rated unsatisfied (back in progress), one
not acknowledged, one urged by its leader.

The demonstration is read today, years after its half year: the tasks still open on purpose (the
economic report near its deadline, the gas survey on track, the task not yet acknowledged) have
deadlines counted from the day the demonstration is loaded, so that the ledger shows a yellow and
a green light on that day as it did in June 2019. Every business date stays in 2019.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ..workdays import WorkCalendar
from .data import Op, Ref, d
from .names import DEMO_LEADER

DISPATCHER, INSPECTOR = "dispatcher", "inspector"


def unit(code: str) -> str:
    return f"unit:{code}"


class _Tasks:
    def __init__(self) -> None:
        self.ops: list[Op] = []

    def add(self, name: str, day, command: str, actor: str, /, **payload: Any) -> None:
        target = {} if command == "register_task" else {"id": Ref(f"task:{name}")}
        self.ops.append(Op(f"task:{name}" + ("" if command == "register_task" else
                                            f":{command}:{len(self.ops)}"),
                           day, command, {**target, **payload, "date": day.isoformat()}, actor,
                           rank=7 if command == "register_task" else 8))

    def register(self, name: str, day, actor: str = DISPATCHER, /, **body: Any) -> None:
        self.add(name, day, "register_task", actor, **body)


def task_ops(today: date) -> list[Op]:
    t = _Tasks()
    near = WorkCalendar().add(today, 1).isoformat()  # within TASK_WARN_WORKDAYS: yellow
    later = (today + timedelta(days=90)).isoformat()  # well ahead: green
    # 二(二)二: the district people's congress's opinions on the mid-term review, answered in
    # writing; rated satisfied by the deputies
    t.register("npc", d(3, 4), title="办理区人大常委会关于“十三五”规划纲要实施中期评估报告的审议意见",
               source="npc_suggestion", source_ref="区人大常委会审议意见〔2019〕3号", lead_unit="BM01",
               co_units=["BM07", "BM13"], deadline="2019-05-31", leader=DEMO_LEADER,
               feedback_cycle="monthly", key=True,
               description="逐条研究审议意见，落实整改措施，按期向区人大常委会书面报告办理情况。")
    t.add("npc", d(3, 5), "acknowledge_task", unit("BM01"), note="已签收，由规划科牵头办理")
    t.add("npc", d(3, 6), "acknowledge_task", unit("BM07"))
    t.add("npc", d(4, 3), "give_task_feedback", unit("BM01"), progress="已形成整改清单 12 条，逐条落实责任科室")
    t.add("npc", d(5, 6), "give_task_feedback", unit("BM01"), progress="整改完成 10 条，书面报告已起草")
    t.add("npc", d(5, 28), "report_task_completion", unit("BM01"),
          report="已向区人大常委会书面报告审议意见办理情况，12 条意见全部落实。")
    t.add("npc", d(5, 30), "accept_task_completion", DISPATCHER, note="办理情况属实，同意销号。")
    t.add("npc", d(6, 14), "evaluate_task", DISPATCHER, rating="satisfied", note="代表对答复满意")
    # 二(二)三: the 十四五 project list to the city
    t.register("list", d(4, 1), title="报送“十四五”重大项目清单", source="superior",
               source_ref="市发改委通知", lead_unit="BM01", co_units=["BM02", "BM03", "BM04"],
               deadline="2019-04-30", feedback_cycle="weekly",
               description="梳理全区“十四五”拟实施重大项目，按市发改委要求的格式报送。")
    t.add("list", d(4, 2), "acknowledge_task", unit("BM01"))
    t.add("list", d(4, 2), "acknowledge_task", unit("BM02"))
    t.add("list", d(4, 8), "give_task_feedback", unit("BM01"), progress="已收集部门申报项目 186 个")
    t.add("list", d(4, 15), "give_task_feedback", unit("BM01"), progress="完成初审，形成清单初稿")
    t.add("list", d(4, 26), "report_task_completion", unit("BM01"), report="清单已报送市发改委。")
    t.add("list", d(4, 28), "accept_task_completion", DISPATCHER, note="同意销号。")
    # 二(三)三: the half-year economic report, due just after June (yellow at the end of June)
    t.register("report", d(6, 10), title="起草上半年全区经济运行情况分析报告", source="leader_instruction",
               source_ref="区长批示", lead_unit="BM01", co_units=["BM07", "BM13"],
               deadline=near, leader=DEMO_LEADER, key=True)
    t.add("report", d(6, 11), "acknowledge_task", unit("BM01"))
    t.add("report", d(6, 26), "urge_task", f"leader:{DEMO_LEADER}", note="请抓紧报送初稿。")
    # 二(六)三: the relocation self-checks found by an inspection, completed late
    t.register("relocation", d(3, 18), INSPECTOR, title="易地扶贫搬迁六项自查发现问题整改",
               source="inspection", source_ref="易地扶贫搬迁自查", lead_unit="XZ07", co_units=["BM12"],
               deadline="2019-05-31", feedback_cycle="monthly",
               description="对六项自查发现的问题逐项整改，建立整改台账。")
    t.add("relocation", d(3, 19), "acknowledge_task", unit("XZ07"))
    t.add("relocation", d(4, 25), "give_task_feedback", unit("XZ07"), progress="已整改 4 项")
    t.add("relocation", d(6, 12), "report_task_completion", unit("XZ07"), report="六项问题全部整改到位。")
    t.add("relocation", d(6, 14), "accept_task_completion", DISPATCHER, note="逾期办结，同意销号。")
    # 二(七)二: the grain stock check's problem ledger, overdue (red)
    t.register("grain", d(5, 6), title="建立粮食库存大清查问题台账并整改", source="superior",
               source_ref="市粮食库存大清查办公室", lead_unit="BM08", co_units=["BM13"],
               deadline="2019-06-20")
    t.add("grain", d(5, 8), "acknowledge_task", unit("BM08"))
    t.add("grain", d(6, 24), "urge_task", DISPATCHER, note="已超过办理时限，请抓紧建立台账。")
    # 二(八): the survey of five gas companies, on track (green)
    t.register("gas", d(6, 3), title="开展全区 5 家燃气企业经营情况调查", source="meeting",
               source_ref="区政府常务会议纪要", lead_unit="BM11", co_units=["BM03"],
               deadline=later)
    t.add("gas", d(6, 4), "acknowledge_task", unit("BM11"))
    t.add("gas", d(6, 24), "give_task_feedback", unit("BM11"), progress="已完成 3 家企业实地调查")
    # a meeting's decision for the reporter's unit, not yet acknowledged (yellow)
    t.register("traffic", d(6, 24), title="报送交通重大项目前期工作推进情况", source="meeting",
               source_ref="区重大项目调度会", lead_unit="BM02", deadline=later)
    # a CPPCC proposal, completed and rated basically satisfied
    t.register("cppcc", d(3, 11), title="关于加快老旧小区改造的提案", source="cppcc_proposal",
               source_ref="区政协提案第 27 号", lead_unit="BM03", deadline="2019-06-10")
    t.add("cppcc", d(3, 12), "acknowledge_task", unit("BM03"))
    t.add("cppcc", d(6, 5), "report_task_completion", unit("BM03"), report="已答复提案人，改造计划已纳入年度计划。")
    t.add("cppcc", d(6, 6), "accept_task_completion", DISPATCHER, note="同意销号。")
    t.add("cppcc", d(6, 20), "evaluate_task", DISPATCHER, rating="basically_satisfied")
    # a deputy's suggestion answered, rated unsatisfied: back in progress, and late (red)
    t.register("water", d(3, 11), title="关于解决城北片区季节性缺水问题的建议", source="npc_suggestion",
               source_ref="区人大代表建议第 15 号", lead_unit="BM04", deadline="2019-06-15")
    t.add("water", d(3, 14), "acknowledge_task", unit("BM04"))
    t.add("water", d(6, 10), "report_task_completion", unit("BM04"), report="已答复代表。")
    t.add("water", d(6, 11), "accept_task_completion", DISPATCHER, note="同意销号。")
    t.add("water", d(6, 21), "evaluate_task", DISPATCHER, rating="unsatisfied", note="代表认为措施不具体")
    # sent back as not its own, reassigned, extension asked and granted
    t.register("land", d(5, 13), title="梳理重大项目用地需求", source="leader_instruction",
               lead_unit="BM03", deadline="2019-06-14")
    t.add("land", d(5, 14), "return_task", unit("BM03"), reason="用地需求由自然资源和规划局统筹")
    t.add("land", d(5, 15), "reassign_task", DISPATCHER, lead_unit="BM10", reason="改由区自然资源和规划局牵头")
    t.add("land", d(5, 16), "acknowledge_task", unit("BM10"))
    t.add("land", d(6, 10), "request_task_extension", unit("BM10"), deadline="2019-07-31",
          reason="需等待国土空间规划数据")
    t.add("land", d(6, 11), "decide_task_extension", DISPATCHER, approve=True, note="同意延期")
    return t.ops
