"""The disk cache of `collect`: one file per address (named by its SHA-256), written atomically
(a temporary file renamed into place), so that a run killed half-way keeps every page it
finished and the next run asks the web only for what is missing. A file holds one JSON line
(address, content type, or the permanent failure) and then the page's bytes."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from analysis.collect.fetch import Fetched
from analysis.errors import FramingError


class PageCache:
    """Pages and permanent failures by address, under `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.folder / key[:2] / key

    def get(self, url: str) -> Fetched | None:
        """The cached answer for `url`, or None (never cached, or an entry that cannot be read:
        it is fetched again and overwritten)."""
        try:
            with self.path(url).open("rb") as fh:
                meta = json.loads(fh.readline())
                body = fh.read()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != url:
            return None
        return Fetched(url, body=body, content_type=str(meta.get("content_type", "")),
                       failure=str(meta.get("failure", "")), permanent=bool(meta.get("failure")))

    def put(self, page: Fetched) -> None:
        """Keep a page, or a permanent failure; a passing failure (5xx, timeout) is not kept."""
        if not page.ok and not page.permanent:
            return
        path = self.path(page.url)
        meta = {"url": page.url, "content_type": page.content_type}
        if page.failure:
            meta["failure"] = page.failure
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        except OSError as exc:
            raise FramingError(f"cannot write the page cache {self.folder} ({exc.strerror or exc})") from exc
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(json.dumps(meta).encode("utf-8") + b"\n")
                fh.write(page.body)
            os.replace(tmp, path)
        except OSError as exc:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise FramingError(f"cannot write the page cache {self.folder} ({exc.strerror or exc})") from exc
