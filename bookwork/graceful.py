"""Shutdowns that lose no request: gunicorn's SIGTERM and SIGINT (Ctrl-C), and the drain period.

gunicorn's own graceful stop closes the listening socket while connections the kernel already
accepted wait in its backlog: the kernel resets them (a client that had sent its request gets
`Connection reset`). And its SIGINT is a quick shutdown (workers `sys.exit` mid-request: a 500
or a reset). Installed by gunicorn.conf.py, a stop here goes:

1. **Drain period** (`GUNICORN_DRAIN_SECONDS`, default 0): `/readyz` answers 503 `draining`
   while the instance keeps serving, so a load balancer that polls it stops sending traffic.
2. **No new connections**: a socket filter (Linux `SO_ATTACH_FILTER`, "drop every packet") on
   each listening socket makes the kernel drop new connection attempts (SYNs) instead of
   queueing them; their clients retry and are refused once the socket is closed.
3. **Backlog served**: the master waits until the workers have accepted every connection
   already queued (the queue length is `TCP_INFO`'s `tcpi_unacked` of a listening socket).
4. gunicorn's graceful stop: the master closes the socket and sends SIGTERM; each worker
   finishes what it accepted (`DrainingThreadWorker` also serves connections it had accepted but
   not yet read, and closes idle keep-alive ones), up to `GUNICORN_GRACEFUL_TIMEOUT`.

SIGINT to the master is handled as SIGTERM, and workers ignore SIGINT (Ctrl-C in a terminal
signals the whole process group; the master alone decides when workers stop). SIGQUIT stays
gunicorn's quick shutdown.

`draining()` is what the app reads (bookwork.views.readyz); everything else runs in gunicorn.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import socket
import struct
import sys
import time
from pathlib import Path

# Set by gunicorn.conf.py before the workers fork: the file whose existence means "draining".
DRAIN_FILE_ENV = "BOOKWORK_DRAIN_FILE"

_SO_ATTACH_FILTER = 26  # linux/asm-generic/socket.h
_BPF_RET_K_DROP = struct.pack("HBBI", 0x06, 0, 0, 0)  # one instruction: BPF_RET|BPF_K, return 0 (drop)
_TCPI_UNACKED_OFFSET = 24  # struct tcp_info: 8 bytes of u8 fields, then u32 rto, ato, snd_mss, rcv_mss, unacked


def draining() -> bool:
    """True while this gunicorn instance drains before stopping (`/readyz` then answers 503)."""
    path = os.environ.get(DRAIN_FILE_ENV)
    return bool(path) and os.path.exists(path)


def refuse_new_connections(sock: socket.socket) -> bool:
    """Make the kernel drop new connection attempts on a listening TCP socket; those already
    queued stay and can still be accepted. False where that is not possible (Unix socket, no
    Linux socket filters)."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return False
    program = ctypes.create_string_buffer(_BPF_RET_K_DROP)
    try:
        # struct sock_fprog {unsigned short len; struct sock_filter *filter;}, native alignment.
        sock.setsockopt(socket.SOL_SOCKET, _SO_ATTACH_FILTER, struct.pack("HP", 1, ctypes.addressof(program)))
    except OSError:
        return False
    return True


def accept_queue_length(sock: socket.socket) -> int:
    """Connections the kernel accepted on a listening TCP socket that no worker accepted yet."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return 0
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    except OSError:
        return 0
    return struct.unpack_from("I", info, _TCPI_UNACKED_OFFSET)[0]


def install(arbiter, *, drain_seconds: int) -> None:
    """Replace the master's stop and SIGINT handling (gunicorn's `when_ready` hook)."""
    original_stop = arbiter.stop
    state = {"stopping": False}

    def stop(graceful: bool = True) -> None:
        if state["stopping"] or not arbiter.LISTENERS:
            return original_stop(graceful)
        state["stopping"] = True
        deadline = time.monotonic() + arbiter.cfg.graceful_timeout
        if drain_seconds:
            Path(os.environ[DRAIN_FILE_ENV]).touch()
            arbiter.log.info("Draining for %s s: /readyz answers 503, requests are still served", drain_seconds)
            _keep_workers(arbiter, until=time.monotonic() + drain_seconds)
        sockets = [listener.sock for listener in arbiter.LISTENERS]
        filtered = [sock for sock in sockets if refuse_new_connections(sock)]
        if filtered:
            arbiter.log.info("New connections are dropped; serving the %s queued", _queued(filtered))
            while _queued(filtered) and time.monotonic() < deadline:
                _keep_workers(arbiter, until=time.monotonic() + 0.01)
        original_stop(graceful)

    arbiter.stop = stop
    # gunicorn's SIGINT stops workers at once (SIGQUIT); Ctrl-C should drain like SIGTERM.
    arbiter.handle_int = arbiter.handle_term


def _queued(sockets: list[socket.socket]) -> int:
    return sum(accept_queue_length(sock) for sock in sockets)


def _keep_workers(arbiter, *, until: float) -> None:
    """Wait in the master while still replacing workers that exit (recycling) or hang."""
    while True:
        arbiter.murder_workers()
        arbiter.manage_workers()
        left = until - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.1))


def ignore_sigint(worker) -> None:
    """In a worker (gunicorn's `post_worker_init` hook): Ctrl-C reaches the whole process group;
    the master turns it into a graceful stop and then tells the workers (SIGTERM)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@functools.cache
def _thread_worker_class():
    from gunicorn.workers.gthread import ThreadWorker

    class DrainingThreadWorker(ThreadWorker):
        """gunicorn's gthread worker, except when it stops (SIGTERM, or recycling after
        `max_requests`): it stops accepting, but first serves the connections it already accepted
        (gthread drops those whose request it had not read yet), answers with `Connection: close`,
        and closes idle keep-alive connections."""

        stopping = False
        listening = True

        def init_process(self) -> None:
            # Recycling goes through `stopping` too: gthread's own (alive = False) drops connections.
            self.recycle_after, self.max_requests = self.max_requests, sys.maxsize
            super().init_process()

        def handle_exit(self, sig, frame) -> None:
            self.stopping = True

        def handle_request(self, req, conn):
            if self.nr + 1 >= self.recycle_after and not self.stopping:
                self.log.info("Autorestarting worker after current request.")
                self.stopping = True
            if self.stopping:
                req.must_close = True
            return super().handle_request(req, conn)

        def murder_keepalived(self) -> None:
            super().murder_keepalived()
            if not self.stopping:
                return
            with self._lock:
                if self.listening:  # the master let the backlog drain before sending SIGTERM
                    self.listening = False
                    for sock in self.sockets:
                        self.poller.unregister(sock)
                        sock.close()
                idle = list(self._keep)
                self._keep.clear()
                for conn in idle:
                    self.poller.unregister(conn.sock)
            for conn in idle:
                self.nr_conns -= 1
                conn.close()
            if self.nr_conns <= 0:
                self.alive = False

    return DrainingThreadWorker


def __getattr__(name: str):
    # Resolved lazily: the app imports this module for `draining()` without gunicorn's workers.
    if name == "DrainingThreadWorker":
        return _thread_worker_class()
    raise AttributeError(name)
