"""Payload schemas of every event type, one module per area."""
