"""The HTTP client: timeouts, retries honouring Retry-After, redirect cap and loop detection, a size cap that
also holds for compressed bodies, politeness (robots.txt, per-host delay and concurrency).

It only fetches: it never parses pages, never writes files and never touches the store. Failures are raised
as :class:`~pipeline.errors.InputRejected` with a short ``code`` (``timeout``, ``too_large``, ``http_404``...).
"""

from __future__ import annotations

import email.utils
import logging
import time
import zlib
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3

from pipeline.collect.detect import content_type_allowed
from pipeline.collect.politeness import HostLimiter, RobotsCache
from pipeline.errors import InputRejected

logger = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class FetchOptions:
    """The ``[collect]`` keys the client uses (see ``default_settings.toml`` for their meaning)."""

    user_agent: str = "opentide/0.1 (research crawler)"
    timeout_connect: float = 10.0
    timeout_total: float = 30.0
    max_bytes: int = 15_000_000
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 60.0
    per_host_delay: float = 1.0
    per_host_concurrency: int = 1
    obey_robots: bool = True

    @classmethod
    def from_settings(cls, values: dict[str, Any]) -> FetchOptions:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})


@dataclass(frozen=True, slots=True)
class Response:
    url: str  # as requested
    final_url: str  # after redirects
    status: int  # 200 or 304
    headers: dict[str, str]  # lower-cased names
    body: bytes  # transfer-decoded (gzip/deflate undone), at most max_bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


def inflate(data: bytes, max_bytes: int, *, wbits: int = 47) -> bytes:
    """Decompress gzip/zlib ``data`` without ever holding more than ``max_bytes`` of output."""
    out = bytearray()
    dec = zlib.decompressobj(wbits)
    _feed(dec, data, out, max_bytes)
    return bytes(out)


def _feed(dec: Any, chunk: bytes, out: bytearray, max_bytes: int) -> None:
    data = dec.decompress(chunk, max_bytes + 1 - len(out))
    out += data
    while dec.unconsumed_tail and len(out) <= max_bytes:
        out += dec.decompress(dec.unconsumed_tail, max_bytes + 1 - len(out))
    if len(out) > max_bytes:
        raise InputRejected(f"decompressed body larger than {max_bytes} bytes", code="too_large")


