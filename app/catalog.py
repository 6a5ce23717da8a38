"""Where each part of the domain lives; bootstrap loads them in this order."""

# modules with register(registry: EventRegistry)
EVENT_MODULES = [
    "app.events.types.users",
]

# modules with COMMANDS: list[CommandSpec]
COMMAND_MODULES = [
    "app.commands.users",
]

# modules with PROJECTION: Projection
PROJECTION_MODULES: list[str] = []

# modules with QUERIES: list[QuerySpec] (GET routes of the API)
QUERY_MODULES = [
    "app.api.event_queries",
]
