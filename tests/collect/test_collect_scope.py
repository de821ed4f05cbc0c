"""`opentide collect` from the command line, against a real loopback site: what each form of the command fetches
(URLs, --source NAME, every source), the kind and site it records, and an unknown source name."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from httpsite import TestSite, pages_from_shared, rss

from pipeline.cli import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, main
from pipeline.collect import collect as collect_urls
from pipeline.store import Store

PDF = "corpus/ntia_open_weights_rfc_comments/docs/NTIA-2023-0009-0001_RFC.pdf"
FAST = """[collect]
timeout_connect = 1.0
timeout_total = 1.5
retries = 0
per_host_delay = 0.0
per_host_concurrency = 4
"""


def workspace_with(tmp_path: Path, text: str = "") -> Path:
    (tmp_path / "opentide.toml").write_text(FAST + text, encoding="utf-8")
    return tmp_path


def collect(workspace: Path, *args: str) -> int:
    return main(["collect", *args, "-w", str(workspace), "--no-progress"])


def documents(workspace: Path) -> dict[str, tuple[str | None, str | None, str | None]]:
    """url -> (kind, source, site) of each stored document."""
    with Store(workspace / "corpus" / "opentide.sqlite") as store:
        return {d.url or "": (d.kind, d.source, d.site) for d in store.iter_documents()}


def serve_pages(site: TestSite, shared: Path, n: int) -> list[str]:
    return [site.add(f"/news/{slug}", page) for slug, _, page in pages_from_shared(shared, n)]


def test_kind_defaults_to_the_ingest_default_kind(site: TestSite, shared: Path, tmp_path: Path) -> None:
    a, b, c = serve_pages(site, shared, 3)
    sources = f'[[sources]]\nname = "wh"\nurl = "{c}"\n'
    ws = workspace_with(tmp_path, f'[ingest]\ndefault_kind = "statement"\n{sources}')
    assert collect(ws, a) == EXIT_OK
    assert collect(ws, b, "--kind", "op-ed") == EXIT_OK
    assert collect(ws, "--source", "wh") == EXIT_OK
    assert documents(ws) == {a: ("statement", None, "The White House"), b: ("op-ed", None, "The White House"),
                             c: ("statement", "wh", "The White House")}  # fmt: skip


def test_pages_and_pdfs_without_a_site_name_get_the_same_host(site: TestSite, shared: Path, tmp_path: Path) -> None:
    _, _, page = pages_from_shared(shared, 1)[0]
    page = page.replace('<meta property="og:site_name" content="The White House">', "")
    page = page.replace(" | The White House</title>", "</title>").replace('"The White House"', '"Staff"')
    html = site.add("/unnamed", page)
    pdf = site.add("/rfc.pdf", (shared / PDF).read_bytes(), content_type="application/pdf")
    ws = workspace_with(tmp_path)
    assert collect(ws, html, pdf) == EXIT_OK
    found = documents(ws)
    assert found[html][2] == found[pdf][2] == "127.0.0.1", found


def test_each_form_of_collect_fetches_only_its_own_urls(
    site: TestSite, shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    a, b, wh_page, other_page = serve_pages(site, shared, 4)
    feed = site.add("/feed.xml", rss(site.base, [(wh_page.removeprefix(site.base), "A statement")]),
                    content_type="application/rss+xml")  # fmt: skip
    bad = site.url("/gone")
    sources = f'[[sources]]\nname = "wh"\nurl = "{feed}"\n[[sources]]\nname = "other"\nurl = "{other_page}"\n'
    ws = workspace_with(tmp_path, sources)

    assert collect(ws, a, bad) == EXIT_PARTIAL  # the bad URL is recorded as failed, once
    assert "failed 1" in capsys.readouterr().out
    assert collect(ws, b) == EXIT_OK  # only b: neither a nor the old failure again
    assert "failed 0" in capsys.readouterr().out
    assert (site.hits["/gone"], site.hits[a.removeprefix(site.base)]) == (1, 1)

    assert collect(ws, "--source", "wh") == EXIT_OK  # the feed and what it lists, nothing else
    assert "failed 0" in capsys.readouterr().out
    assert site.hits["/feed.xml"] == 1 and site.hits[wh_page.removeprefix(site.base)] == 1
    assert site.hits[other_page.removeprefix(site.base)] == 0 and site.hits["/gone"] == 1
    assert collect(ws, feed) == EXIT_OK  # the feed given as a URL: re-checked, and the page it lists
    assert site.conditional["/feed.xml"] == 1 and site.conditional[wh_page.removeprefix(site.base)] == 1

    assert collect(ws) == EXIT_PARTIAL  # every source, and the daily re-check of everything known
    assert "failed 1" in capsys.readouterr().out
    assert site.hits[other_page.removeprefix(site.base)] == 1 and site.hits["/gone"] == 2
    assert all(site.hits[u.removeprefix(site.base)] == 2 for u in (a, b))
    assert set(documents(ws)) == {a, b, wh_page, other_page}


def test_an_unknown_source_is_named_with_the_configured_ones(
    site: TestSite, shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (page,) = serve_pages(site, shared, 1)
    ws = workspace_with(tmp_path, f'[[sources]]\nname = "wh"\nurl = "{page}"\n[[sources]]\nname = "ntia"\n'
                                  f'url = "{page}?b"\n')  # fmt: skip
    assert collect(ws, "--source", "nosuch") == EXIT_ERROR
    err = capsys.readouterr().err.strip()
    assert "'nosuch'" in err and "configured: wh, ntia" in err and "\n" not in err, err
    assert sum(site.hits.values()) == 0
    assert collect(workspace_with(tmp_path), "--source", "wh") == EXIT_ERROR  # no sources at all
    assert "configured: none" in capsys.readouterr().err


def test_a_feed_not_modified_without_its_snapshot_is_no_failure(
    site: TestSite, store: Store, shared: Path, tmp_path: Path, fast_settings: dict[str, Any]
) -> None:
    (page,) = serve_pages(site, shared, 1)
    feed = site.add("/feed.xml", rss(site.base, [(page.removeprefix(site.base), "A statement")]),
                    content_type="application/rss+xml")  # fmt: skip
    raw = tmp_path / "raw"
    assert collect_urls(store, urls=[feed], settings=fast_settings, raw_dir=raw, progress=False).new == 1
    shutil.rmtree(raw)  # the archived feed is gone: its 304 lists nothing, and says so in the log
    again = collect_urls(store, urls=[feed], settings=fast_settings, raw_dir=raw, progress=False)
    assert (again.failed, again.not_modified, again.fetched) == (0, 1, 0)
    assert site.hits[page.removeprefix(site.base)] == 1


def test_a_sources_max_items_bounds_what_its_feed_adds_per_run(site: TestSite, shared: Path, tmp_path: Path) -> None:
    """A feed of five items with ``max_items = 2``: its first two (a feed's newest) are fetched, the rest not;
    the same feed given as a URL, with no source to bound it, brings them all."""
    pages = serve_pages(site, shared, 5)
    items = [(p.removeprefix(site.base), f"Item {i}") for i, p in enumerate(pages)]
    feed = site.add("/feed.xml", rss(site.base, items), content_type="application/rss+xml")
    ws = workspace_with(tmp_path, f'[[sources]]\nname = "wh"\nurl = "{feed}"\nmax_items = 2\n')
    assert collect(ws) == EXIT_OK
    assert set(documents(ws)) == set(pages[:2])
    assert [site.hits[p.removeprefix(site.base)] for p in pages] == [1, 1, 0, 0, 0]
    assert collect(ws, feed) == EXIT_OK
    assert set(documents(ws)) == set(pages)
