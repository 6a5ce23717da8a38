"""A long run against duban under gunicorn: does a worker's memory stay flat?

duban serves the demonstration district from a scratch SQLite database under gunicorn
(BENCH_SOAK_WORKERS sync workers, 2), as ``gunicorn wsgi:app`` does in production, while
BENCH_SOAK_CLIENTS (6) client threads drive a mix over HTTP for BENCH_SOAK_SECONDS (1,800):
commands (notes on problems, a new problem now and then), ledger reads paged through their
``Link`` headers, as-of reads of the ledger at instants drawn anywhere in the history (so
hardly any two alike), feed reads from random positions, and Excel exports (live and as of an
instant). Every BENCH_SOAK_SAMPLE seconds (30) it samples each worker's RSS and the size of
SQLite's write-ahead log, then prints the series and each worker's growth over the last two
thirds of the run (the first third is the caches filling up to their bounds): flat is a growth
of a few MB at most.
"""
from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from datetime import datetime, timedelta, timezone

SECONDS = float(os.environ.get("BENCH_SOAK_SECONDS", "1800"))
WORKERS = int(os.environ.get("BENCH_SOAK_WORKERS", "2"))
CLIENTS = int(os.environ.get("BENCH_SOAK_CLIENTS", "6"))
SAMPLE = float(os.environ.get("BENCH_SOAK_SAMPLE", "30"))
FLAT_MB = 5.0  # growth over the last two thirds that still counts as flat
# the mix: how many of every 100 requests are of each kind
MIX = {"command": 30, "ledger": 25, "asof": 20, "feed": 15, "export": 10}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def workers_of(master: int) -> list[int]:
    try:
        with open(f"/proc/{master}/task/{master}/children") as f:
            return sorted(int(p) for p in f.read().split())
    except OSError:
        return []


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.token = ""

    def call(self, method: str, path: str, body: dict | None = None,
             timeout: float = 600) -> tuple[int, dict, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def login(self, username: str, password: str) -> None:
        for _ in range(20):  # 503: the database was busy with a writer; nothing was recorded
            status, _, body = self.call("POST", "/api/v1/auth/token",
                                        {"username": username, "password": password})
            if status != 503:
                break
            time.sleep(0.5)
        assert status == 200, body[:300]
        self.token = json.loads(body)["token"]


def next_link(headers: dict) -> str | None:
    link = headers.get("Link") or headers.get("link")
    if not link or 'rel="next"' not in link:
        return None
    url = link.split(";", 1)[0].strip("<> ")
    return "/api/v1" + url.split("/api/v1", 1)[1] if "/api/v1" in url else None


class Driver:
    def __init__(self, base: str, start: datetime, problem_ids: list[str]) -> None:
        self.base = base
        self.start = start
        self.ids = problem_ids
        self.counts: Counter = Counter()
        self.failures: Counter = Counter()
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def instant(self) -> str:
        now = datetime.now(timezone.utc)
        moment = self.start + (now - self.start) * random.random()
        return urllib.parse.quote(moment.isoformat(timespec="microseconds"))

    def one(self, client: Client, kind: str, rnd: random.Random) -> int:
        if kind == "command":
            if rnd.random() < 0.1:
                status, _, body = client.call("POST", "/api/v1/problems", {
                    "category": "funding", "source": "unit_report",
                    "description": f"压力测试提出的问题 {rnd.randrange(10 ** 9)}"})
                if status in (200, 201):
                    with self.lock:
                        self.ids.append(json.loads(body)["id"])
                return status
            pid = rnd.choice(self.ids)
            status, _, _ = client.call("POST", f"/api/v1/problems/{pid}/notes",
                                       {"note": f"办理进展 {rnd.randrange(10 ** 9)}"})
            return status
        if kind == "ledger":
            path = f"/api/v1/problems?limit={rnd.choice((50, 200, 500))}"
            for _ in range(rnd.randint(1, 4)):
                status, headers, _ = client.call("GET", path)
                path = next_link(headers) if status == 200 else None
                if path is None:
                    return status
            return status
        if kind == "asof":
            status, _, _ = client.call("GET", f"/api/v1/problems?limit=200&as_of={self.instant()}")
            return status
        if kind == "feed":
            status, _, _ = client.call("GET", f"/api/v1/events?after={rnd.randrange(3000)}"
                                              f"&limit={rnd.choice((100, 500))}")
            return status
        as_of = f"?as_of={self.instant()}" if rnd.random() < 0.3 else ""
        name = rnd.choice(("ledger", "ledger", "rectification", "tasks", "progress"))
        status, _, _ = client.call("GET", f"/api/v1/exports/{name}.xlsx{as_of}")
        return status

    def run(self, seed: int) -> None:
        rnd = random.Random(seed)
        client = Client(self.base)
        client.login("dispatcher", "dispatcher123")
        kinds = [k for k, n in MIX.items() for _ in range(n)]
        while not self.stop.is_set():
            kind = rnd.choice(kinds)
            try:
                status = self.one(client, kind, rnd)
            except (OSError, urllib.error.URLError) as exc:
                status = type(exc).__name__
            with self.lock:
                self.counts[kind] += 1
                if status not in (200, 201):
                    self.failures[(kind, status)] += 1


def serve(tmp: str, port: int) -> tuple[subprocess.Popen, dict]:
    db = os.path.join(tmp, "soak.sqlite3")
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{db}", SECRET_KEY="bench-soak",
               AUDIT_SIGNING_KEY_FILE=os.path.join(tmp, "signing.pem"),
               BLOB_DIR=os.path.join(tmp, "blobs"), ASOF_DIR=os.path.join(tmp, "asof"),
               # the as-of checkpoints come often on a small history, as they would on a long one
               ASOF_CHECKPOINT_EVERY=os.environ.get("ASOF_CHECKPOINT_EVERY", "500"))
    py = os.path.join(os.path.dirname(sys.executable), "flask")
    for cmd in ("init-db", "demo"):
        subprocess.run([py, "--app", "wsgi", cmd], env=env, check=True, capture_output=True)
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    proc = subprocess.Popen([gunicorn, "-w", str(WORKERS), "-b", f"127.0.0.1:{port}",
                             "--timeout", "600", "--log-level", "warning", "wsgi:app"],
                            env=env, stdout=subprocess.DEVNULL, stderr=open(
                                os.path.join(tmp, "gunicorn.log"), "w"))
    for _ in range(120):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    return proc, {"db": db}


