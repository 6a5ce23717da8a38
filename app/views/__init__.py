"""The read side: every ledger, figure and read rule of duban, defined once as plain functions
over the projection tables (see the README's "The read side")."""
