"""The limits every input is held to, wherever it enters (API, staff pages, Excel, command line).

Each refusal is a 4xx with a Chinese message and appends nothing. The pieces are small modules
so that every schema and entry point uses the same rule: ``amounts`` (the field for every amount
in 万元), ``dates`` (the fields for days and instants), ``text`` (NUL and lone surrogates),
``paging`` (positions, page sizes, page numbers), ``json_body`` (nesting and text of a JSON body),
``web`` (the request hooks: body size, query, path and form text), ``headers`` (security headers
and cookie flags), ``redirects`` (same-site targets only). Spreadsheet text that is never a
formula lives with the spreadsheets: ``app/excel/formula_safe.py``.
"""

from flask import Flask


def init_app(app: Flask) -> None:
    """Headers first: their hooks set the page's nonce before anything can refuse a request."""
    from . import headers, web

    headers.init_app(app)
    web.init_app(app)
