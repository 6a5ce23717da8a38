"""The API fuzzed by its own OpenAPI document (schemathesis): every operation the document lists,
as an admin and as a unit reporter, on SQLite and PostgreSQL.

Each request is generated from the document, valid or deliberately invalid, and its answer must
be no 5xx and nothing the document does not describe (status, content type, body, headers); a
request the document calls invalid must not be accepted. Whether a valid-looking request is
refused (a date in the future, an unknown project) is the domain's business, not checked here.

The number of examples per operation is bounded (FUZZ_EXAMPLES, default 25) so that the suite
stays within CI's time; FUZZ_SEED picks other examples (the default is fixed: a run is repeatable).
A world is seeded once per database and test process (a unit, a project, a problem, a meeting, an
inspection, a bulletin), and generated path parameters are now and then replaced by the ids of
that world, so that requests reach things that exist.
"""
from __future__ import annotations

import os
import tempfile
import uuid
import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import create_engine, text

from app import create_app
from app import schema as db_schema
from app.domain.actors import SYSTEM
from tests.conftest import IN_CI, PG_ADMIN_URL, _pg_reachable

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
PASSWORD = "fuzz-password-1"

CONFIG = SchemathesisConfig.from_dict({
    "seed": SEED,
    "generation": {"max-examples": EXAMPLES, "mode": "all"},
    # the coverage phase enumerates every boundary of every field: far beyond CI's time here;
    # the stateful phase needs links the document does not declare
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    "checks": {"positive_data_acceptance": {"enabled": False}},
})

# The document, read from the app itself: a throwaway app serves it at collection time, the same
# code as the apps the requests go to (a test below holds the two documents equal).
_DOCUMENT_APP = create_app({"DATABASE_URL": f"sqlite:///{tempfile.mkdtemp()}/document.sqlite3",
                            "SECRET_KEY": "fuzz-document", "TESTING": True})
api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _DOCUMENT_APP, config=CONFIG)


class World:
    """One app on one database, seeded once; its users' tokens, fetched again when revoked (the
    fuzz may well log a token out)."""

    UNIT, OTHER_UNIT, PROJECT, LEADER = "FZ01", "FZ02", "FZP001", "王强"

    def __init__(self, url: str) -> None:
        self.app = create_app({"DATABASE_URL": url, "SECRET_KEY": "fuzz", "TESTING": True})
        svc = self.svc = self.app.extensions["duban"]
        db_schema.upgrade(svc.engine)
        svc.projections.ensure(svc.store)
        self.client = self.app.test_client()
        self.tokens: dict[str, dict] = {}
        self.known: dict[str, list[str]] = {}
        self._seed()

    def _run(self, name: str, payload: dict) -> dict:
        return self.svc.bus.execute(name, payload, SYSTEM)

    def _seed(self) -> None:
        run = self._run
        run("register_unit", {"code": self.UNIT, "name": "测试镇", "kind": "township"})
        run("register_unit", {"code": self.OTHER_UNIT, "name": "测试局", "kind": "department"})
        for username, role, unit, name in [("fuzz_admin", "admin", None, None),
                                           ("fuzz_reporter", "unit_reporter", self.UNIT, None),
                                           ("fuzz_leader", "leader", None, self.LEADER)]:
            run("create_user", {"username": username, "password": PASSWORD, "role": role,
                                "unit": unit, "display_name": name})
        run("register_project", {"code": self.PROJECT, "name": "测试项目", "category": "district",
                                 "stage": "continuing", "owner_unit": self.UNIT,
                                 "responsible_unit": self.UNIT, "total_investment": 1000.0,
                                 "leader": self.LEADER, "date": "2026-01-05"})
        run("set_annual_plan", {"code": self.PROJECT, "year": 2026, "planned_investment": 500.0})
        run("submit_progress", {"code": self.PROJECT, "period": "2026-10", "month_investment": 40.0,
                                "image_progress": "主体施工"})
        problem = run("raise_problem", {"category": "land", "description": "用地指标不足",
                                        "source": "unit_report", "project": self.PROJECT,
                                        "date": "2026-03-01"})["id"]
        meeting = run("hold_meeting", {"level": 1, "date": "2026-03-02", "chair": "调度员",
                                       "topic": "调度会", "attendees": ["测试镇"]})["id"]
        run("dispatch_problem", {"id": problem, "level": 1, "decision": "协调", "meeting": meeting,
                                 "responsible_unit": self.UNIT, "deadline": "2026-12-31",
                                 "date": "2026-03-02"})
        inspection = run("record_inspection", {"kind": "project", "date": "2026-03-03",
                                               "inspectors": ["督查员"], "summary": "督查",
                                               "targets": [self.UNIT]})["id"]
        run("issue_bulletin", {"number": "2026-1", "title": "通报", "date": "2026-03-04",
                               "inspections": [inspection]})
        # what a generated path parameter may be replaced by, by the name of the path's first part
        self.known = {"projects": [self.PROJECT], "units": [self.UNIT, self.OTHER_UNIT],
                      "problems": [problem], "meetings": [meeting], "inspections": [inspection],
                      "bulletins": ["2026-1"], "users": ["fuzz_leader"]}

    def headers(self, username: str) -> dict:
        """A valid token of the user, fetched again if the one kept no longer works."""
        kept = self.tokens.get(username)
        if kept is None or self.client.get("/api/v1/exports", headers=kept).status_code == 401:
            r = self.client.post("/api/v1/auth/token",
                                 json={"username": username, "password": PASSWORD})
            assert r.status_code == 200, r.get_json()
            kept = self.tokens[username] = {"Authorization": "Bearer " + r.get_json()["token"]}
        return kept

    def close(self) -> None:
        self.svc.engine.dispose()


