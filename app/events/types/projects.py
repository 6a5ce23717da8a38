"""Major projects (重大项目): registration, plans, leader, stage, monthly progress, statistics entry."""
from marshmallow import Schema, fields

from ..registry import EventRegistry


class ProjectRegistered(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    stage = fields.String(required=True)
    owner_unit = fields.String(required=True)
    responsible_unit = fields.String(required=True)
    total_investment = fields.Float(required=True)  # 万元
    leader = fields.String(allow_none=True)
    planned_start = fields.String(allow_none=True)  # YYYY-MM-DD


class AnnualPlanSet(Schema):
    project = fields.String(required=True)
    year = fields.Integer(required=True)
    planned_investment = fields.Float(required=True)


class LeaderAssigned(Schema):
    project = fields.String(required=True)
    leader = fields.String(required=True)
    previous = fields.String(allow_none=True)


class StageChanged(Schema):
    project = fields.String(required=True)
    stage = fields.String(required=True)
    previous = fields.String(required=True)


class ProgressSubmitted(Schema):
    """A month's progress (进度填报). A second one for the same period is a correction:
    it supersedes the first (``corrects`` = how many came before) and carries a reason."""

    project = fields.String(required=True)
    period = fields.String(required=True)  # YYYY-MM
    month_investment = fields.Float(required=True)
    image_progress = fields.String(required=True)
    corrects = fields.Integer(required=True)
    reason = fields.String(allow_none=True)
    # present (true) only when the month exceeded the investment still to be made and the
    # submitter confirmed it (a confirmed outlier, marked in the ledger)
    outlier = fields.Boolean()


class StatsEntryRecorded(Schema):
    """Entered into the investment statistics database (入库), on the event's business date."""

    project = fields.String(required=True)


def register(registry: EventRegistry) -> None:
    registry.register("ProjectRegistered", ProjectRegistered)
    registry.register("AnnualPlanSet", AnnualPlanSet)
    registry.register("LeaderAssigned", LeaderAssigned)
    registry.register("StageChanged", StageChanged)
    registry.register("ProgressSubmitted", ProgressSubmitted)
    registry.register("StatsEntryRecorded", StatsEntryRecorded)
