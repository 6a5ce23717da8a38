"""Domain vocabulary (API.md values) and their Chinese names."""
from __future__ import annotations

UNIT_KINDS = {"township": "乡镇", "department": "部门", "enterprise": "企业"}

PROJECT_CATEGORIES = {"provincial": "省重点", "municipal": "市重点", "district": "区级重大",
                      "key_push": "重抓重推"}
PROJECT_STAGES = {"reserve": "储备", "preliminary": "前期", "planned_new": "计划新开工",
                  "new_start": "新开工", "continuing": "续建", "completed": "竣工"}

PROBLEM_SOURCES = {"unit_report": "项目单位上报", "meeting": "调度会发现", "inspection": "督查发现"}
PROBLEM_CATEGORIES = {"preliminary": "前期工作不深不透", "design_change": "规划设计/规模概算/选址调整",
                      "funding": "资金缺口", "land": "土地指标", "demolition": "征地拆迁",
                      "environment": "环评", "construction": "施工组织", "other": "其他"}
PROBLEM_STATUSES = {"raised": "已提出", "in_progress": "办理中", "awaiting_verification": "待核验",
                    "resolved": "已销号", "withdrawn": "已撤回"}
LEVELS = {1: "一级调度", 2: "二级调度", 3: "三级调度"}

INSPECTION_KINDS = {"discipline": "纪律作风督查", "project": "项目督查", "self_check": "自查自纠"}

TASK_SOURCES = {"leader_instruction": "领导批示", "meeting": "会议议定", "superior": "上级交办",
                "npc_suggestion": "人大代表建议", "cppcc_proposal": "政协委员提案",
                "public_request": "群众诉求", "inspection": "督查发现"}
TASK_STATUSES = {"assigned": "已交办", "in_progress": "办理中", "returned": "已退回",
                 "awaiting_acceptance": "待审核", "completed": "已办结", "withdrawn": "已撤销"}
FEEDBACK_CYCLES = {"none": "不定期", "weekly": "每周", "monthly": "每月"}
RATINGS = {"satisfied": "满意", "basically_satisfied": "基本满意", "unsatisfied": "不满意"}
FUNDING_SOURCES = {"central_budget": "中央预算内投资", "special_bond": "专项债券",
                   "provincial": "省级资金", "municipal": "市级资金",
                   "self_and_other": "业主自筹及其他"}
FUNDING_STAGES = {"applied": "申报", "approved": "下达", "received": "到位"}

EVENT_NAMES = {
    "UserCreated": "创建用户", "UserRoleChanged": "变更用户角色",
    "PasswordChanged": "修改密码", "UserDeactivated": "停用用户", "UserReactivated": "重新启用用户",
    "UserLoggedOut": "退出登录", "LoginSucceeded": "登录成功", "LoginLocked": "登录锁定",
    "UnitRegistered": "登记单位", "InvestmentTaskSet": "下达年度投资任务",
    "ProjectRegistered": "登记项目", "AnnualPlanSet": "下达年度计划投资",
    "LeaderAssigned": "确定挂联领导", "StageChanged": "变更项目阶段",
    "ProgressSubmitted": "月度进度填报", "StatsEntryRecorded": "入统计库",
    "ProblemRaised": "提出问题", "ProblemDispatched": "调度交办", "ProblemEscalated": "提级调度",
    "ProblemNoted": "进展备注", "ProblemUrged": "催办督办", "DeadlineExtended": "延长完成时限",
    "ResolutionReported": "报告解决", "ResolutionVerified": "核验销号",
    "ResolutionRejected": "退回重办", "ProblemReopened": "重新打开", "ProblemWithdrawn": "撤回问题",
    "ProblemOverdue": "逾期", "ProblemDeadlineNear": "临期提醒", "MeetingHeld": "召开调度会", "InspectionRecorded": "记录督查",
    "BulletinIssued": "发布督查通报", "LoginFailed": "登录失败", "AccessRefused": "拒绝越权操作",
    "FastSlowListPublished": "发布红黑榜", "ProgressReminderIssued": "催报进度",
    "MissingReportsFlagged": "未报单位提示", "ChainAnchored": "哈希链锚定",
    "CheckpointSigned": "签署检查点",
    "TaskAssigned": "交办督办事项", "TaskAcknowledged": "签收", "TaskReturned": "退回（非本单位事项）",
    "TaskReassigned": "重新交办", "TaskFeedbackGiven": "阶段反馈", "TaskUrged": "催办",
    "TaskExtensionRequested": "申请延期", "TaskExtensionDecided": "审批延期",
    "TaskCompletionReported": "报告办结", "TaskCompletionAccepted": "审核销号",
    "TaskSentBack": "退回重办", "TaskEvaluated": "满意度评价", "TaskWithdrawn": "撤销督办事项",
    "TaskLightChanged": "亮灯变化",
}
EVENT_NAMES.update({"ProjectListsSet": "调整项目所属清单", "FundingRecorded": "登记项目资金",
                    "SummaryPublished": "发布工作汇总报告"})


def stream(kind: str, key: str) -> str:
    """Stream ids are '<kind>:<key>' (unit:U01, project:XM001, problem:P00001, ...)."""
    return f"{kind}:{key}"
