"""The domain's core: who acts (actors and roles), the vocabularies of API.md with their Chinese
names, and the refusals a command may meet. Plain Python: no framework, no database, no I/O, so
that every layer may import it and it imports none of them."""