def run() -> None:
    print(f"bench soak: {SECONDS:.0f} s, {WORKERS} gunicorn workers, {CLIENTS} clients, "
          f"SQLite, a sample every {SAMPLE:.0f} s", flush=True)
    tmp = tempfile.mkdtemp(prefix="duban-bench-soak-")
    port = free_port()
    start = datetime.now(timezone.utc) - timedelta(seconds=1)
    proc, paths = serve(tmp, port)
    try:
        base = f"http://127.0.0.1:{port}"
        probe = Client(base)
        probe.login("dispatcher", "dispatcher123")
        ids: list[str] = []
        path: str | None = "/api/v1/problems?limit=500"
        while path:
            status, headers, body = probe.call("GET", path)
            assert status == 200, body[:300]
            ids += [p["id"] for p in json.loads(body)
                    if p["status"] not in ("resolved", "withdrawn")]
            path = next_link(headers)
        driver = Driver(base, start, ids)
        threads = [threading.Thread(target=driver.run, args=(i,), daemon=True)
                   for i in range(CLIENTS)]
        for t in threads:
            t.start()
        series: list[tuple[float, dict[int, int], int]] = []
        began = time.monotonic()
        while True:
            elapsed = time.monotonic() - began
            pids = workers_of(proc.pid)
            rss = {p: kb for p in pids if (kb := rss_kb(p)) is not None}
            wal = os.path.getsize(paths["db"] + "-wal") if os.path.exists(paths["db"] + "-wal") else 0
            series.append((elapsed, rss, wal))
            with driver.lock:
                done = sum(driver.counts.values())
            print(f"  {elapsed:6.0f} s  RSS " + "  ".join(f"{p}:{kb / 1024:6.1f} MB"
                                                       for p, kb in rss.items())
                  + f"  WAL {wal / 2 ** 20:6.1f} MB  requests {done:,}", flush=True)
            if elapsed >= SECONDS:
                break
            time.sleep(max(0.0, min(SAMPLE, SECONDS - elapsed)))
        driver.stop.set()
        for t in threads:
            t.join(timeout=600)
        report(series, driver)
        print(f"  load: {os.getloadavg()[0]:.1f} {os.getloadavg()[1]:.1f} "
              f"{os.getloadavg()[2]:.1f} (1, 5, 15 min)")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


def report(series: list[tuple[float, dict[int, int], int]], driver: Driver) -> None:
    print(f"  requests: {dict(driver.counts)}")
    if driver.failures:
        print(f"  not 200: {dict(driver.failures)}")
    third = series[-1][0] / 3
    tail = [s for s in series if s[0] >= third]
    pids = sorted(set().union(*(s[1] for s in series)))
    for pid in pids:
        points = [(t, rss[pid]) for t, rss, _ in tail if pid in rss]
        if len(points) < 2:
            print(f"  worker {pid}: not alive over the last two thirds")
            continue
        values = [kb / 1024 for _, kb in points]
        growth = values[-1] - values[0]
        verdict = "flat" if abs(growth) < FLAT_MB else "GROWS"
        print(f"  worker {pid}: {values[0]:.1f} MB at {points[0][0]:.0f} s → {values[-1]:.1f} MB "
              f"at {points[-1][0]:.0f} s: {growth:+.1f} MB over the last two thirds "
              f"(min {min(values):.1f}, max {max(values):.1f}): {verdict}")
    wal = [w / 2 ** 20 for _, _, w in series]
    print(f"  WAL: {wal[0]:.1f} MB at the start, max {max(wal):.1f} MB, {wal[-1]:.1f} MB at the end")


if __name__ == "__main__":
    run()
