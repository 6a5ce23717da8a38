"""Users (用户) for the system administrator: who may log in, with which role and unit.

Read-only like every ledger: creating a user and changing a role are commands (recorded as
events for the audit), reached from the 办理 menu and the row buttons. The password hash is
never selected.
"""
from __future__ import annotations

from flask import url_for
from sqlalchemy import Select, select

from ...auth.tables import users
from ...domain.actors import ADMIN, ROLE_NAMES
from ..access import services
from ..ledger import Equals, LedgerView, ReadContext, formatter
from ..links import buttons, can, command
from ..vocab import local_instant, yes_no


def _actions(r) -> list[tuple[str, str, str]]:
    items = []
    if can("change_role"):
        items.append((command("change_role", username=r.username), "变更角色", "secondary"))
    # Deactivating takes access away at once: every token and session of the user is refused.
    if r.active and can("deactivate_user"):
        items.append((command("deactivate_user", username=r.username), "停用", "danger"))
    if not r.active and can("reactivate_user"):
        items.append((command("reactivate_user", username=r.username), "启用", "success"))
    # contact details, quiet hours and digest: not commands (app/notify/contacts.py)
    items.append((url_for("contact.index", user=r.username), "通知设置", "info"))
    return items


class UserListView(LedgerView):
    roles = (ADMIN,)
    pk = "username"
    default_order = ("username", False)
    supports_as_of = False
    column_list = ["actions", "username", "role", "unit", "display_name", "active", "created_at"]
    column_labels = {"actions": "操作", "username": "用户名", "role": "角色", "unit": "所属单位",
                     "display_name": "姓名", "active": "启用", "created_at": "创建时间"}
    column_searchable_list = ["username", "display_name", "unit"]
    column_choices = {"role": [(k, v) for k, v in ROLE_NAMES.items()]}
    column_filters = [Equals("role", "角色", [(k, v) for k, v in ROLE_NAMES.items() if k != "system"])]
    column_formatters = {
        "actions": formatter(lambda r: buttons(_actions(r))),
        "active": formatter(lambda r: yes_no(r.active)),
        "created_at": formatter(lambda r: local_instant(r.created_at, services().tz)),
    }

    def source(self, ctx: ReadContext) -> Select:
        # the users table is not a projection: "as of" does not apply to it
        return select(users.c.username, users.c.role, users.c.unit, users.c.display_name,
                      users.c.active, users.c.created_at)
