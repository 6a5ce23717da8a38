"""The limits every input is held to, wherever it enters (API, staff pages, Excel, command line).

Each refusal is a 4xx with a Chinese message and appends nothing. The pieces are small modules
so that every schema and entry point uses the same rule: ``amounts`` (万元), ``dates`` (days and
instants), ``text`` (NUL and lone surrogates), ``json_body`` (size and nesting of a JSON body),
``redirects`` (same-site targets only), ``formula`` (spreadsheet text that is never a formula).
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Headers first: their hooks set the page's nonce before anything can refuse a request."""
    from . import headers, web

    headers.init_app(app)
    web.init_app(app)
