"""Scheduled jobs (定时任务) and the scheduler process.

The admin page calls job_status() and run_job(); the scheduler process (process.py) calls
run_job() on each cron firing. The web app never starts a scheduler.
"""
from .jobs import JOBS
from .runner import UnknownJob, job_status, recent_runs, run_job
from .settings import JobSettings, settings_for

__all__ = ["JOBS", "JobSettings", "UnknownJob", "job_status", "recent_runs", "run_job",
           "settings_for"]
