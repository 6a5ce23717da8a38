"""Real receivers on 127.0.0.1, started by the tests: an SMTP server (aiosmtpd) and an HTTP
endpoint (http.server in a thread)."""
from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from app import create_app, schema
from tests.files.conftest import World


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler keeping every message; ``delay`` slows each delivery down."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.delay = 0.0
        self.started = 0  # messages whose DATA has begun, kept or not yet
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.started += 1
        if self.delay:
            time.sleep(self.delay)  # the sender waits for our answer, as on a slow server
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [m["X-Duban-Notification-Id"] for m in self.messages]


class Receiver:
    """An HTTP endpoint recording each POST; it answers 500 while ``failing`` > 0."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict, bytes]] = []
        self.failing = 0
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    fail = receiver.failing > 0
                    if fail:
                        receiver.failing -= 1
                    else:
                        receiver.requests.append((dict(self.headers), body))
                self.send_response(500 if fail else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def bodies(self) -> list[dict]:
        with self.lock:
            return [json.loads(b) for _h, b in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mailbox():
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port
    yield box
    controller.stop()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def channel_config(mailbox, receiver) -> dict:
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port), "MAIL_FROM": "督办系统 <duban@example.gov.cn>",
            "WEBHOOK_URL": receiver.url, "WEBHOOK_SECRET": "s3cret", "NOTIFY_BACKOFF_SECONDS": "60",
            "NOTIFY_MAX_ATTEMPTS": "3", "NOTIFY_MAX_AGE_HOURS": "100000"}


@pytest.fixture
def notify_app(database_url, clock, tmp_path, mailbox, receiver):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test-secret",
                      "CLOCK": clock, "BLOB_DIR": str(tmp_path / "blobs"),
                      **channel_config(mailbox, receiver)})
    svc = app.extensions["duban"]
    schema.upgrade(svc.engine)
    svc.projections.ensure(svc.store)
    yield app
    svc.engine.dispose()


@pytest.fixture
def nworld(notify_app):
    return World(notify_app, notify_app.test_client())
