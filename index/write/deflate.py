"""``zlib.compress(data, level)``, byte for byte, without a new deflate state each call.

A segment's posting blocks and stored fields are compressed one small value at a time
(about 2 a document). ``zlib.compress`` sets up a deflate state for each (``deflateInit2``:
four 64 KB buffers allocated, then freed, which glibc often hands back to the system, so the
next call faults its pages in again) and that set-up, not the compressing, was most of its
~40 µs a call in a build. ``Deflater`` keeps one state and resets it (``deflateReset``: the
state as ``deflateInit2`` leaves it) through ctypes, on the same ``libz`` the ``zlib`` module
uses, with the same parameters (window 15 bits, memory level 8, default strategy), so the
output is the same bytes; a probe at start-up checks that, and without the library, or if
the probe differs, ``compress`` is ``zlib.compress`` itself.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import zlib

_FINISH, _STREAM_END = 4, 1  # Z_FINISH, Z_STREAM_END
_PROBE = b"the same bytes as zlib.compress " * 20 + bytes(range(256))


class _Stream(ctypes.Structure):  # z_stream, zlib.h
    _fields_ = [("next_in", ctypes.c_char_p), ("avail_in", ctypes.c_uint),
                ("total_in", ctypes.c_ulong), ("next_out", ctypes.c_void_p),
                ("avail_out", ctypes.c_uint), ("total_out", ctypes.c_ulong),
                ("msg", ctypes.c_char_p), ("state", ctypes.c_void_p),
                ("zalloc", ctypes.c_void_p), ("zfree", ctypes.c_void_p),
                ("opaque", ctypes.c_void_p), ("data_type", ctypes.c_int),
                ("adler", ctypes.c_ulong), ("reserved", ctypes.c_ulong)]


class Deflater:
    """``compress(data)`` == ``zlib.compress(data, level)``, one deflate state reused."""

    def __init__(self, level: int) -> None:
        self.level = level
        self.compress = self._zlib
        try:
            lib = ctypes.CDLL(ctypes.util.find_library("z") or "libz.so.1")
        except OSError:
            return
        self._lib, self._stream = lib, _Stream()
        self._ref = ctypes.byref(self._stream)
        lib.deflateBound.restype = ctypes.c_ulong
        if lib.deflateInit2_(self._ref, level, zlib.DEFLATED, zlib.MAX_WBITS, zlib.DEF_MEM_LEVEL,
                             zlib.Z_DEFAULT_STRATEGY, zlib.ZLIB_RUNTIME_VERSION.encode(),
                             ctypes.sizeof(_Stream)) != 0:
            return
        self._out = ctypes.create_string_buffer(1 << 16)
        if self._reused(_PROBE) == zlib.compress(_PROBE, level):
            self.compress = self._reused

    def _zlib(self, data: bytes) -> bytes:
        return zlib.compress(data, self.level)

    def _reused(self, data: bytes) -> bytes:
        stream, lib = self._stream, self._lib
        lib.deflateReset(self._ref)
        bound = lib.deflateBound(self._ref, len(data))
        if bound > len(self._out):
            self._out = ctypes.create_string_buffer(bound)
        stream.next_in, stream.avail_in = data, len(data)
        stream.next_out, stream.avail_out = ctypes.addressof(self._out), len(self._out)
        if lib.deflate(self._ref, _FINISH) != _STREAM_END:
            return zlib.compress(data, self.level)
        return ctypes.string_at(self._out, stream.total_out)

    def close(self) -> None:
        """Free the deflate state (``compress`` is ``zlib.compress`` after)."""
        if self.compress == self._reused:
            self.compress = self._zlib
            self._lib.deflateEnd(self._ref)

    __del__ = close
