"""How politely and how far `collect` fetches (kept apart from fetch.py so that the command line
can show the defaults without importing requests)."""
from __future__ import annotations

from dataclasses import dataclass

from analysis.limits import MB


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and how far to fetch. Between two requests to one host: `delay` seconds (or
    the host's robots.txt Crawl-delay, up to `max_wait`); a retry waits 2, 4, ... x `delay`, or
    what Retry-After asks when that is at most `max_wait`."""

    delay: float = 1.0
    timeout: float = 10.0  # seconds to connect, and between two bytes of the answer
    max_bytes: int = 5 * MB
    attempts: int = 3
    max_wait: float = 60.0
