"""Politeness: a per-host delay and concurrency limit, and robots.txt cached per host.

robots.txt rules (as Google documents them): unreachable => allow, 4xx => allow, 5xx (and 429) => disallow.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

logger = logging.getLogger(__name__)

MAX_CRAWL_DELAY = 10.0  # a robots.txt Crawl-delay longer than this is capped


class HostLimiter:
    """At most ``concurrency`` requests at once per host, starting at least ``delay`` seconds apart."""

    def __init__(self, delay: float, concurrency: int) -> None:
        self.delay = delay
        self.concurrency = max(1, concurrency)
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next_start: dict[str, float] = {}

    @contextmanager
    def slot(self, host: str, *, extra_delay: float | None = None) -> Iterator[None]:
        with self._lock:
            sem = self._slots.setdefault(host, threading.Semaphore(self.concurrency))
        with sem:
            delay = max(self.delay, min(extra_delay or 0.0, MAX_CRAWL_DELAY))
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start.get(host, now))
                self._next_start[host] = start + delay
            if start > now:
                time.sleep(start - now)
            yield


class RobotsCache:
    """robots.txt per scheme+host, fetched once through ``get`` (url -> (status or None, body))."""

    def __init__(self, get: Callable[[str], tuple[int | None, bytes]], user_agent: str) -> None:
        self._get = get
        self.agent = user_agent.split("/")[0].strip() or "*"
        self._lock = threading.Lock()
        self._host_locks: dict[str, threading.Lock] = {}
        self._parsers: dict[str, RobotFileParser] = {}

    def allowed(self, url: str) -> bool:
        return self._parser(url).can_fetch(self.agent, url)

    def crawl_delay(self, url: str) -> float | None:
        """The Crawl-delay of an already-read robots.txt (never fetches)."""
        parser = self._parsers.get(_origin(url))
        if parser is None:
            return None
        value = parser.crawl_delay(self.agent)
        return float(value) if value is not None else None

    def _parser(self, url: str) -> RobotFileParser:
        origin = _origin(url)
        with self._lock:
            host_lock = self._host_locks.setdefault(origin, threading.Lock())
        with host_lock:
            if origin not in self._parsers:
                self._parsers[origin] = self._read(origin + "/robots.txt")
            return self._parsers[origin]

    def _read(self, robots_url: str) -> RobotFileParser:
        parser = RobotFileParser(robots_url)
        status, body = self._get(robots_url)
        if status is None or 400 <= status < 500 and status != 429:
            parser.allow_all = True  # type: ignore[attr-defined]
        elif status >= 500 or status == 429:
            logger.warning("robots.txt at %s answered %d: the host is treated as disallowed", robots_url, status)
            parser.disallow_all = True  # type: ignore[attr-defined]
        else:
            parser.parse(body.decode("utf-8", errors="replace").splitlines())
        parser.modified()
        return parser


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