class Worlds:
    """The worlds of this test process, made on first use."""

    def __init__(self, tmp_dir) -> None:
        self._tmp = tmp_dir
        self._worlds: dict[str, World] = {}
        self._pg_name: str | None = None

    def get(self, database: str) -> World:
        if database not in self._worlds:
            url = (f"sqlite:///{self._tmp / 'fuzz.sqlite3'}" if database == "sqlite"
                   else self._pg_url())
            self._worlds[database] = World(url)
        return self._worlds[database]

    def _pg_url(self) -> str:
        reason = _pg_reachable()
        if reason:
            if IN_CI:
                pytest.fail(reason + " (CI=true: PostgreSQL tests must run)")
            pytest.skip(reason)
        # a database of its own: the other tests empty theirs between tests, this world lives on
        self._pg_name = f"duban_fuzz_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT").connect() as c:
            c.execute(text(f'CREATE DATABASE "{self._pg_name}"'))
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + self._pg_name

    def close(self) -> None:
        for world in self._worlds.values():
            world.close()
        if self._pg_name:
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(scope="session")
def fuzz_worlds(tmp_path_factory):
    worlds = Worlds(tmp_path_factory.mktemp("fuzz"))
    yield worlds
    worlds.close()


def _known_path_parameters(case, world: World) -> None:
    """Now and then (decided by the generated value itself, so a run is repeatable) a generated
    path parameter becomes the id of a thing that exists. Invalid requests are left as generated:
    what makes them invalid must reach the app."""
    if not case.path_parameters or case.meta is None or case.meta.generation.mode.is_negative:
        return
    first = case.operation.path.strip("/").split("/")[0]
    known = world.known.get(first)
    if not known:
        return
    for name, value in list(case.path_parameters.items()):
        if not isinstance(value, str) or case.operation.path.find("{" + name + "}") < 0:
            continue
        digest = zlib.crc32(value.encode("utf-8", "surrogatepass"))
        if digest % 3:  # two in three
            case.path_parameters[name] = known[digest % len(known)]


ROLES = {"admin": "fuzz_admin", "unit_reporter": "fuzz_reporter"}


def _token_for(case, world: World, username: str) -> dict:
    """The user's token, unless the case was made invalid by leaving its token out (the
    document requires one): then it goes without, and must be refused (401)."""
    components = case.meta.components if case.meta is not None else {}
    header = components.get(ParameterLocation.HEADER)
    if header is not None and header.mode.is_negative and "Authorization" not in (case.headers or {}):
        return {}
    return world.headers(username)


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
@api.parametrize()
@settings(deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=True)
def test_fuzz(case, database, role, fuzz_worlds):
    world = fuzz_worlds.get(database)
    _known_path_parameters(case, world)
    case.call_and_validate(app=world.app, headers=_token_for(case, world, ROLES[role]),
                           excluded_checks=[positive_data_acceptance])


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_the_fuzzed_document_is_the_served_one(database, fuzz_worlds):
    world = fuzz_worlds.get(database)
    served = world.client.get("/api/v1/openapi.json").get_json()
    assert served == _DOCUMENT_APP.test_client().get("/api/v1/openapi.json").get_json()
    assert served["paths"], "an empty document would fuzz nothing"
