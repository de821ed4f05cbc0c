"""Every fault of a hostile site is recorded per URL with its reason; the crawl goes on and stores the rest."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from httpsite import Route, TestSite, gzip_bomb, hostile_site

from pipeline.collect import collect
from pipeline.collect.fetch import Fetcher, FetchOptions
from pipeline.errors import InputRejected
from pipeline.store import Store


def test_hostile_site_faults_are_recorded_and_the_rest_is_stored(
    site: TestSite, store: Store, shared: Path, tmp_path: Path, fast_settings: dict[str, Any]
) -> None:
    urls = hostile_site(site, shared, stall=3.0, big_mb=128, bomb_mb=20)
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
    # arrival times at the server jitter under load; without the delay the gaps are milliseconds
    assert all(b - a >= 0.2 for (_, a), (_, b) in zip(seen, seen[1:]))


def test_a_host_that_cannot_be_reached_is_not_tried_again_in_the_run() -> None:
    """Offline, each URL of a feed would wait through the retries again: after one, the host counts as down."""
    fetcher = Fetcher(FetchOptions(retries=1, backoff=0.01, per_host_delay=0, obey_robots=False))
    with pytest.raises(InputRejected, match="cannot connect: ") as first:
        fetcher.fetch("http://127.0.0.1:9/feed.xml")
    with pytest.raises(InputRejected, match=r"\(not tried again in this run\)") as then:
        fetcher.fetch("http://127.0.0.1:9/item-1")
    assert first.value.code == then.value.code == "network"
    assert then.value.reason.startswith(first.value.reason)  # the real cause, not only "failed before"
