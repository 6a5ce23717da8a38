"""Users (用户) for the system administrator: who may log in, with which role and unit.

Read-only like every ledger: creating a user and changing a role are commands (recorded as
events for the audit), reached from the 办理 menu and the row buttons. The password hash is
never selected.
"""
from __future__ import annotations

from sqlalchemy import Select, select

from ...auth.tables import users
from ...commands.base import ADMIN, ROLE_NAMES
from ..ledger import Equals, LedgerView, ReadContext, formatter
from ..links import buttons, can, command
from ..vocab import yes_no


class UserListView(LedgerView):
    roles = (ADMIN,)
    pk = "username"
    default_order = ("username", False)
    can_export = False
    supports_as_of = False
    column_list = ["actions", "username", "role", "unit", "display_name", "active", "created_at"]
    column_labels = {"actions": "操作", "username": "用户名", "role": "角色", "unit": "所属单位",
                     "display_name": "姓名", "active": "启用", "created_at": "创建时间（UTC）"}
    column_searchable_list = ["username", "display_name", "unit"]
    column_choices = {"role": [(k, v) for k, v in ROLE_NAMES.items()]}
    column_filters = [Equals("role", "角色", [(k, v) for k, v in ROLE_NAMES.items() if k != "system"])]
    column_formatters = {
        "actions": formatter(lambda r: buttons([(command("change_role", username=r.username),
                                                 "变更角色", "secondary")])
                             if can("change_role") else ""),
        "active": formatter(lambda r: yes_no(r.active)),
    }

    def source(self, ctx: ReadContext) -> Select:
        # the users table is not a projection: "as of" does not apply to it
        return select(users.c.username, users.c.role, users.c.unit, users.c.display_name,
                      users.c.active, users.c.created_at)
