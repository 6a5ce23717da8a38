"""The project ledger (重大项目台账) and what the figures are computed from."""
from __future__ import annotations

from sqlalchemy import Column, Float, Integer, String, Table, Text

from .base import Projection, metadata

# Current state of each project.
projects = Table(
    "proj_projects",
    metadata,
    Column("code", String(50), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("category", String(20), nullable=False),
    Column("stage", String(20), nullable=False),
    Column("owner_unit", String(50), nullable=False),
    Column("responsible_unit", String(50), nullable=False),
    Column("leader", String(80)),
    Column("total_investment", Float, nullable=False),
    Column("planned_start", String(10)),
    Column("registered_on", String(10)),
    Column("stats_entry_on", String(10)),  # first entry into the statistics database (入库)
    Column("last_period", String(7)),  # latest month with progress
    Column("version", Integer, nullable=False),
)

# Every stage a project has been in, with the business date it was entered (seq 1 = at registration).
project_stages = Table(
    "proj_project_stages",
    metadata,
    Column("project", String(50), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("stage", String(20), nullable=False),
    Column("on_date", String(10)),
)

# Every leader assignment with its business date (seq 1 = at registration, when given).
project_leaders = Table(
    "proj_project_leaders",
    metadata,
    Column("project", String(50), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("leader", String(80), nullable=False),
    Column("on_date", String(10)),
)

annual_plans = Table(
    "proj_annual_plans",
    metadata,
    Column("project", String(50), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("planned_investment", Float, nullable=False),
)

# The latest submission per project and month; earlier ones stay in the events.
monthly_progress = Table(
    "proj_monthly_progress",
    metadata,
    Column("project", String(50), primary_key=True),
    Column("period", String(7), primary_key=True),  # YYYY-MM
    Column("year", Integer, nullable=False),
    Column("month_investment", Float, nullable=False),
    Column("image_progress", Text, nullable=False),
    Column("submissions", Integer, nullable=False),  # 1 + corrections
    Column("reason", Text),  # reason of the latest correction
    Column("submitted_on", String(10)),
)

PROJECTION = Projection("projects", [projects, project_stages, project_leaders, annual_plans,
                                     monthly_progress])
