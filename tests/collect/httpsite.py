"""A real HTTP test site on 127.0.0.1: pages rendered from ../shared texts, feeds, sitemaps, robots.txt, a PDF,
and every fault the collector must survive."""

from __future__ import annotations

import gzip
import hashlib
import html
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

NAV = """<header><nav class="menu"><a href="/">Home</a> | <a href="/briefing-room/">Briefing Room</a> |
<a href="/issues/">Issues</a> | <a href="/about/">About</a> | <a href="/contact/">Contact us</a></nav></header>"""
FOOTER = """<aside class="related"><h3>Related</h3><ul><li><a href="/other/1">Another statement on trade policy
</a></li><li><a href="/other/2">Readout of a call with partners</a></li></ul></aside>
<footer><p>Subscribe to our newsletter for the latest updates.</p><p>Privacy Policy | Accessibility |
Copyright Policy</p></footer>"""


def read_markdown(path: Path) -> tuple[dict[str, str], str]:
    text = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    if text.startswith("---"):
        head, _, text = text[3:].partition("\n---")
        fields = yaml.safe_load(head) or {}
        meta = {str(k): str(v) for k, v in fields.items() if v not in (None, "")}
    return meta, text


def render_page(meta: dict[str, str], body: str, *, charset: str = "utf-8") -> str:
    """A news-like page: meta tags, navigation, the article paragraphs, related links and a footer."""
    paras = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"\n\s*\n", body)]
    paras = [html.escape(p) for p in paras if p]
    title = html.escape(meta.get("title", "Untitled"))
    date = meta.get("date", "")
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><title>{title} | The White House</title>
<meta property="og:title" content="{title}"><meta property="article:published_time" content="{date}">
<meta name="author" content="The White House"><meta property="og:site_name" content="The White House"></head>
<body>{NAV}<main><article><h1>{title}</h1><p class="date">{date}</p>
{"".join(f"<p>{p}</p>" for p in paras)}</article></main>{FOOTER}</body></html>"""


@dataclass
class Route:
    body: bytes | Callable[[], Iterable[bytes]] = b""
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    handler: Callable[[BaseHTTPRequestHandler, Route], bool] | None = None  # returns True when it answered


class TestSite:
    __test__ = False

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        self.conditional: Counter[str] = Counter()  # requests with If-None-Match / If-Modified-Since
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, body: bytes | str | Callable[[], Iterable[bytes]] = b"", **kw: object) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **kw)  # type: ignore[arg-type]
        return self.url(path)

    def start(self) -> TestSite:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                path = self.path.split("?")[0]
                site.hits[path] += 1
                if self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"):
                    site.conditional[path] += 1
                route = site.routes.get(path)
                try:
                    self._answer(route)
                except OSError:  # the client gave up (timeouts, size caps): expected here
                    self.close_connection = True

            def _answer(self, route: Route | None) -> None:
                if route is None:
                    return self._send(404, {"Content-Type": "text/html"}, b"<html><body>Not found</body></html>")
                if route.delay:
                    time.sleep(route.delay)
                if route.handler is not None and route.handler(self, route):
                    return None
                headers = {"Content-Type": route.content_type, **route.headers}
                if callable(route.body):
                    self.send_response(route.status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for chunk in route.body():
                        self.wfile.write(chunk)
                    return None
                if route.status == 200 and "ETag" not in headers:
                    headers["ETag"] = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
                    if self.headers.get("If-None-Match") == headers["ETag"]:
                        return self._send(304, {"ETag": headers["ETag"]}, b"")
                return self._send(route.status, headers, route.body)

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


def gzip_bomb(megabytes: int) -> bytes:
    """``megabytes`` MB of zeros, gzip-compressed (about a thousandth of the size)."""
    zeros = b"\0" * (1 << 20)
    buf = gzip.compress(b"".join([zeros] * megabytes), compresslevel=9)
    return buf


def pages_from_shared(shared: Path, n: int) -> list[tuple[str, dict[str, str], str]]:
    """``n`` White House briefing-room texts as (slug, front matter, rendered HTML)."""
    files = sorted((shared / "corpus" / "whitehouse_briefing_room").rglob("*.md"))[:n]
    out = []
    for path in files:
        meta, body = read_markdown(path)
        out.append((path.stem, meta, render_page(meta, body)))
    return out


def rss(base: str, items: Iterable[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{base}{p}</link>"
        f"<pubDate>Mon, 06 Jan 2025 10:00:00 GMT</pubDate></item>"
        for p, t in items
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{entries}</channel></rss>'


def urlset(base: str, paths: Iterable[str]) -> str:
    locs = "".join(f"<url><loc>{base}{p}</loc></url>" for p in paths)
    return f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'


def sitemap_index(base: str, paths: Iterable[str]) -> str:
    locs = "".join(f"<sitemap><loc>{base}{p}</loc></sitemap>" for p in paths)
    return (
        f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</sitemapindex>'
    )


XXE = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title><item><link>http://127.0.0.1:1/x</link></item></channel></rss>"""
BROKEN_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage"
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<urlset><url><loc>&lol2;</loc></url></urlset>"""


def hostile_site(site: TestSite, shared: Path, *, stall: float, big_mb: int, bomb_mb: int) -> dict[str, str]:
    """Every fault the collector must survive, by name -> URL: a ``stall``-second wait, a ``big_mb`` MB page, a
    ``bomb_mb`` MB gzip bomb, a redirect loop, a robots-disallowed page, XXE and entity-expansion XML, a 429
    that answers after its Retry-After, binary, empty and unparseable bodies. Two pages (ok, busy) are good."""
    pages = pages_from_shared(shared, 3)

    def busy_then_ok(handler: Any, route: Route) -> bool:  # 429 with Retry-After first, the page after
        if site.hits["/busy"] == 1:
            handler._send(429, {"Retry-After": "1", "Content-Type": "text/plain"}, b"slow down")
            return True
        return False

    urls = {
        "ok": site.add("/ok", pages[0][2]),
        "busy": site.add("/busy", pages[1][2], handler=busy_then_ok),
        "private": site.add("/private/secret", pages[2][2]),
        "slow": site.add("/slow", pages[2][2], delay=stall),
        "big": site.add("/big", lambda: (b"<p>" + b"a" * 65536 + b"</p>" for _ in range(16 * big_mb))),
        "bomb": site.add("/bomb", gzip_bomb(bomb_mb), headers={"Content-Encoding": "gzip"}),
        "loop": site.add("/loop-a", status=302, headers={"Location": "/loop-b"}),
        "binary": site.add("/binary", os.urandom(50_000)),
        "empty": site.add("/empty", b""),
        "blank": site.add("/blank", "<html><body><nav><a href='/'>Home</a></nav></body></html>"),
        "bad_feed": site.add("/bad-feed", b"<?xml version='1.0'?><rss><channel><item><link>http://x",
                             content_type="application/rss+xml"),
        "xxe": site.add("/xxe-feed", XXE, content_type="application/rss+xml"),
        "laughs": site.add("/laughs.xml", LAUGHS, content_type="application/xml"),
        "bad_pdf": site.add("/broken.pdf", BROKEN_PDF, content_type="application/pdf"),
        "image": site.add("/logo.png", b"\x89PNG\r\n\x1a\n" + os.urandom(2000), content_type="image/png"),
        "missing": site.url("/nowhere"),
    }  # fmt: skip
    site.add("/loop-b", status=302, headers={"Location": "/loop-a"})
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    return urls
