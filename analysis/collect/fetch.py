"""Polite fetching with `requests`: http(s) only, robots.txt read once per host (RFC 9309), a
pause between two requests to the same host, connect/read timeouts, retries with exponential
backoff on 429, 5xx and timeouts (Retry-After honoured up to a cap), a body streamed up to a
size limit, and a User-Agent naming the tool."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests
import urllib3

from analysis.collect.policy import FetchPolicy
from analysis.limits import MB, mb

ROBOTS_AGENT = "media-framing-collect"
USER_AGENT = f"{ROBOTS_AGENT}/1.0 (media-framing dashboard; research use; python-requests/{requests.__version__})"
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: parse at least 500 KiB
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
HTML_TYPES = ("html", "xml", "text/plain")
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^'\")\]]{1,80})")


@dataclass(frozen=True)
class Fetched:
    """What asking for one address gave: the page's bytes, or why there are none. A `permanent`
    failure (4xx, robots.txt, not a web page) will not change by asking again."""

    url: str
    body: bytes = b""
    content_type: str = ""
    failure: str = ""
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return not self.failure


class _TooLarge(Exception):
    pass


class Fetcher:
    """Fetches pages one at a time, keeping per-host state (robots rules, time of the last request)."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"})
        self.session.max_redirects = MAX_REDIRECTS
        self._robots: dict[str, RobotFileParser | str] = {}  # scheme://host -> rules, or why robots.txt could not be read
        self._last: dict[str, float] = {}  # host -> when its last answer ended (monotonic)

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------ one page

    def fetch(self, url: str) -> Fetched:
        """The page at `url` (an http/https address), or the reason it could not be had."""
        parts = urlsplit(url)
        host = parts.netloc.lower()
        rules = self._rules(f"{parts.scheme.lower()}://{host}", host)
        if isinstance(rules, str):
            return Fetched(url, failure=rules)
        if not rules.can_fetch(ROBOTS_AGENT, url):
            return Fetched(url, failure="disallowed by robots.txt", permanent=True)
        p = self.policy
        reason, pause = "", 0.0
        for attempt in range(1, p.attempts + 1):
            self._wait_turn(host, pause, rules)
            pause = min(p.delay * 2**attempt, p.max_wait)
            try:
                with self._get(url) as response:
                    status = response.status_code
                    if status in (408, 429) or status >= 500:
                        reason = f"HTTP {status}"
                        asked = _retry_after(response.headers.get("Retry-After"))
                        if asked is not None and asked > p.max_wait:
                            return Fetched(url, failure=f"HTTP {status}, asked to wait {asked:.0f} s (more than {p.max_wait:.0f} s)")
                        pause = pause if asked is None else asked
                        continue
                    if status >= 400:
                        return Fetched(url, failure=f"HTTP {status}", permanent=True)
                    ctype = response.headers.get("Content-Type", "")
                    if ctype and not any(t in ctype.lower() for t in HTML_TYPES):
                        return Fetched(url, failure=f"not a web page ({ctype.split(';')[0].strip()})", permanent=True)
                    return Fetched(url, body=self._body(response, p.max_bytes), content_type=ctype)
            except _TooLarge:
                return Fetched(url, failure=f"over the {_size(p.max_bytes)} limit")
            except (requests.Timeout, urllib3.exceptions.TimeoutError):
                reason = "timed out"
            except requests.TooManyRedirects:
                return Fetched(url, failure=f"more than {MAX_REDIRECTS} redirects", permanent=True)
            except (requests.exceptions.InvalidURL, requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema) as exc:
                return Fetched(url, failure=f"not a fetchable address ({_short(exc)})", permanent=True)
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                reason = f"connection failed ({_short(exc)})"
            finally:
                self._last[host] = time.monotonic()
        return Fetched(url, failure=f"{reason} after {p.attempts} attempts")

    def _get(self, url: str) -> requests.Response:
        t = self.policy.timeout
        return self.session.get(url, timeout=(t, t), stream=True, allow_redirects=True)

    @staticmethod
    def _body(response: requests.Response, limit: int) -> bytes:
        """The (decompressed) body, read in chunks; _TooLarge as soon as it passes `limit`."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _TooLarge
        parts, size = [], 0
        for chunk in response.raw.stream(CHUNK, decode_content=True):
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            parts.append(chunk)
        return b"".join(parts)

    def _wait_turn(self, host: str, pause: float = 0.0, rules: RobotFileParser | None = None) -> None:
        """Sleep until this host may be asked again: `pause` (a backoff), the delay, or the
        Crawl-delay of its robots.txt `rules` (up to max_wait) after its last answer, whichever
        is longest."""
        last = self._last.get(host)
        if last is None:
            return
        crawl_delay = float((rules.crawl_delay(ROBOTS_AGENT) if rules is not None else None) or 0)
        delay = max(pause, self.policy.delay, min(crawl_delay, self.policy.max_wait))
        wait = last + delay - time.monotonic()
        if wait > 0:
            time.sleep(wait)

    # ------------------------------------------------------------ robots.txt

    def _rules(self, origin: str, host: str) -> RobotFileParser | str:
        """The robots.txt rules of `origin` (scheme://host), fetched once. As RFC 9309 says: a 4xx
        answer means no rules (everything allowed); a 5xx answer or no answer means nothing may
        be fetched."""
        if origin in self._robots:
            return self._robots[origin]
        rules = RobotFileParser(f"{origin}/robots.txt")
        self._wait_turn(host)
        try:
            with self._get(rules.url) as response:
                if response.status_code >= 500:
                    found: RobotFileParser | str = f"robots.txt unreachable (HTTP {response.status_code}); not fetched"
                elif response.status_code >= 400:
                    rules.allow_all = True
                    found = rules
                else:
                    body = self._body(response, ROBOTS_MAX_BYTES)
                    rules.parse(body.decode("utf-8", errors="replace").splitlines())
                    found = rules
        except _TooLarge:
            found = f"robots.txt over {_size(ROBOTS_MAX_BYTES)}; not fetched"
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            found = f"robots.txt unreachable ({_short(exc)}); not fetched"
        finally:
            self._last[host] = time.monotonic()
        self._robots[origin] = found
        return found


def _size(n: int) -> str:
    return mb(n) if n >= MB else f"{n:,} bytes"


def _retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (a number or an HTTP date), None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _short(exc: Exception) -> str:
    """One short line for a requests/urllib3 exception (they nest long reprs): the system's
    reason ("Connection refused") when there is one, else the exception's name."""
    found = _ERRNO.search(str(exc))
    return found.group(1).strip() if found else type(exc).__name__
