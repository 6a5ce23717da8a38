"""kill -9 of the web server in the middle of a load: nothing acknowledged is lost, nothing twice.

A real gunicorn (2 workers × 4 threads) serves the app; eight clients send commands, each with a
command_id of its own, half of them notes on one problem (they meet in group commits), half new
units. The whole process group is killed with SIGKILL while they run. After a restart every
command is sent again with its command_id: an acknowledged one must get its first answer back, an
unknown one must end recorded exactly once. Then the chain verifies and a rebuild equals live.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from app.bootstrap import bootstrap
from app.events.audit import verify_chain

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, database_url: str, tmp: Path) -> None:
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "kill9-secret",
                    "PYTHONPATH": str(ROOT)}
        self.tmp = tmp
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None

    def flask(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                       env=self.env, check=True, capture_output=True, timeout=180)

    def start(self) -> None:
        log = open(self.tmp / f"gunicorn-{time.monotonic_ns()}.log", "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
             "--bind", f"127.0.0.1:{self.port}", "wsgi:app"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/openapi.json", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("gunicorn did not start")

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)  # master and workers at once, mid-request
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)

    def post(self, path: str, body: dict, token: str | None = None) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/v1{path}", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json",
                     **({"Authorization": f"Bearer {token}"} if token else {})}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


def _command(client: int, i: int) -> tuple[str, dict]:
    cid = f"k9-{client}-{i}"
    if client % 2:
        return "/problems/P00001/notes", {"note": f"第{client}路第{i}条进展", "command_id": cid}
    return "/units", {"code": f"K{client}{i:04d}", "name": f"单位{client}-{i}", "kind": "department",
                      "command_id": cid}


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_kill9_mid_load_loses_nothing_acknowledged_and_records_nothing_twice(database, tmp_path,
                                                                           request):
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'kill9.sqlite3'}"
    else:
        from tests.conftest import _clean_pg
        url = request.getfixturevalue("pg_database")
        _clean_pg(url)
    server = Server(url, tmp_path)
    server.flask("init-db")
    server.flask("users", "create", "disp", "--role", "dispatcher", "--password", "secret123")
    server.start()
    try:
        status, body = server.post("/auth/token", {"username": "disp", "password": "secret123"})
        assert status == 200, body
        token = body["token"]
        for path, payload in [("/units", {"code": "U00", "name": "城南镇", "kind": "township"}),
                              ("/problems", {"category": "land", "description": "用地指标不足",
                                             "source": "meeting"})]:
            status, body = server.post(path, payload, token)
            assert status == 201, body

        answers: dict[str, dict] = {}  # command_id -> the first answer (acknowledged)
        unknown: set[str] = set()
        sent: dict[str, tuple[str, dict]] = {}
        stop = threading.Event()
        lock = threading.Lock()

        def client(n: int) -> None:
            i = 0
            while not stop.is_set() and i < 2000:
                path, payload = _command(n, i)
                with lock:
                    sent[payload["command_id"]] = (path, payload)
                try:
                    status, body = server.post(path, payload, token)
                except OSError:  # the server died with this command in flight
                    with lock:
                        unknown.add(payload["command_id"])
                    return
                with lock:
                    if status == 201:
                        answers[payload["command_id"]] = body
                    else:
                        unknown.add(payload["command_id"])
                i += 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 60
        while len(answers) < 150 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill9()
        stop.set()
        for t in threads:
            t.join(60)
        assert len(answers) >= 150

        server.start()
        for cid, (path, payload) in sent.items():
            status, body = server.post(path, payload, token)
            assert status == 201, (cid, body)
            if cid in answers:
                assert body == answers[cid], cid  # the first answer, not a second record
    finally:
        server.stop()

    svc = bootstrap(url)
    try:
        recorded = Counter()
        for ev in svc.store.read_all():
            meta = json.loads(ev.meta) if isinstance(ev.meta, str) else ev.meta
            cid = meta.get("command_id")
            if cid and cid.startswith("k9-"):
                recorded[cid] += 1
        assert set(recorded) == set(sent)
        assert max(recorded.values()) == 1  # each command once
        assert verify_chain(svc.engine).ok
        tables = svc.projections.tables
        with svc.engine.connect() as conn:
            live = {t.name: sorted(map(tuple, conn.execute(select(t))), key=repr) for t in tables}
        svc.projections.rebuild(svc.store)
        with svc.engine.connect() as conn:
            assert {t.name: sorted(map(tuple, conn.execute(select(t))), key=repr)
                    for t in tables} == live
    finally:
        svc.engine.dispose()
