"""Where each part of the domain lives; bootstrap loads them in this order."""

# modules with register(registry: EventRegistry)
EVENT_MODULES = [
    "app.events.types.users",
    "app.events.types.units",
    "app.events.types.projects",
    "app.events.types.problems",
    "app.events.types.oversight",
    "app.events.types.jobs",
    "app.events.types.security",
    "app.events.types.audit",
    "app.events.types.deadlines",
    "app.events.types.tasks",
    "app.events.types.reports",
]

# modules with COMMANDS: list[CommandSpec]
COMMAND_MODULES = [
    "app.commands.users",
    "app.commands.units",
    "app.commands.problems",
    "app.commands.oversight",
    "app.commands.projects",
    "app.commands.jobs",
    "app.commands.security",
    "app.commands.checkpoints",
    "app.commands.deadlines",
    "app.commands.tasks",
    "app.commands.funding",
    "app.commands.reports",
    "app.commands.publicity",
]

# modules with PROJECTION: Projection
PROJECTION_MODULES = [
    "app.projections.sequences",
    "app.projections.units",
    "app.projections.projects",
    "app.projections.problems",
    "app.projections.oversight",
    "app.projections.jobs",
    "app.projections.attachments",
    "app.notify.outbox",
    "app.projections.tasks",
    "app.projections.lists",
    "app.projections.funding",
    "app.projections.published",
]

# modules with QUERIES: list[QuerySpec] (GET routes of the API)
QUERY_MODULES = [
    "app.api.event_queries",
    "app.api.unit_queries",
    "app.api.problem_queries",
    "app.api.report_queries",
    "app.api.project_queries",
    "app.api.job_queries",
    "app.api.audit_queries",
    "app.api.task_queries",
    "app.api.funding_queries",
]
