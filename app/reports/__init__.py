"""Reports: figures computed from the projection tables (no HTTP, no Flask)."""
