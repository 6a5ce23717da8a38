"""Evidence files and notifications (issue 16), on SQLite and on PostgreSQL.

upload/download: a 10 MB PDF through the API (multipart POST /attachments, then GET), in process
(Flask's test client: the app's own work, no network), median of BENCH_FILE_ROUNDS (5).

outbox throughput: BENCH_OUTBOX_MESSAGES (400) messages delivered by ``deliver_due`` to real local
receivers started here (aiosmtpd and an http.server on 127.0.0.1), each by e-mail and by webhook.

outbox cost: urges (催办) per second from one caller, with the outbox projection and with it left
out, in turns; each urge writes one message per reporter of the unit (two here).
"""
from __future__ import annotations

import io
import os
import statistics
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app import catalog, create_app, schema
from app.domain.actors import SYSTEM
from app.notify.channels import NotifySettings
from app.notify.sender import deliver_due

from .scratch import scratch_databases

ROUNDS = int(os.environ.get("BENCH_FILE_ROUNDS", "5"))
MESSAGES = int(os.environ.get("BENCH_OUTBOX_MESSAGES", "400"))
URGES = int(os.environ.get("BENCH_URGES", "600"))
SIZE = 10 * 1024 * 1024


def _app(url: str, blobs: str, without_outbox: bool = False, **config):
    saved = list(catalog.PROJECTION_MODULES)
    if without_outbox:
        catalog.PROJECTION_MODULES[:] = [m for m in saved if m != "app.notify.outbox"]
    try:
        app = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "bench",
                          "BLOB_DIR": blobs, "ATTACHMENT_MAX_BYTES": 20 * 1024 * 1024, **config})
    finally:
        catalog.PROJECTION_MODULES[:] = saved
    svc = app.extensions["duban"]
    schema.upgrade(svc.engine)
    svc.projections.ensure(svc.store)
    return app, svc


def _district(svc, problems: int) -> list[str]:
    run = lambda name, body: svc.bus.execute(name, body, SYSTEM)  # noqa: E731
    run("register_unit", {"code": "U01", "name": "城南镇", "kind": "township"})
    for user in ("rep1", "rep2"):
        run("create_user", {"username": user, "password": "secret123", "role": "unit_reporter",
                            "unit": "U01"})
    run("create_user", {"username": "disp", "password": "secret123", "role": "dispatcher"})
    ids = []
    for i in range(problems):
        pid = run("raise_problem", {"category": "land", "description": f"问题{i}", "source": "meeting"})["id"]
        run("dispatch_problem", {"id": pid, "level": 1, "decision": "协调", "responsible_unit": "U01",
                                 "deadline": "2099-12-31"})
        ids.append(pid)
    return ids


def _files(url: str, tmp: str) -> str:
    app, svc = _app(url, os.path.join(tmp, "blobs"))
    _district(svc, 0)
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "rep1", "password": "secret123"})
    h = {"Authorization": "Bearer " + token.get_json()["token"]}
    up, down = [], []
    for i in range(ROUNDS):
        data = b"%PDF-1.4\n" + os.urandom(SIZE - 9)  # new content each round: a real write
        t = time.perf_counter()
        r = client.post("/api/v1/attachments", headers=h, data={"file": (io.BytesIO(data), "a.pdf")},
                        content_type="multipart/form-data")
        up.append(time.perf_counter() - t)
        assert r.status_code == 201, r.get_json()
        sha = r.get_json()["sha256"]
        t = time.perf_counter()
        r = client.get(f"/api/v1/attachments/{sha}", headers=h)
        body = r.get_data()
        down.append(time.perf_counter() - t)
        assert len(body) == SIZE
    svc.engine.dispose()
    u, d = statistics.median(up), statistics.median(down)
    return (f"upload 10 MB {u * 1000:.0f} ms ({SIZE / u / 1048576:.0f} MB/s), "
            f"download {d * 1000:.0f} ms ({SIZE / d / 1048576:.0f} MB/s)")


class _Sink(BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _outbox(url: str, tmp: str) -> str:
    from aiosmtpd.controller import Controller

    class Box:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Box.count += 1
            return "250 OK"

    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    smtp = Controller(Box(), hostname="127.0.0.1", port=port)
    smtp.start()
    http = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        app, svc = _app(url, os.path.join(tmp, "blobs2"))
        _district(svc, MESSAGES // 2)  # two reporters: two messages per dispatch
        with app.test_request_context():
            from app.notify.contacts import set_contact

            for u in ("rep1", "rep2"):
                set_contact(svc.engine, SYSTEM.__class__("admin", "admin"), u,
                            {"email": f"{u}@example.gov.cn", "phone": "13800000000"}, svc.clock())
        s = NotifySettings.from_mapping({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port),
                                         "WEBHOOK_URL": f"http://127.0.0.1:{http.server_address[1]}/",
                                         "WEBHOOK_SECRET": "x"})
        t = time.perf_counter()
        counts = deliver_due(svc.engine, s, svc.clock, limit=MESSAGES * 2)
        took = time.perf_counter() - t
        svc.engine.dispose()
    finally:
        smtp.stop()
        http.shutdown()
    sent = counts["sent"]
    return (f"outbox: {sent} deliveries ({MESSAGES} messages × e-mail and webhook) in {took:.2f} s "
            f"= {sent / took:.0f} deliveries/s")


def _urges(url: str, tmp: str, without: bool) -> float:
    app, svc = _app(url, os.path.join(tmp, "blobs3"), without_outbox=without)
    ids = _district(svc, 50)
    t = time.perf_counter()
    for i in range(URGES):
        svc.bus.execute("urge_problem", {"id": ids[i % len(ids)], "note": f"第{i}次催办"}, SYSTEM)
    rate = URGES / (time.perf_counter() - t)
    svc.engine.dispose()
    return rate


def run() -> None:
    import tempfile

    print("files: 10 MB upload/download, outbox delivery, outbox cost per command")
    for name, make in scratch_databases():
        tmp = tempfile.mkdtemp(prefix="duban-bench-files-")
        print(f"  {name}: {_files(make()[0], tmp)}")
        print(f"  {name}: {_outbox(make()[0], tmp)}")
        with_rates, without_rates = [], []
        for _ in range(2):  # in turns, so that the machine's mood falls on both
            without_rates.append(_urges(make()[0], tmp, without=True))
            with_rates.append(_urges(make()[0], tmp, without=False))
        w, wo = max(with_rates), max(without_rates)
        print(f"  {name}: urges {w:.0f}/s with the outbox, {wo:.0f}/s without "
              f"(a command costs {wo / w:.2f}× with it)")
