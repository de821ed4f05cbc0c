"""End-to-end collection from a real loopback site: feeds, sitemaps (plain, gzipped, index), pages, a PDF."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
from httpsite import TestSite, pages_from_shared, render_page, rss, sitemap_index, urlset

from pipeline.collect import collect, reextract
from pipeline.store import Store

PDF = "corpus/ntia_open_weights_rfc_comments/docs/NTIA-2023-0009-0001_RFC.pdf"


def build_site(site: TestSite, shared: Path, n: int = 6) -> list[tuple[str, dict[str, str]]]:
    pages = pages_from_shared(shared, n)
    paths = []
    for slug, meta, page in pages:
        paths.append((f"/briefing-room/{slug}", meta))
        site.add(paths[-1][0], page)
    base = site.base
    half = len(paths) // 2
    site.add("/feed.xml", rss(base, [(p, m["title"]) for p, m in paths[:half]]),
             content_type="application/rss+xml")  # fmt: skip
    site.add("/sitemap-a.xml", urlset(base, [p for p, _ in paths[half:]]), content_type="text/xml")
    gz = gzip.compress(urlset(base, [p for p, _ in paths] + ["/docs/rfc.pdf"]).encode())
    site.add("/sitemap-b.xml.gz", gz, content_type="application/x-gzip")
    site.add("/sitemap.xml", sitemap_index(base, ["/sitemap-a.xml", "/sitemap-b.xml.gz"]),
             content_type="application/xml")  # fmt: skip
    site.add("/docs/rfc.pdf", (shared / PDF).read_bytes(), content_type="application/pdf")
    site.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    return paths


def test_collect_reads_feeds_sitemaps_pages_and_pdf(
    site: TestSite, store: Store, shared: Path, tmp_path: Path, fast_settings: dict[str, Any]
) -> None:
    paths = build_site(site, shared)
    raw = tmp_path / "raw"
    report = collect(store, urls=[site.url("/feed.xml"), site.url("/sitemap.xml")], settings=fast_settings,
                     raw_dir=raw, progress=False)  # fmt: skip
    assert report.failed == 0 and report.exit_code == 0
    assert report.new == len(paths) + 1  # every page once, plus the PDF
    assert report.listings == 4  # the feed, the index and its two sitemaps
    assert store.count("documents") == len(paths) + 1
    assert all(site.hits[p] == 1 for p, _ in paths)  # listed twice, fetched once
    for path, meta in paths:
        doc = store.get_document(store.doc_for_location(site.url(path)) or "")
        assert doc is not None and doc.title and meta["title"][:20] in doc.title
        assert doc.published == meta["date"] and doc.date_source == "metadata"
        assert "Subscribe to our newsletter" not in doc.text and "Contact us" not in doc.text
        assert doc.language == "en"
    pdf = store.get_document(store.doc_for_location(site.url("/docs/rfc.pdf")) or "")
    assert pdf is not None and "open" in pdf.text.lower() and pdf.published == "2024-02-24"
    assert pdf.site == "127.0.0.1" and pdf.title and "Federal Register" in pdf.title  # no /Title: its first line
    assert len(list(raw.rglob("*.gz"))) == len(paths) + 1 + 4  # every response archived once


def test_second_collect_is_conditional_and_adds_nothing(
    site: TestSite, store: Store, shared: Path, tmp_path: Path, fast_settings: dict[str, Any]
) -> None:
    paths = build_site(site, shared, n=4)
    kw: dict[str, Any] = {"urls": [site.url("/sitemap.xml")], "settings": fast_settings, "raw_dir": tmp_path / "r"}
    first = collect(store, progress=False, **kw)
    second = collect(store, progress=False, **kw)
    assert first.new == len(paths) + 1
    assert second.new == second.updated == second.failed == 0
    assert second.not_modified == len(paths) + 4  # pages, PDF, index and two sitemaps: all 304
    assert all(site.conditional[p] == 1 for p, _ in paths)
    assert store.count("documents") == len(paths) + 1


def test_changed_page_is_updated_in_place(
    site: TestSite, store: Store, shared: Path, tmp_path: Path, fast_settings: dict[str, Any]
) -> None:
    slug, meta, page = pages_from_shared(shared, 1)[0]
    url = site.add("/p", page)
    collect(store, urls=[url], settings=fast_settings, raw_dir=tmp_path / "r", progress=False)
    site.add("/p", page.replace("</article>", "<p>A correction was appended to this statement today.</p></article>"))
    report = collect(store, urls=[url], settings=fast_settings, raw_dir=tmp_path / "r", progress=False)
    assert report.updated == 1 and store.count("documents") == 1
    assert "correction was appended" in (store.get_document(store.doc_for_location(url) or "") or "").text  # type: ignore[union-attr]


def test_reextract_uses_archived_snapshots_without_network(
    site: TestSite, store: Store, shared: Path, tmp_path: Path, fast_settings: dict[str, Any]
) -> None:
    paths = build_site(site, shared, n=3)
    collect(store, urls=[site.url("/sitemap.xml")], settings=fast_settings, raw_dir=tmp_path / "r", progress=False)
    before = {d.doc_id: d.text for d in store.iter_documents()}
    site.stop()
    report = reextract(store, tmp_path / "r", settings=fast_settings)
    assert report.unchanged == len(paths) + 1 and report.failed == 0
    assert {d.doc_id: d.text for d in store.iter_documents()} == before


def test_link_discovery_stays_on_host_and_within_limits(
    site: TestSite, store: Store, shared: Path, tmp_path: Path, fast_settings: dict[str, Any]
) -> None:
    pages = pages_from_shared(shared, 5)
    links = "".join(f'<li><a href="/news/{slug}">{m["title"]}</a></li>' for slug, m, _ in pages)
    hub = pages[0][2].replace("</article>", f"<ul>{links}</ul><a href='http://example.invalid/x'>x</a></article>")
    for slug, _, page in pages:
        site.add(f"/news/{slug}", page)
    site.add("/hub", hub)
    settings = {**fast_settings, "discover_links": True, "max_depth": 1, "max_pages": 3}
    source = {"name": "wh", "url": site.url("/hub"), "kind": "statement", "exclude": ["/other/"]}
    report = collect(store, sources=[source], settings=settings, raw_dir=tmp_path / "r", progress=False)
    assert report.failed == 0
    assert report.new + report.duplicate == 4  # the hub and at most 3 discovered pages
    assert all(d.kind == "statement" and d.source == "wh" for d in store.iter_documents())


@pytest.mark.parametrize("hub_headers", [{}, {"ETag": '"fixed"'}], ids=["304", "200-unchanged"])
def test_an_unchanged_hub_still_leads_to_its_changed_links(
    site: TestSite, store: Store, shared: Path, tmp_path: Path, fast_settings: dict[str, Any],
    hub_headers: dict[str, str],
) -> None:  # fmt: skip
    pages = pages_from_shared(shared, 3)
    links = "".join(f'<li><a href="/news/{slug}">{m["title"]}</a></li>' for slug, m, _ in pages)
    for slug, _, page in pages:
        site.add(f"/news/{slug}", page)
    hub = site.add("/hub", pages[0][2].replace("</article>", f"<ul>{links}</ul></article>"), headers=hub_headers)
    settings, raw = {**fast_settings, "discover_links": True, "max_depth": 1}, tmp_path / "r"
    assert collect(store, urls=[hub], settings=settings, raw_dir=raw, progress=False).new == 3  # hub = page 0
    slug, _, page = pages[1]
    edited = page.replace("</article>", "<p>A correction was appended to this statement.</p></article>")
    site.add(f"/news/{slug}", edited)
    again = collect(store, urls=[hub], settings=settings, raw_dir=raw, progress=False)
    assert (again.updated, again.failed) == (1, 0)  # the hub unchanged, the edited page it links to read again
    assert (again.not_modified, again.unchanged) == ((3, 0) if not hub_headers else (2, 1))
    doc = store.get_document(store.doc_for_location(site.url(f"/news/{slug}")) or "")
    assert doc is not None and "A correction was appended" in doc.text


@pytest.mark.parametrize("threshold", [0.8])
def test_syndicated_copy_shares_a_story_id(
    site: TestSite, store: Store, shared: Path, tmp_path: Path, fast_settings: dict[str, Any], threshold: float
) -> None:
    (slug, meta, page), (_, _, other) = pages_from_shared(shared, 2)
    site.add("/a", page)
    site.add("/b", page.replace("<article>", "<article><p>Reprinted with permission of the publisher.</p>"))
    site.add("/c", other)
    settings = {**fast_settings, "near_duplicate_threshold": threshold}
    collect(store, urls=[site.url(p) for p in ("/a", "/b", "/c")], settings=settings, raw_dir=tmp_path / "r",
            progress=False)  # fmt: skip
    ids = {p: store.doc_for_location(site.url(p)) for p in ("/a", "/b", "/c")}
    stories = {r["doc_id"]: r["story_id"] for r in store.query("SELECT doc_id, story_id FROM documents")}
    assert len(set(ids.values())) == 3
    assert stories[ids["/a"]] == stories[ids["/b"]] != stories[ids["/c"]]


def test_addresses_that_are_not_web_urls_are_recorded_not_fetched(
    site: TestSite, store: Store, shared: Path, fast_settings: dict[str, Any], tmp_path: Path
) -> None:
    build_site(site, shared)
    bad = ["www.example.org/feed", "ftp://example.org/a.pdf", "https:///no-host"]
    source = {"name": "typo", "url": "whitehouse.gov/feed/", "kind": "statement"}
    report = collect(store, urls=[*bad, site.url("/feed.xml")], sources=[source], settings=fast_settings,
                     raw_dir=tmp_path / "r", progress=False)  # fmt: skip
    assert report.failed == 4 and report.new > 0 and report.exit_code == 1
    rejected = {r["location"]: (r["code"], r["reason"]) for r in store.rejections()}
    assert {*bad, source["url"]} <= set(rejected)
    assert all(rejected[u][0] == "invalid-url" and "not an http(s) address" in rejected[u][1] for u in bad)
    queued = {r["url"] for r in store.query("SELECT url FROM frontier")}
    assert not any("example.org" in u or "no-host" in u or "whitehouse" in u for u in queued)


def test_pages_in_other_languages_are_kept_apart_or_rejected_whatever_they_declare(
    site: TestSite, store: Store, shared: Path, fast_settings: dict[str, Any], tmp_path: Path
) -> None:
    import csv

    csv.field_size_limit(1 << 30)
    china = shared / "corpus" / "china_ai_policy_cac_miit_tc260" / "all_policies_unified.csv"
    with china.open(encoding="utf-8-sig") as fh:
        row = next(r for r in csv.DictReader(fh) if len(r["full_text"]) > 1000)
    site.add("/zh", render_page({"title": row["title"], "date": row["publication_date"]}, row["full_text"]))
    english = build_site(site, shared, n=2)  # the same template, which says lang="en", around English text
    urls = [site.url("/zh"), *(site.url(p) for p, _ in english)]
    # By default the page is collected, in full, with a notice that analysis leaves it out.
    report = collect(store, urls=urls, settings={**fast_settings, "languages": ["en"]}, raw_dir=tmp_path / "r",
                     progress=False)  # fmt: skip
    assert report.new == 3 and report.failed == 0 and report.other_language == 1 and report.exit_code == 0
    (notice,) = store.rejections()
    assert notice["location"] == site.url("/zh") and notice["code"] == "language"
    assert "the text is in 'zh', not in [ingest] languages ['en']: stored, but left out of analysis" in notice["reason"]
    doc = store.get_document(store.doc_for_location(site.url("/zh")) or "")
    assert doc is not None and doc.language == "zh" and row["full_text"][:200] in doc.text.replace("\n", "")
    assert store.outside_languages(["en"]) == [doc.doc_id] and store.outside_languages([]) == []
    # Told to reject such texts, the collector does not store the page, and says how to keep it.
    with Store(tmp_path / "other.sqlite") as other:
        settings = {**fast_settings, "languages": ["en"], "other_languages": "reject"}
        report = collect(other, urls=urls, settings=settings, raw_dir=tmp_path / "r2", progress=False)
        assert report.new == 2 and report.failed == 1 and report.other_language == 0
        (rejected,) = other.rejections()
        assert rejected["code"] == "language" and 'set other_languages = "keep"' in rejected["reason"]
        assert other.doc_for_location(site.url("/zh")) is None
    # `--any-language` stores it whatever the settings say.
    from pipeline.cli import EXIT_OK, main

    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "opentide.toml").write_text('[ingest]\nother_languages = "reject"\n', encoding="utf-8")
    assert main(["collect", site.url("/zh"), "--any-language", "-w", str(tmp_path / "ws"), "--no-progress"]) == EXIT_OK
    with Store(tmp_path / "ws" / "corpus" / "opentide.sqlite") as kept:
        assert kept.doc_for_location(site.url("/zh")) is not None
