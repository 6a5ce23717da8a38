"""A world with units, a project, a dispatched problem and users of every role; files under tmp."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from app import create_app, schema
from app.domain.actors import ADMIN, DISPATCHER, Actor
from tests.conftest import make_user, token_for

API = "/api/v1"


def jpeg(seed: int = 0, exif: bool = False, size=(64, 48)) -> bytes:
    """A small JPEG, distinct per seed; with EXIF time and GPS when asked."""
    im = Image.new("RGB", size, ((seed * 40) % 256, (seed * 90) % 256, 120))
    out = io.BytesIO()
    if exif:
        e = Image.Exif()
        e[0x8769] = {0x9003: "2026:11:20 09:15:30"}  # Exif IFD: DateTimeOriginal
        e[0x8825] = {1: "N", 2: (30.0, 39.0, 36.0), 3: "E", 4: (104.0, 4.0, 12.0)}  # GPS IFD
        im.save(out, "JPEG", exif=e)
    else:
        im.save(out, "JPEG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class World:
    def __init__(self, app, client) -> None:
        self.app, self.client = app, client
        self.svc = app.extensions["duban"]
        self.h: dict[str, dict] = {}
        for code, name, kind in [("U01", "城南镇", "township"), ("U02", "区住建局", "department"),
                                 ("E01", "城投公司", "enterprise")]:
            self.svc.bus.execute("register_unit", {"code": code, "name": name, "kind": kind,
                                                   "date": "2026-01-02"}, Actor("t", ADMIN))
        for user, role, unit in [("disp", "dispatcher", None), ("admin", "admin", None),
                                 ("rep1", "unit_reporter", "U01"), ("rep2", "unit_reporter", "U02"),
                                 ("insp", "inspector", None)]:
            make_user(self.svc, user, role, unit)
            self.h[user] = token_for(client, user)
        self.svc.bus.execute("register_project", {
            "code": "XM001", "name": "城南片区棚户区改造", "category": "district", "stage": "continuing",
            "owner_unit": "E01", "responsible_unit": "U01", "total_investment": 52000.0,
            "date": "2026-01-05"}, Actor("t", DISPATCHER))

    def post(self, path: str, body: dict, who: str = "disp", expect: int | None = 201):
        r = self.client.post(API + path, json=body, headers=self.h[who])
        if expect is not None:
            assert r.status_code == expect, r.get_json()
        return r.get_json()

    def upload(self, data: bytes, name: str = "f.bin", who: str = "rep1", expect: int | None = 201):
        r = self.client.post(API + "/attachments", headers=self.h[who],
                             data={"file": (io.BytesIO(data), name)},
                             content_type="multipart/form-data")
        if expect is not None:
            assert r.status_code == expect, r.get_json()
        return r.get_json() if r.is_json else r

    def problem_at(self, unit: str = "U01") -> str:
        pid = self.post("/problems", {"category": "land", "description": "用地指标不足",
                                      "source": "unit_report", "project": "XM001",
                                      "date": "2026-03-01"})["id"]
        self.post(f"/problems/{pid}/dispatch", {"level": 1, "decision": "协调自然资源局调剂指标",
                                                 "responsible_unit": unit, "deadline": "2026-12-31",
                                                 "responsible_person": "李明", "date": "2026-03-02"})
        return pid


@pytest.fixture
def files_app(database_url, clock, tmp_path):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "CLOCK": clock, "BLOB_DIR": str(tmp_path / "blobs"),
                      "ATTACHMENT_MAX_BYTES": 2 * 1024 * 1024,
                      "AUDIT_SIGNING_KEY_FILE": str(tmp_path / "audit_signing_key.pem")})
    svc = app.extensions["duban"]
    schema.upgrade(svc.engine)
    svc.projections.ensure(svc.store)
    yield app
    svc.engine.dispose()


@pytest.fixture
def world(files_app):
    return World(files_app, files_app.test_client())
