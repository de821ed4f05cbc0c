"""Every fault of a hostile site is recorded per URL with its reason; the crawl goes on and stores the rest."""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from httpsite import Route, TestSite, gzip_bomb, pages_from_shared

from pipeline.collect import collect
from pipeline.collect.fetch import Fetcher, FetchOptions
from pipeline.errors import InputRejected
from pipeline.store import Store

XXE = b"""<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>&xxe;</title><item><link>http://127.0.0.1:1/x</link></item></channel></rss>"""
BROKEN_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage"
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<urlset><url><loc>&lol2;</loc></url></urlset>"""


def hostile_site(site: TestSite, shared: Path) -> dict[str, str]:
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
        "slow": site.add("/slow", pages[2][2], delay=3.0),
        "big": site.add("/big", lambda: (b"<p>" + b"a" * 65536 + b"</p>" for _ in range(2000))),
        "bomb": site.add("/bomb", gzip_bomb(20), headers={"Content-Encoding": "gzip"}),
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


def test_hostile_site_faults_are_recorded_and_the_rest_is_stored(
    site: TestSite, store: Store, shared: Path, tmp_path: Path, fast_settings: dict[str, Any]
) -> None:
    urls = hostile_site(site, shared)
    settings = {**fast_settings, "max_bytes": 1_000_000}
    start = time.monotonic()
    report = collect(store, urls=list(urls.values()), settings=settings, raw_dir=tmp_path / "r", progress=False)
    assert time.monotonic() - start < 20
    stored = {row["location"] for row in store.query("SELECT location FROM locations")}
    assert stored == {urls["ok"], urls["busy"]}  # the 429 page is stored after its retry
    assert site.hits["/busy"] == 2 and site.hits["/private/secret"] == 0
    codes = {row["location"]: row["code"] for row in store.rejections()}
    expected = {
        "private": "disallowed", "slow": "timeout", "big": "too_large", "bomb": "too_large",
        "loop": "redirect_loop", "binary": "binary", "empty": "empty", "blank": "empty",
        "bad_feed": "malformed", "xxe": "unsafe_xml", "laughs": "unsafe_xml", "bad_pdf": "unparseable",
        "image": "content_type", "missing": "http_404",
    }  # fmt: skip
    assert {k: codes.get(urls[k]) for k in expected} == expected
    assert report.failed == len(expected) - 1 and report.disallowed == 1 and report.exit_code == 1
    again = collect(store, urls=list(urls.values()), settings=settings, raw_dir=tmp_path / "r", progress=False)
    assert again.new == 0 and store.count("documents") == 2


def test_gzip_bomb_is_cut_off_without_taking_memory(site: TestSite) -> None:
    url = site.add("/bomb", gzip_bomb(200), headers={"Content-Encoding": "gzip"})  # 200 MB of zeros
    fetcher = Fetcher(FetchOptions(max_bytes=5_000_000, obey_robots=False, per_host_delay=0))
    tracemalloc.start()
    with pytest.raises(InputRejected) as err:
        fetcher.fetch(url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert err.value.code == "too_large" and peak < 30_000_000


def test_retry_after_is_honoured_and_capped(site: TestSite) -> None:
    site.add("/always-busy", b"busy", status=503, headers={"Retry-After": "3600"})
    fetcher = Fetcher(FetchOptions(retries=2, max_retry_after=0.3, per_host_delay=0, obey_robots=False))
    start = time.monotonic()
    with pytest.raises(InputRejected) as err:
        fetcher.fetch(site.url("/always-busy"))
    assert err.value.code == "http_503" and 0.5 < time.monotonic() - start < 3
    assert site.hits["/always-busy"] == 3


def test_robots_5xx_disallows_and_4xx_allows(site: TestSite) -> None:
    page = site.add("/page", "<html><body><p>" + "text " * 50 + "</p></body></html>")
    fetcher = Fetcher(FetchOptions(retries=0, per_host_delay=0))
    assert fetcher.fetch(page).status == 200  # no robots.txt (404): allowed
    site.add("/robots.txt", b"down", status=500)
    with pytest.raises(InputRejected) as err:
        Fetcher(FetchOptions(retries=0, per_host_delay=0)).fetch(page)
    assert err.value.code == "disallowed"


def test_user_agent_and_per_host_delay(site: TestSite) -> None:
    seen: list[tuple[str, float]] = []

    def record(handler: Any, route: Route) -> bool:
        seen.append((handler.headers.get("User-Agent"), time.monotonic()))
        return False

    url = site.add("/p", b"<p>x</p>", handler=record)
    fetcher = Fetcher(FetchOptions(user_agent="opentide-test/1", per_host_delay=0.3, obey_robots=False))
    for _ in range(3):
        fetcher.fetch(url)
    assert {ua for ua, _ in seen} == {"opentide-test/1"}
    assert all(b - a >= 0.28 for (_, a), (_, b) in zip(seen, seen[1:]))
