"""A gunicorn worker that reads whole requests before a thread serves them (issue 15).

gunicorn's ``gthread`` worker gives a connection to a pool thread as soon as its first byte
arrives; the thread then reads the rest of the request blocking. With one thread per worker
(search is CPU-bound), a client sending its headers one byte every two seconds held the
worker's only thread, and two such clients froze a two-worker service.

``BufferedThreadWorker`` keeps gthread's design (one event loop accepts and keeps connections
alive, a pool thread runs the app) but moves request reading into the event loop: a
connection is read without blocking, into a buffer, until its head (and a body of announced
length up to ``MAX_BUFFERED_BYTES``) is complete; only then does a thread get it, with the
bytes handed to gunicorn's parser as if just received. A client that has not sent a whole
head within ``HEAD_TIMEOUT`` seconds is disconnected. Slow clients then cost a socket and a
buffer each, never a thread; how many a worker holds is bounded by ``worker_connections``.

The other end too: gthread closes a ``Connection: close`` socket in its event loop by
waiting up to 2 s for the client to close its side, so clients that never close froze the
loop (ten of them made /health unanswerable). Here that lingering is a poller state with a
deadline.

And answers are written by the event loop (issue 26, ``outbox``).
TLS and HTTP/2 connections are left to gthread's own handling (TLS ends at the reverse proxy,
see the README's production section).
"""
from __future__ import annotations

import errno
import json
import os
import re
import selectors
import socket
import struct
import threading
import time
from collections import deque
from functools import partial

from gunicorn import util as gunicorn_util
from gunicorn.workers.gthread import TConn, ThreadWorker
from .outbox import SEND_TIMEOUT, OutboxWriting

HEAD_TIMEOUT = 10.0              # seconds a client has to send a whole request (GUNICORN_HEAD_TIMEOUT)
LINGER_SECONDS, LINGER_BYTES = 2.0, 65536  # after our FIN: how long and how much we read
MAX_BUFFERED_BYTES = 1024 * 1024  # past this the parser takes over (and refuses what is too big)
RECV_BYTES = 65536
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_LENGTH = re.compile(rb"(?im)^content-length[ \t]*:[ \t]*(\d{1,12})[ \t]*\r?$")
_CHUNKED = re.compile(rb"(?im)^transfer-encoding[ \t]*:.*chunked")
_EXPECT = re.compile(rb"(?im)^expect[ \t]*:[ \t]*100-continue[ \t]*\r?$")
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def expects_continue(data: bytes) -> bool:
    """Return True when ``data`` holds a whole head that asks for ``100 Continue``.

    >>> expects_continue(b"POST / HTTP/1.1\\r\\nExpect: 100-continue\\r\\nContent-Length: 9\\r\\n\\r\\n")
    True
    """
    end = _HEAD_END.search(data.lstrip(b"\r\n"))
    return end is not None and _EXPECT.search(data.lstrip(b"\r\n")[:end.start()]) is not None


