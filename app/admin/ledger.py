"""Read-only ledgers: a Flask-Admin model view over a SQL select instead of an ORM model.

Each ledger declares ``source(ctx)``: a Core select over the projection tables, taken from
``app/views``. This base adds what every ledger needs: the reader's scope (``app/views/scope``),
Flask-Admin's filters, search, sorting and paging applied in SQL, "as of" an instant (the select
then runs on a snapshot rebuilt from the events recorded up to it), and 导出: the bureau's
workbook of the ledger from ``app/excel``, the same one the API's export gives.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Callable, Sequence
from urllib.parse import quote

from flask import Response, flash, g, has_request_context, request, send_file
from flask_admin.babel import gettext
from flask_admin.form import BaseForm
from flask_admin.model import BaseModelView
from flask_admin.model.filters import BaseFilter
from markupsafe import Markup
from sqlalchemy import ColumnElement, Select, func, or_, select

from ..excel import XLSX
from ..limits.dates import INSTANT_RANGE_MESSAGE, day_in_range
from ..limits.paging import MAX_PAGE, MAX_POSITION
from ..limits.web import InvalidInput
from ..views.reading import reading
from ..views.scope import scope_key
from .access import SecuredView, services, written_position
from .cache import cached
from .queries import asked_period

Options = Sequence[tuple[Any, str]] | Callable[[Any], Sequence[tuple[Any, str]]]
YES_NO = (("1", "是"), ("0", "否"))


# -- the moment and period a page is read for ------------------------------------------
@dataclass(frozen=True)
class ReadContext:
    as_of: datetime | None  # None: the live ledger
    today: date  # the business day the page is read on (the as-of day, or today)
    year: int
    through: str  # YYYY-MM: the last month counted

    @property
    def today_iso(self) -> str:
        return self.today.isoformat()

    @property
    def period(self) -> str:
        return self.today.strftime("%Y-%m")


def parse_as_of(text: str | None) -> datetime | None:
    """An instant from a datetime-local input (business time zone) or ISO 8601 with offset."""
    if not text:
        return None
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=services().tz)
    if not day_in_range(moment.date()):  # year 1 or 9999 would overflow further on
        raise ValueError(INSTANT_RANGE_MESSAGE)
    return moment


def read_context() -> ReadContext:
    """Parsed once per request from ``as_of``, ``year`` and ``through`` in the query string."""
    if "duban_read" in g:
        return g.duban_read
    svc = services()
    try:
        as_of = parse_as_of(request.args.get("as_of"))
    except ValueError:
        flash("“时点”格式不正确，已显示当前台账。", "error")
        as_of = None
    today = as_of.astimezone(svc.tz).date() if as_of else svc.today()
    with svc.engine.connect() as conn:
        year, through = asked_period(conn, today, request.args.get("year", type=int),
                                     request.args.get("through"))
    g.duban_read = ReadContext(as_of, today, year, through)
    return g.duban_read


# -- filters -----------------------------------------------------------------------------
class Equals(BaseFilter):
    """column = value; options may be a list or a function of a connection (read per request)."""

    def __init__(self, column: str, name: str, options: Options | None = None,
                 key: str | None = None, cast: Callable[[str], Any] = str,
                 input_type: str = "text") -> None:
        super().__init__(name, None if callable(options) else options, key_name=key or column)
        self.column = column
        self.dynamic = options if callable(options) else None
        self.cast = cast
        self.input_type = input_type  # "date": the page types the value as a date (duban.js)

    def get_options(self, view: Any):
        if self.dynamic is not None:
            if not has_request_context():  # at start-up: no database to ask yet
                return None
            with services().engine.connect() as conn:
                return list(self.dynamic(conn))
        return super().get_options(view)

    def clean(self, value: str) -> Any:
        return self.cast(value)

    def validate(self, value: str) -> bool:
        # a value that is not one (a level of 10^20, text where a number goes) filters nothing
        try:
            cleaned = self.clean(value)
        except (TypeError, ValueError):
            return False
        return not isinstance(cleaned, int) or abs(cleaned) <= MAX_POSITION

    def operation(self) -> str:
        return gettext("equals")

    def condition(self, src, value: Any) -> ColumnElement[bool]:
        return src.c[self.column] == self.clean(value)


class Flag(Equals):
    """A 0/1 column shown as 是/否."""

    def __init__(self, column: str, name: str, key: str | None = None) -> None:
        super().__init__(column, name, YES_NO, key, int)

    def validate(self, value: str) -> bool:
        return value in ("0", "1")


class AtLeast(Equals):
    def operation(self) -> str:
        return "不早于"

    def condition(self, src, value: Any) -> ColumnElement[bool]:
        return src.c[self.column] >= self.clean(value)


class AtMost(Equals):
    def operation(self) -> str:
        return "不晚于"

    def condition(self, src, value: Any) -> ColumnElement[bool]:
        return src.c[self.column] <= self.clean(value)


def formatter(fn: Callable[[Any], Any]) -> Callable[..., Any]:
    """Adapt fn(row) to Flask-Admin's formatter signature (view, context, row, name)."""
    return lambda _view, _ctx, row, _name: fn(row)


