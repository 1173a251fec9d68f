"""Direct lines to the replicas: a round of the fan-out over one TCP connection, not a Ray call.

A Ray call to a warm actor costs ~1.1 ms of wall time (0.6-0.8 ms of the caller's CPU,
0.5-0.6 of the actor's) whatever it carries (docs/scaling.md, Ray part 4, sixth pass): for
a 2-shard search a fifth of one index's whole search. So a replica also listens on a socket
of its node (``serve``: the address Ray knows the node by, 127.0.0.1 for ``make cluster``)
behind a random key it gives out only through a Ray call (``ray_replica.ShardReplica.line``),
checked with ``multiprocessing.connection``'s HMAC challenge: only a process that may call
the actor (that joined the cluster, with its token) can talk on the line. A round trip on
one machine is ~15 us. Ray still starts, names, restarts and finds the replicas, and carries
a round while a line cannot (not open yet, the replica restarted; a round whose line breaks
goes to the group's other replica: ``ray_shards``).

    serve(answer, host)          in the replica: listen; return (address, key)
    Lines(ray).line(handle, actor)   in the worker: this thread's line to a replica, or None
    Line.open(address, key)      connect (``Lines`` does, when the replica's address is in)
    line.send(asked) / line.receive(deadline)   one round: the answer's bytes, or raise

On the line a request is ``pickle((snapshot_id, method, asked))`` and an answer one byte
(0: answered, 1: the shard raised) and the pickled answers (``ShardReplica.call``'s bytes)
or exception.
"""
from __future__ import annotations

import pickle
import secrets
import socket
import struct
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import (AuthenticationError, Connection, Listener,
                                        answer_challenge, deliver_challenge)

from index.errors import Deadline

HANDSHAKE = 2.0  # seconds a peer has to answer the key's challenge
OK, RAISED = b"\0", b"\1"


class LineBroken(Exception):
    """The line cannot carry this round (closed, reset, unreadable): ask through Ray."""


def serve(answer: Callable[[str, str, list], bytes], host: str) -> tuple[tuple[str, int], bytes]:
    """Listen on ``host`` (any free port) for lines; each connection that proves it holds
    the key gets a thread answering its rounds with ``answer(snapshot_id, method, asked)``.
    Return the address and the key."""
    key = secrets.token_bytes(32)
    listener = Listener((host, 0), family="AF_INET")  # the challenge runs in each thread

    def accept() -> None:
        while True:
            try:
                conn = listener.accept()
            except OSError:  # out of descriptors, a reset mid-accept: wait, do not spin
                time.sleep(0.05)
                continue
            threading.Thread(target=_answer_line, args=(conn, key, answer), daemon=True,
                             name="shard-line").start()
    threading.Thread(target=accept, daemon=True, name="shard-lines").start()
    return listener.address, key


def _answer_line(conn: Connection, key: bytes, answer: Callable) -> None:
    with conn:
        try:
            _receive_timeout(conn, HANDSHAKE)
            deliver_challenge(conn, key)
            answer_challenge(conn, key)
            _receive_timeout(conn, 0)
        except (AuthenticationError, OSError, EOFError):
            return  # not one of ours, or gone
        while True:
            try:
                asked = conn.recv_bytes()
            except (EOFError, OSError):
                return
            try:
                reply = OK + answer(*pickle.loads(asked))
            except Exception as exc:  # the shard's own error: raised in the worker
                reply = RAISED + _pickled(exc)
            try:
                conn.send_bytes(reply)
            except OSError:
                return


def _pickled(exc: Exception) -> bytes:
    try:
        pickle.loads(found := pickle.dumps(exc, protocol=pickle.HIGHEST_PROTOCOL))
        return found
    except Exception:  # an exception that does not travel: its message does
        return pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}"))


def _receive_timeout(conn: Connection, seconds: float) -> None:
    """Make a blocked read of ``conn`` fail after ``seconds`` (0: never); send without
    waiting (no Nagle: a message over 16 kB goes as two writes, and the second waited for
    the first's delayed ACK, 40 ms)."""
    sock = socket.socket(fileno=conn.fileno())  # the same socket, not closed here
    try:
        whole = int(seconds)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                        struct.pack("ll", whole, int((seconds - whole) * 1e6)))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    finally:
        sock.detach()