class Fetcher:
    """A polite, bounded HTTP client; thread-safe (one instance is shared by the crawl's worker threads)."""

    def __init__(self, options: FetchOptions) -> None:
        self.options = options
        self.pool = urllib3.PoolManager(num_pools=64, maxsize=max(1, options.per_host_concurrency), block=False)
        self.limiter = HostLimiter(options.per_host_delay, options.per_host_concurrency)
        self.robots = RobotsCache(self._get_robots, options.user_agent)
        self.down: dict[str, str] = {}  # host -> why no connection could be made, after retries: not tried again

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """GET ``url`` following redirects; a 304 comes back as a Response with an empty body."""
        headers = {"User-Agent": self.options.user_agent, "Accept-Encoding": "gzip, deflate", "Accept": "*/*"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = {url}
        current = url
        for _ in range(self.options.max_redirects + 1):
            if self.options.obey_robots and not self.robots.allowed(current):
                raise InputRejected(f"disallowed by robots.txt: {current}", code="disallowed")
            status, resp_headers, body = self._request(current, headers)
            location = resp_headers.get("location")
            if status in REDIRECT_STATUSES and location:
                nxt = urljoin(current, location).split("#")[0]
                if nxt in seen:
                    raise InputRejected(f"redirect loop at {nxt}", code="redirect_loop")
                seen.add(nxt)
                current = nxt
                continue
            if status == 304:
                return Response(url, current, 304, resp_headers, b"")
            if status != 200:
                raise InputRejected(f"HTTP {status}", code=f"http_{status}")
            return Response(url, current, status, resp_headers, body)
        raise InputRejected(f"more than {self.options.max_redirects} redirects", code="too_many_redirects")

    # -- one request, with retries --------------------------------------------------------------------
    def _request(self, url: str, headers: dict[str, str], *, check_type: bool = True) -> tuple[int, dict, bytes]:
        opts = self.options
        host = urlsplit(url).netloc
        if host in self.down:  # offline, a feed's fifty items would each wait through the retries again
            raise InputRejected(f"cannot connect: {self.down[host]} (not tried again in this run)", code="network")
        for attempt in range(opts.retries + 1):
            wait = opts.backoff * (2**attempt)
            try:
                with self.limiter.slot(host, extra_delay=self.robots.crawl_delay(url)):
                    status, resp_headers, body = self._once(url, headers, check_type=check_type)
            except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.NewConnectionError) as err:
                if attempt == opts.retries:
                    self.down[host] = str(err)
                    raise InputRejected(f"cannot connect: {err}", code="network") from err
            except urllib3.exceptions.ReadTimeoutError as err:
                raise InputRejected(f"no answer within {opts.timeout_total} s", code="timeout") from err
            except (urllib3.exceptions.ProtocolError, urllib3.exceptions.HTTPError) as err:
                if attempt == opts.retries:
                    raise InputRejected(f"network error: {err}", code="network") from err
            else:
                if status not in RETRY_STATUSES or attempt == opts.retries:
                    return status, resp_headers, body
                after = _retry_after(resp_headers.get("retry-after"))
                if after is not None:
                    wait = after
                logger.info("HTTP %d from %s, retrying in %.1f s", status, url, min(wait, opts.max_retry_after))
            time.sleep(min(wait, opts.max_retry_after))
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, url: str, headers: dict[str, str], *, check_type: bool) -> tuple[int, dict, bytes]:
        opts = self.options
        deadline = time.monotonic() + opts.timeout_total
        timeout = urllib3.Timeout(connect=opts.timeout_connect, read=opts.timeout_total)
        r = self.pool.request(
            "GET", url, headers=headers, redirect=False, retries=False,
            preload_content=False, decode_content=False, timeout=timeout,
        )  # fmt: skip
        resp_headers = {k.lower(): v for k, v in r.headers.items()}
        try:
            if r.status != 200:
                r.close()  # error pages and redirects: their bodies are not wanted
                return r.status, resp_headers, b""
            ctype = resp_headers.get("content-type", "")
            if check_type and not content_type_allowed(ctype):
                raise InputRejected(f"content type {ctype!r} is not text, a feed or a PDF", code="content_type")
            length = resp_headers.get("content-length", "")
            if length.isdigit() and int(length) > opts.max_bytes:
                raise InputRejected(f"body of {length} bytes exceeds {opts.max_bytes}", code="too_large")
            body = self._read_body(r, resp_headers, deadline)
        except BaseException:
            r.close()  # never drain an oversized or stalled body
            raise
        r.release_conn()
        return r.status, resp_headers, body

    def _read_body(self, r: Any, headers: dict[str, str], deadline: float) -> bytes:
        cap = self.options.max_bytes
        encoding = headers.get("content-encoding", "").strip().lower()
        dec = zlib.decompressobj(47) if encoding in ("gzip", "x-gzip", "deflate") else None
        out = bytearray()
        raw = 0
        for chunk in r.stream(CHUNK, decode_content=False):
            if time.monotonic() > deadline:
                raise InputRejected(f"body not received within {self.options.timeout_total} s", code="timeout")
            raw += len(chunk)
            if raw > cap:
                raise InputRejected(f"body larger than {cap} bytes", code="too_large")
            if dec is None:
                out += chunk
            else:
                try:
                    _feed(dec, chunk, out, cap)
                except zlib.error as err:
                    raise InputRejected(f"corrupt {encoding} body: {err}", code="encoding") from err
        return bytes(out)

    def _get_robots(self, url: str) -> tuple[int | None, bytes]:
        """Fetch a robots.txt: (status, body); status None when the host cannot be reached."""
        headers = {"User-Agent": self.options.user_agent, "Accept-Encoding": "gzip, deflate"}
        current = url
        try:
            for _ in range(self.options.max_redirects + 1):
                status, resp_headers, body = self._request(current, headers, check_type=False)
                if status in REDIRECT_STATUSES and resp_headers.get("location"):
                    current = urljoin(current, resp_headers["location"])
                    continue
                return status, body
        except InputRejected as err:
            logger.info("robots.txt at %s unreachable (%s): allowing", url, err.reason)
        return None, b""

    def close(self) -> None:
        self.pool.clear()


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
