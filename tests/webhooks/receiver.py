"""A real HTTP receiver on loopback for the webhook tests: answers each POST with the next of a
scripted list of statuses (or hangs), and records what it got."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG = "hang"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    script: list = field(default_factory=list)  # statuses (int), HANG, or ("redirect", location)
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    stop_hanging: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def url(self, host: str = "127.0.0.1", path: str = "/hook") -> str:
        return f"http://{host}:{self.port}{path}"


def start() -> Receiver:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            action = receiver.script.pop(0) if receiver.script else 200
            if action == HANG:
                receiver.stop_hanging.wait(15)
                return
            if isinstance(action, tuple):
                self.send_response(302)
                self.send_header("Location", action[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(action)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    receiver.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.server.daemon_threads = True
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


def stop(receiver: Receiver) -> None:
    receiver.stop_hanging.set()
    receiver.server.shutdown()
    receiver.server.server_close()
    time.sleep(0)
