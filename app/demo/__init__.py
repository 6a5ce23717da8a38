"""The demonstration district (flask --app wsgi demo): data in ``data``/``problems`` (names and
words in ``names``/``wording``), the loader in ``load``."""
