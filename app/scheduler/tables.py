"""The scheduler's durable tables (migration 0003): not projections, never rebuilt from events."""
from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# One row per attempt to run a job: what the admin page lists.
# outcome: running, ok, failed, skipped (another process held the lock), interrupted (process died)
job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(30), nullable=False),
    Column("trigger", String(20), nullable=False),  # scheduled, manual (admin / API), cli
    Column("owner", String(200), nullable=False),  # host:pid:thread of the runner
    Column("started_at", String(32), nullable=False),  # UTC instants as the event store writes them
    Column("finished_at", String(32)),
    Column("outcome", String(20), nullable=False),
    Column("events", Integer, nullable=False, server_default="0"),
    Column("summary", Text),
    Column("error", Text),
    Index("ix_job_runs_job", "job", "id"),
)

# SQLite's job locks: a lease per job, claimed under BEGIN IMMEDIATE (PostgreSQL uses advisory locks).
scheduler_locks = Table(
    "scheduler_locks",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("acquired_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
)
