"""Answers written by the event loop (issue 26): slow readers hold a socket, not a thread.

Four clients reading a 2 MB document
256 bytes every 8 s held both workers' threads, each blocked in a send. Now the thread hands
its answer to the socket without waiting (what the kernel does not take at once is kept in
the connection's outbox, ``Outbox``) and is free for the next request; the event loop sends
the rest as the client reads it. A client that takes no byte for ``SEND_TIMEOUT`` seconds,
or reads slower than ``MIN_SEND_RATE`` bytes a second on average, is disconnected. Past
``MAX_OUTBOX_BYTES`` kept in all of a worker's outboxes, a thread sends its answer itself
again, waiting at most ``SEND_TIMEOUT`` seconds per blocked send.
"""
from __future__ import annotations

import selectors
import socket
import threading
import time
from functools import partial

from gunicorn.http2 import negotiation
from gunicorn.workers.gthread import TConn

SEND_TIMEOUT = 10                 # seconds a client may read nothing of its answer
MIN_SEND_RATE = 2048              # bytes a second a client must read on average (after the first SEND_TIMEOUT s)
MAX_OUTBOX_BYTES = 256 * 1024 * 1024  # answers a worker's event loop holds for slow readers at most
SEND_BYTES = 65536 * 4               # bytes one write of the event loop offers the kernel
FILE_CHUNK = 65536


class Outbox:
    """The socket a response is written to: each write goes to the kernel without waiting,
    what it does not take now is kept (``pending``) for the event loop to send. Other
    socket methods are the socket's own."""

    def __init__(self, sock, worker) -> None:
        self._sock, self._worker = sock, worker
        self.pending = bytearray()
        self.blocking = False  # the worker's outboxes are full: send as gthread does

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def sendall(self, data) -> None:
        if self.blocking:
            self._sock.sendall(data)
            return
        view = memoryview(data)
        if not self.pending:
            try:
                view = view[self._sock.send(view, socket.MSG_DONTWAIT):]
            except (BlockingIOError, InterruptedError):
                pass
        if not view:
            return
        if not self._worker.reserve(len(view)):  # too much held: wait for this one
            self.blocking = True
            if self.pending:
                self._sock.sendall(self.pending)
                self._worker.release(len(self.pending))
                self.pending = bytearray()
            self._sock.sendall(view)
            return
        self.pending += view

    def send(self, data, *flags) -> int:
        self.sendall(data)
        return len(data)

    def sendfile(self, file, offset: int = 0, count: int | None = None) -> int:
        """Send ``count`` bytes of ``file`` from ``offset`` after what is pending (gunicorn
        sends static files so; ours are small)."""
        file.seek(offset)
        sent = 0
        while count is None or sent < count:
            chunk = file.read(FILE_CHUNK if count is None else min(FILE_CHUNK, count - sent))
            if not chunk:
                break
            self.sendall(chunk)
            sent += len(chunk)
        return sent


class OutboxWriting:
    """The part of a gthread worker that writes answers from its event loop: a pool thread
    serves a request with an ``Outbox`` for its socket, and the event loop sends what the
    kernel did not take at once (``finish_request``), dropping readers too slow for it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.writing_conns: list = []
        self.outbox_bytes = 0
        self._outbox_lock = threading.Lock()

    def reserve(self, n: int) -> bool:
        """Count ``n`` more bytes held in outboxes; False (nothing counted) past the cap."""
        with self._outbox_lock:
            if self.outbox_bytes + n > MAX_OUTBOX_BYTES:
                return False
            self.outbox_bytes += n
            return True

    def release(self, n: int) -> None:
        with self._outbox_lock:
            self.outbox_bytes -= n

    def handle_request(self, req, conn):
        """Serve the request with an Outbox in place of the socket (a pool thread)."""
        if not self._plain_http1(conn):
            return super().handle_request(req, conn)
        real = conn.sock
        conn.sock = outbox = Outbox(real, self)
        try:
            return super().handle_request(req, conn)
        finally:
            conn.sock = real
            conn.outbox = outbox.pending

    def finish_request(self, conn, fs):
        """With an answer still in its outbox, send it first (in the event loop); then on
        as gthread: keep the connection alive or close it."""
        pending = getattr(conn, "outbox", None)
        if not pending or fs.cancelled() or fs.exception() is not None:
            self._drop_outbox(conn)
            super().finish_request(conn, fs)
            return
        try:
            conn.sock.setblocking(False)
        except OSError:
            self._drop_outbox(conn)
            super().finish_request(conn, fs)
            return
        now = time.monotonic()
        conn.write_started, conn.write_progress, conn.write_size = now, now, len(pending)
        conn.write_sent = 0
        self.writing_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_WRITE, partial(self._on_writable, conn, fs))

    def _on_writable(self, conn, fs, _sock) -> None:
        try:
            sent = conn.sock.send(memoryview(conn.outbox)[:SEND_BYTES])
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._end_write(conn)
            self.nr_conns -= 1
            TConn.close(conn)
            return
        del conn.outbox[:sent]
        self.release(sent)
        conn.write_sent += sent
        conn.write_progress = time.monotonic()
        if not conn.outbox:
            self._end_write(conn)
            super().finish_request(conn, fs)  # keep alive (a blocking thread read next) or close

    def _end_write(self, conn) -> None:
        self.poller.unregister(conn.sock)
        self.writing_conns.remove(conn)
        self._drop_outbox(conn)

    def _drop_outbox(self, conn) -> None:
        pending = getattr(conn, "outbox", None)
        if pending:
            self.release(len(pending))
        conn.outbox = None

    def _write_expired(self, conn, now: float) -> bool:
        if now - conn.write_progress > SEND_TIMEOUT:
            return True
        allowed = SEND_TIMEOUT + conn.write_size / MIN_SEND_RATE
        return now - conn.write_started > allowed

    def _plain_http1(self, conn) -> bool:
        return not self.cfg.is_ssl and not conn.is_http2 and \
            not negotiation.prior_knowledge_allowed(self.cfg, conn.client)

    def murder_pending(self):
        """Also drop the readers too slow for their answer."""
        super().murder_pending()
        now = time.monotonic()
        for conn in [c for c in self.writing_conns if self._write_expired(c, now)]:
            self._end_write(conn)
            self.nr_conns -= 1
            TConn.close(conn)