def request_complete(data: bytes) -> bool:
    """Return True when ``data`` holds a whole request head and its announced body.

    >>> request_complete(b"GET / HTTP/1.1\\r\\nHost: a\\r\\n")
    False
    >>> request_complete(b"GET / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n")
    True
    >>> request_complete(b"POST / HTTP/1.1\\r\\nContent-Length: 4\\r\\n\\r\\nab")
    False
    >>> request_complete(b"POST / HTTP/1.1\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n2\\r\\nab\\r\\n0\\r\\n\\r\\n")
    True
    >>> request_complete(b"\\r\\n\\r\\nGET")  # blank lines before a request are no request
    False
    """
    data = data.lstrip(b"\r\n")
    end = _HEAD_END.search(data)
    if end is None:
        return len(data) >= MAX_BUFFERED_BYTES
    head, body = data[:end.start()], data[end.end():]
    if _CHUNKED.search(head):
        return body.endswith(b"0\r\n\r\n") or len(data) >= MAX_BUFFERED_BYTES
    length = _LENGTH.search(head)
    wanted = int(length.group(1)) if length else 0
    return len(body) >= wanted or len(data) >= MAX_BUFFERED_BYTES


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's own error answers (a request line over its limit: 414, bad headers: 400,
    431...) in the service's JSON error shape, not gunicorn's HTML page."""
    code = re.sub(r"[^a-z0-9]+", "_", reason.lower()).strip("_") or "error"
    message = (mesg or reason)[:200] if status_int < 500 else "internal error"
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    head = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nX-Content-Type-Options: nosniff\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode("latin-1")
    gunicorn_util.write_nonblock(sock, head + body)


gunicorn_util.write_error = write_json_error  # gunicorn's workers call util.write_error


class BufferedThreadWorker(OutboxWriting, ThreadWorker):
    """gthread with request reading and answer writing in the event loop, so slow clients
    never hold a thread."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reading_conns: deque = deque()
        self.lingering_conns: deque = deque()
        self.head_timeout = float(os.environ.get("GUNICORN_HEAD_TIMEOUT", HEAD_TIMEOUT))

    def enqueue_req(self, conn):
        """Read the request in the event loop first; hand it to a thread once complete."""
        if not self._plain_http1(conn):
            super().enqueue_req(conn)
            return
        if "close" not in vars(conn):  # first time: closing goes through the event loop
            conn.close = partial(self._close, conn)
        pending = conn.parser.unreader.take_buffered() if conn.parser is not None else b""
        conn.head_buffer = bytearray(pending)
        conn.continued = conn.cut_short = False
        if pending and request_complete(bytes(pending)):
            self._submit(conn)
            return
        conn.sock.setblocking(False)
        conn.head_deadline = time.monotonic() + self.head_timeout
        self.reading_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn, _sock) -> None:
        try:
            data = conn.sock.recv(RECV_BYTES)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR):
                return
            data = b""
        if not data:  # the client went away
            self._drop(conn)
            return
        conn.head_buffer += data
        received = bytes(conn.head_buffer)
        if request_complete(received):
            # Handed over at the buffer cap, the body may still be coming: that connection
            # is closed after its answer instead of drained by the thread (up to 5 s).
            conn.cut_short = len(received) >= MAX_BUFFERED_BYTES
            self._forget(conn)
            self._submit(conn)
        elif not conn.continued and expects_continue(received):
            # The client waits for this before it sends the body we wait for. gunicorn
            # sends another when the app runs: a client takes any number of 1xx answers.
            conn.continued = True
            try:
                conn.sock.send(CONTINUE)
            except OSError:
                self._drop(conn)

    def _forget(self, conn) -> None:
        self.poller.unregister(conn.sock)
        self.reading_conns.remove(conn)

    def _drop(self, conn) -> None:
        self._forget(conn)
        self.nr_conns -= 1
        conn.close()

    def _submit(self, conn) -> None:
        fs = self.tpool.submit(self._handle_buffered, conn)
        fs.add_done_callback(lambda fut: self.method_queue.defer(self.finish_request, conn, fut))

    def _handle_buffered(self, conn):
        """Runs in a pool thread: give the buffered bytes to gunicorn's parser, then serve."""
        conn.sock.setblocking(True)
        conn.init()
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", SEND_TIMEOUT, 0))
        if conn.head_buffer:
            conn.parser.unreader.unread(bytes(conn.head_buffer))
        conn.head_buffer = bytearray()
        conn.data_ready = True
        return self.handle(conn)

    def _keepalive_after(self, conn, keepalive):
        if getattr(conn, "cut_short", False):
            return False
        return super()._keepalive_after(conn, keepalive)

    def _close(self, conn, graceful: bool = False) -> None:
        """Close ``conn``; gracefully (FIN, then read what the client still sends, until it
        closes, LINGER_BYTES or LINGER_SECONDS) without blocking the event loop."""
        if not graceful:
            TConn.close(conn)
            return
        if threading.current_thread() is not threading.main_thread():
            self.method_queue.defer(self._close, conn, True)
            return
        try:
            conn.sock.shutdown(socket.SHUT_WR)
            conn.sock.setblocking(False)
        except OSError:
            TConn.close(conn)
            return
        conn.linger_deadline, conn.lingered = time.monotonic() + LINGER_SECONDS, 0
        self.lingering_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_linger, conn))

    def _on_linger(self, conn, _sock) -> None:
        try:
            data = conn.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        conn.lingered += len(data)
        if not data or conn.lingered >= LINGER_BYTES:
            self._end_linger(conn)

    def _end_linger(self, conn) -> None:
        self.poller.unregister(conn.sock)
        self.lingering_conns.remove(conn)
        TConn.close(conn)

    def murder_pending(self):
        """Also close the connections that did not send a whole head in time, end
        lingering closes past their deadline, and drop readers too slow for their answer."""
        super().murder_pending()  # OutboxWriting's: the readers too slow first
        now = time.monotonic()
        while self.reading_conns and self.reading_conns[0].head_deadline <= now:
            self._drop(self.reading_conns[0])
        while self.lingering_conns and self.lingering_conns[0].linger_deadline <= now:
            self._end_linger(self.lingering_conns[0])
