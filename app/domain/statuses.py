"""The states a problem and a task pass through, and the lights (红黄绿灯), each value written once.

Their Chinese names are in ``vocab.py``; what may happen in which state is in the rules modules
(``commands/problem_rules.py``, ``commands/task_rules.py``).
"""
from __future__ import annotations


class ProblemStatus:
    RAISED = "raised"
    IN_PROGRESS = "in_progress"
    AWAITING_VERIFICATION = "awaiting_verification"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    OPEN = (RAISED, IN_PROGRESS, AWAITING_VERIFICATION)
    CLOSED = (RESOLVED, WITHDRAWN)


class TaskStatus:
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    RETURNED = "returned"
    AWAITING_ACCEPTANCE = "awaiting_acceptance"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    CLOSED = (COMPLETED, WITHDRAWN)
    OPEN = (ASSIGNED, IN_PROGRESS, RETURNED, AWAITING_ACCEPTANCE)


class Light:
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"