class Line:
    """One connection to a replica's ``serve``: one round at a time (a line per thread)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.waiting = False  # a round sent, its answer not read yet

    @classmethod
    def open(cls, address: tuple[str, int], key: bytes) -> Line:
        """Connect and prove the key (within ``HANDSHAKE`` seconds); raise LineBroken."""
        try:
            sock = socket.create_connection(tuple(address), timeout=HANDSHAKE)
            sock.settimeout(None)  # blocking, as ``Connection`` reads it
            conn = Connection(sock.detach())
            try:
                _receive_timeout(conn, HANDSHAKE)
                answer_challenge(conn, key)
                deliver_challenge(conn, key)
                _receive_timeout(conn, 0)
            except BaseException:
                conn.close()
                raise
        except (AuthenticationError, OSError, EOFError) as exc:
            raise LineBroken(f"cannot open a line to {address}: {exc}") from None
        return cls(conn)

    def send(self, snapshot_id: str, method: str, asked: list) -> None:
        try:
            self.conn.send_bytes(pickle.dumps((snapshot_id, method, asked),
                                              protocol=pickle.HIGHEST_PROTOCOL))
            self.waiting = True
        except OSError as exc:
            self.close()
            raise LineBroken(str(exc)) from None

    def receive(self, deadline: Deadline) -> bytes | None:
        """Return the answer's bytes (``ShardReplica.call``'s); None when none came within
        the deadline (the line is closed: its answer would come to the next round); raise
        the shard's own error, or LineBroken."""
        try:
            if not self.conn.poll(max(0.0, deadline.left())):
                self.close()
                return None
            reply = self.conn.recv_bytes()
        except (EOFError, OSError) as exc:
            self.close()
            raise LineBroken(str(exc) or type(exc).__name__) from None
        self.waiting = False
        if reply[:1] == OK:
            return reply[1:]
        try:
            exc = pickle.loads(reply[1:])
        except Exception as err:
            raise LineBroken(f"unreadable error: {err}") from None
        raise exc

    @property
    def closed(self) -> bool:
        return self.conn.closed

    def close(self) -> None:
        if not self.conn.closed:
            self.conn.close()

    def abandon(self) -> None:
        """Close the line if a round's answer is still to come: it would be read as the
        next round's (a search that stopped before reading it: another shard's error)."""
        if self.waiting:
            self.close()


class Lines:
    """This process's lines to the replicas: one a replica and thread (a line carries one
    round at a time), opened once the replica's address, asked through Ray, is in."""

    def __init__(self, ray, down_for: float) -> None:
        self.ray = ray
        self.down_for = down_for
        self.held = threading.local()  # per thread: replica → its Line, or its address asked
        self.opened: list[Line] = []
        self.refused: dict = {}  # replica → until when its rounds go through Ray

    def line(self, handle, actor) -> Line | None:
        """Return this thread's line to the replica ``handle`` (``actor``: its id); None
        while its address is asked (Ray carries the rounds meanwhile) or when it gives none
        (an older replica, a restarting or unreachable one: asked again ``down_for`` later)."""
        held, now = self.held.__dict__.setdefault("lines", {}), time.monotonic()
        found = held.get(actor)
        if isinstance(found, Line) and not found.closed:
            return found
        if self.refused.get(actor, 0.0) > now:
            return None
        try:
            if found is None or isinstance(found, Line):  # none yet, or closed: ask
                held[actor] = found = handle.line.remote()
            if not self.ray.wait([found], timeout=0)[0]:
                return None
            line = held[actor] = Line.open(*self.ray.get(found))
        except Exception:  # noqa: BLE001 - whatever it is, Ray carries the rounds meanwhile
            held.pop(actor, None)
            self.refused[actor] = now + self.down_for
            return None
        self.opened = [o for o in self.opened if not o.closed] + [line]
        return line

    def close(self) -> None:
        for line in self.opened:
            line.close()
        self.opened = []
