"""Bounds on what one input file may cost: `Limits` (sizes, rows, errors, JSON depth) and the
bounded readers that enforce them while streaming, so that no check needs the data in memory
first (a gzip bomb, a 1.5 GB line, millions of bad rows, a deeply nested JSON line).
"""
from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, fields
from itertools import accumulate

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one file may cost. A document (.txt/.html) over `max_document_bytes` is refused; a
    data file (JSONL/CSV/Parquet) is read up to `max_data_bytes` of decompressed data, and, when
    compressed (.gz, Parquet), up to `max_ratio` times its size on disk (at least 1 MB); one
    line/row over `max_record_bytes` is skipped; reading stops after `max_rows` lines/rows or
    `max_errors` problems; a JSON line nested deeper than `max_depth` is refused.

    Override with FRAMING_MAX_DOCUMENT_MB / FRAMING_MAX_DATA_MB / FRAMING_MAX_RECORD_MB /
    FRAMING_MAX_ROWS / FRAMING_MAX_ERRORS / FRAMING_MAX_RATIO / FRAMING_MAX_DEPTH."""

    max_document_bytes: int = 20 * MB
    max_data_bytes: int = 512 * MB
    max_record_bytes: int = 20 * MB
    max_rows: int = 1_000_000
    max_errors: int = 100
    max_ratio: int = 100
    max_depth: int = 64

    @classmethod
    def from_env(cls) -> "Limits":
        def number(name: str, default: int, scale: int) -> int:
            value = os.environ.get(name)
            try:
                return max(1, int(float(value) * scale)) if value else default
            except ValueError:
                return default

        d = cls()
        env = {
            "max_document_bytes": ("FRAMING_MAX_DOCUMENT_MB", MB),
            "max_data_bytes": ("FRAMING_MAX_DATA_MB", MB),
            "max_record_bytes": ("FRAMING_MAX_RECORD_MB", MB),
            "max_rows": ("FRAMING_MAX_ROWS", 1),
            "max_errors": ("FRAMING_MAX_ERRORS", 1),
            "max_ratio": ("FRAMING_MAX_RATIO", 1),
            "max_depth": ("FRAMING_MAX_DEPTH", 1),
        }
        return cls(**{f.name: number(env[f.name][0], getattr(d, f.name), env[f.name][1]) for f in fields(cls)})

    def decompressed_budget(self, compressed_size: int) -> int:
        """Bytes a compressed file of this size may expand to."""
        return min(self.max_data_bytes, max(self.max_ratio * compressed_size, MB))


def mb(n: int) -> str:
    return f"{n / MB:.3g} MB"


class OverLimit(Exception):
    """Reading stopped at a limit; the message says which (one line)."""


class CappedReader(io.RawIOBase):
    """A binary stream that raises OverLimit once more than `budget` bytes were read through it
    (decompressed bytes, when it wraps a gzip stream), before handing them on."""

    def __init__(self, raw, budget: int, what: str) -> None:
        super().__init__()
        self._raw = raw
        self.budget = budget
        self.what = what
        self.total = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()

    def readinto(self, buffer) -> int:
        room = self.budget + 1 - self.total
        view = memoryview(buffer).cast("B")
        data = self._raw.read(min(len(view), max(room, 1)))
        n = len(data)
        self.total += n
        if self.total > self.budget:
            raise OverLimit(f"stopped: more than {mb(self.budget)} of {self.what}; the rest of the file was skipped")
        view[:n] = data
        return n


def bounded_lines(fh, limit: int, reduce=None):
    """(line, number of bytes, None) for each line of binary stream `fh`. A line longer than
    `limit` bytes is skipped up to its newline without being held in memory: (None, bytes,
    reduced), where `reduced` is `reduce` applied to each piece of it and joined (None without
    `reduce`, or when even that is over `limit`)."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit:
            yield line, len(line), None
            continue
        size = len(line)
        parts = [reduce(line)] if reduce else None
        kept = len(parts[0]) if parts else 0
        while not line.endswith(b"\n"):
            line = fh.readline(MB)
            if not line:
                break
            size += len(line)
            if parts is not None:
                parts.append(reduce(line))
                kept += len(parts[-1])
                if kept > limit:
                    parts = None
        yield None, size, (b"".join(parts) if parts is not None else None)


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth_over(line: str, max_depth: int) -> bool:
    """True when the JSON text nests arrays/objects deeper than `max_depth` (brackets inside
    strings do not count). Cheap: a line with few brackets is never scanned character by character."""
    if line.count("[") + line.count("{") <= max_depth:
        return False
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", line))
    if brackets.count("[") + brackets.count("{") <= max_depth:
        return False
    return max(accumulate(1 if c in "[{" else -1 for c in brackets), default=0) > max_depth
