"""A TCP relay on 127.0.0.1 in front of the database server: cutting it is a real outage.

``down()`` closes every relayed connection and stops listening, as a server that went away;
``up()`` listens again on the same port.
"""
from __future__ import annotations

import select
import socket
import threading


class Relay:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def up(self) -> "Relay":
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def down(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        with self._lock:
            for a, b in self._pairs:
                for s in (a, b):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    s.close()
            self._pairs.clear()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                sockets = [s for pair in self._pairs for s in pair]
            readable, _, _ = select.select([self._listener] + sockets, [], [], 0.05)
            for s in readable:
                if s is self._listener:
                    client, _ = self._listener.accept()
                    server = socket.create_connection(self.target)
                    with self._lock:
                        self._pairs.append((client, server))
                    continue
                self._relay(s)

    def _relay(self, s: socket.socket) -> None:
        with self._lock:
            pair = next((p for p in self._pairs if s in p), None)
        if pair is None:
            return
        other = pair[1] if s is pair[0] else pair[0]
        try:
            data = s.recv(65536)
            if data:
                other.sendall(data)
                return
        except OSError:
            pass
        with self._lock:
            if pair in self._pairs:
                self._pairs.remove(pair)
        for x in pair:
            x.close()