# -- the view ----------------------------------------------------------------------------
class LedgerView(SecuredView, BaseModelView):
    """Base of every ledger screen; subclasses declare columns, labels, filters and source()."""

    list_template = "duban/ledger_list.html"
    can_create = can_edit = can_delete = False
    can_view_details = False
    column_display_actions = False
    export_types = ["xlsx"]
    # the export of app/excel this ledger's 导出 gives (None: no 导出), and whether its rows are
    # this ledger's rows by ``pk``, so that the page's filters and search narrow them
    export_name: str | None = None
    export_narrows = False
    can_set_page_size = True
    page_size = 20
    page_size_options = (20, 50, 100)
    # what the list is keyed by, and the default order (column, descending)
    pk: str = "id"
    default_order: tuple[str, bool] = ("id", False)
    uses_year = False  # show the year / through selector above the list
    supports_as_of = True  # False for tables that are not projections of the events
    # count the matches in the page's own query (for sources that aggregate a large table into
    # a few rows, which would otherwise be aggregated twice)
    count_with_page = False
    # sort and page the keys alone, then compute only the page's rows whole: for sources whose
    # columns cost something per row (a light, a name looked up) over a large table
    page_keys_first = False

    def __init__(self, name: str, endpoint: str, url: str | None = None,
                 category: str | None = None) -> None:
        super().__init__(LedgerView, name=name, category=category, endpoint=endpoint,
                         url=url or endpoint.replace("_", "-"))

    @property
    def can_export(self) -> bool:
        return self.export_name is not None

    # -- what subclasses provide -------------------------------------------
    def source(self, ctx: ReadContext) -> Select:
        raise NotImplementedError

    def scope_condition(self, src) -> ColumnElement[bool] | None:
        """Rows this reader may see (None: all)."""
        return None

    def banner(self, conn, src, where: list, ctx: ReadContext) -> Markup | str | None:
        """A line of totals above the list, over the filtered rows."""
        return None

    def count_and_banner(self, conn, src, where: list,
                         ctx: ReadContext) -> tuple[int, Markup | str | None]:
        """How many rows match, and the banner; a ledger whose banner counts the rows anyway
        gives both from one pass."""
        count = conn.execute(select(func.count()).select_from(src).where(*where)).scalar() or 0
        return count, self.banner(conn, src, where, ctx)

    # -- Flask-Admin's model backend ------------------------------------------
    def get_pk_value(self, model: Any) -> Any:
        return getattr(model, self.pk)

    def scaffold_list_columns(self) -> list[str]:
        return list(self.column_list or [])

    def scaffold_sortable_columns(self) -> dict[str, str]:
        return {c: c for c in (self.column_sortable_list or self.column_list or [])
                if c != "actions"}

    def init_search(self) -> bool:
        return bool(self.column_searchable_list)

    def search_placeholder(self) -> str | None:
        labels = self.column_labels or {}
        return "、".join(labels.get(c, c) for c in self.column_searchable_list or ()) or None

    def scaffold_form(self) -> type[BaseForm]:
        return BaseForm  # ledgers never edit: Flask-Admin only needs some form class

    def get_one(self, id: Any) -> Any:
        return None

    def get_filter_arg(self, index: int, flt: BaseFilter) -> str:
        # Readable, stable query strings (flt0_status=...) that survive reordering filters.
        return flt.key_name or str(index)

    def _get_filter_groups(self):
        # Rebuilt per request so that options read from the ledger (units, leaders) are current.
        if not self._filters:
            return None
        groups: OrderedDict[str, list[dict]] = OrderedDict()
        for i, flt in enumerate(self._filters):
            options = flt.get_options(self)
            groups.setdefault(str(flt.name), []).append({
                "index": i, "arg": self.get_filter_arg(i, flt), "operation": str(flt.operation()),
                "options": [(k, str(v)) for k, v in options] if options else None,
                "type": flt.data_type, "input": getattr(flt, "input_type", "text")})
        return groups

    def search_condition(self, src, term: str) -> ColumnElement[bool]:
        """Any searchable column contains the term (LIKE: case-blind for Latin letters on
        SQLite, exact on PostgreSQL; Chinese has no case)."""
        return or_(*[src.c[c].contains(term, autoescape=True) for c in self.column_searchable_list])

    def _conditions(self, src, search: str | None, filters) -> list:
        where = []
        scope = self.scope_condition(src)
        if scope is not None:
            where.append(scope)
        if search and search.strip() and self.column_searchable_list:
            where.append(self.search_condition(src, search.strip()))
        for idx, _name, value in filters or ():
            where.append(self._filters[idx].condition(src, value))
        return where

    def get_list(self, page: int | None, sort_column: str | None, sort_desc: bool | None,
                 search: str | None, filters, execute: bool = True,
                 page_size: int | None = None) -> tuple[int, list]:
        if page is not None and not 0 <= page < MAX_PAGE:  # Flask-Admin counts pages from 0
            raise InvalidInput(f"页码须在 1 到 {MAX_PAGE} 之间。")
        ctx = read_context()
        src = self.source(ctx).subquery("ledger")
        where = self._conditions(src, search, filters)
        column, desc = (sort_column, bool(sort_desc)) if sort_column else self.default_order
        order = src.c[column].desc() if desc else src.c[column].asc()
        # the key as a tie-breaker keeps paging stable when many rows share the sort value
        query = select(src).where(*where).order_by(order, src.c[self.pk])
        if page_size:
            query = query.limit(page_size).offset((page or 0) * page_size)
            if self.page_keys_first:
                keys = query.with_only_columns(src.c[self.pk]).subquery("page")
                query = select(src).where(src.c[self.pk].in_(select(keys.c[self.pk]))) \
                    .order_by(order, src.c[self.pk])

        def run(conn) -> tuple[int, list, Any]:
            if self.count_with_page and page_size:
                # one pass: the total rides along with the page (a window over the matches)
                rows = conn.execute(query.add_columns(func.count().over().label("_total"))).fetchall()
                if rows:
                    return rows[0]._total, rows, self.banner(conn, src, where, ctx)
            count, banner = self.count_and_banner(conn, src, where, ctx)
            return count, conn.execute(query).fetchall(), banner

        svc = services()
        as_of = ctx.as_of if self.supports_as_of else None
        position = svc.store.position_at(as_of) if as_of else None
        key = (self.endpoint, ctx, scope_key(self.actor()), search, tuple(filters or ()),
               column, desc, page, page_size)

        def compute(after: int | None):
            with reading(svc, as_of, after) as (conn, _position):
                return run(conn)

        # whole exports are not kept: they are large and asked for once
        count, rows, banner = (cached(key, compute, position) if page_size
                               else compute(written_position()))
        self._template_args.update(banner=banner, read=ctx, as_of_position=position)
        return count, rows

    # -- export ------------------------------------------------------------
    def _export_tablib(self, export_type: str, return_url: str) -> Response:
        """导出: the bureau's workbook of this ledger (``app/excel``), the very one
        ``GET /api/v1/exports/{export_name}.xlsx`` answers for the reader, the page's moment
        and month; where its rows are the ledger's own, those the page's filters and search
        leave (unfiltered, the API's workbook exactly)."""
        from ..excel.exports import export_file, export_specs

        ctx = read_context()
        spec = export_specs()[self.export_name]
        params = {"month": ctx.through} if self.uses_year else {}
        args = self._get_list_extra_args()
        narrow = None
        if self.export_narrows and (args.filters or (args.search or "").strip()):
            src = self.source(ctx).subquery("ledger")
            keys = select(src.c[self.pk]).where(*self._conditions(src, args.search, args.filters))
            narrow = lambda key: key.in_(keys)  # noqa: E731
        fh = export_file(services(), self.export_name, self.actor(),
                         as_of=ctx.as_of if self.supports_as_of else None, params=params,
                         narrow=narrow, after=written_position())
        filename = f"{spec.title}_{ctx.today.isoformat()}.xlsx"
        response = send_file(fh, mimetype=XLSX)  # sent a block at a time, then closed
        response.headers["Content-Disposition"] = (
            f"attachment; filename=\"{self.export_name}.xlsx\"; filename*=UTF-8''{quote(filename)}")
        return response
