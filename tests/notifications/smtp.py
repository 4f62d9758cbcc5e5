"""A real SMTP server for the tests (aiosmtpd on loopback, a free port) that keeps what it accepted."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
import time
from dataclasses import dataclass

from aiosmtpd.controller import Controller

from tests.ops.servers import free_port


@dataclass
class Received:
    envelope_from: str
    recipients: list[str]
    message: email.message.EmailMessage


class Collector:
    """aiosmtpd handler: a message counts as received once the 250 reply is due and its client is
    still connected (a client killed mid-send never got a 250, so its message was not accepted;
    aiosmtpd cancels this handler when the client's connection ends). `on_data(peer)`, if given,
    runs when a message's data has arrived, before it is accepted."""

    def __init__(self, delay: float = 0.0, on_data=None):
        self.delay = delay
        self.on_data = on_data
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.on_data is not None:
            self.on_data(session.peer)
        if self.delay:
            await asyncio.sleep(self.delay)
        if server.transport is None or server.transport.is_closing():
            return "451 client gone"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


class SmtpServer:
    def __init__(self, *, port: int | None = None, delay: float = 0.0, on_data=None):
        self.port = port or free_port()
        self.collector = Collector(delay, on_data)
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        with self.collector.lock:
            return list(self.collector.received)

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received
