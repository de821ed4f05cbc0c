"""Small units: response sniffing, charsets, URL canonicalisation, near-duplicate grouping, sitemaps."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from httpsite import read_markdown

from pipeline.collect.dedup import canonical_url, story_groups
from pipeline.collect.detect import decode, sniff
from pipeline.collect.fetch import inflate
from pipeline.collect.sitemaps import parse_sitemap
from pipeline.errors import InputRejected


@pytest.mark.parametrize(
    ("ctype", "body", "kind"),
    [
        ("text/html", b"%PDF-1.7\n...", "pdf"),
        ("application/octet-stream", b"<?xml version='1.0'?><rss version='2.0'><channel/></rss>", "feed"),
        ("text/html", b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'></feed>", "feed"),
        ("text/plain", b"<?xml version='1.0'?><urlset xmlns='x'><url><loc>http://a/b</loc></url></urlset>", "sitemap"),
        ("application/xml", b"<!DOCTYPE html><html><head><title>x</title></head><body></body></html>", "html"),
        ("text/html", b"\x89PNG\r\n\x1a\n\x00\x00", "binary"),
        ("text/html", b"   \n ", "empty"),
        ("application/x-gzip", gzip.compress(b"<urlset/>"), "gzip"),
    ],
)
def test_sniff_decides_from_the_bytes(ctype: str, body: bytes, kind: str) -> None:
    assert sniff(ctype, body) == kind


def test_decode_sees_through_a_lying_charset(shared: Path) -> None:
    _, text = read_markdown(next((shared / "corpus" / "whitehouse_briefing_room").rglob("*.md")))
    body = f"<html><body><p>{text[:2000]} — “quoted”</p></body></html>".encode()
    assert "“quoted”" in decode(body, "iso-8859-1")  # header says latin-1, bytes are UTF-8
    latin = f"<html><body><p>{text[:2000]} Café, naïve, déjà vu.</p></body></html>"
    # the header says UTF-8, the bytes are windows-1252
    assert "Café, naïve, déjà vu." in decode(latin.encode("cp1252", errors="ignore"), "utf-8")
    assert decode("naïve café".encode("cp1252") * 20, None).endswith("café")


def test_inflate_is_capped() -> None:
    with pytest.raises(InputRejected):
        inflate(gzip.compress(b"\0" * 5_000_000), 1_000_000)


def test_canonical_url_drops_tracking_and_fragments() -> None:
    a = canonical_url("HTTP://Example.com:80/news/a?utm_source=x&b=2&a=1#top")
    assert a == canonical_url("http://example.com/news/a?a=1&b=2") == "http://example.com/news/a?a=1&b=2"


def test_sitemap_index_and_lastmod() -> None:
    sm = parse_sitemap(b"<sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'><sitemap>"
                       b"<loc>http://a/s1.xml</loc><lastmod>2025-01-01</lastmod></sitemap></sitemapindex>")  # fmt: skip
    assert sm.is_index and sm.urls == ["http://a/s1.xml"] and sm.lastmod == {"http://a/s1.xml": "2025-01-01"}


def test_story_groups_join_rewrites_not_different_stories(shared: Path) -> None:
    texts = [read_markdown(p)[1] for p in sorted((shared / "corpus" / "whitehouse_briefing_room").rglob("*.md"))[:3]]
    rewrite = "WASHINGTON (Wire) — " + texts[0].replace("artificial intelligence", "AI") + "\nReporting by staff."
    pairs = dict(story_groups([("a", texts[0]), ("b", texts[1]), ("c", rewrite), ("d", texts[2])]))
    assert pairs == {"a": "a", "b": "b", "c": "a", "d": "d"}


def test_language_comes_from_a_sure_detector_else_the_declaration() -> None:
    from pipeline.collect.extract import extract_html
    from pipeline.ingest.language import sure_language

    french = ("Les modèles ouverts permettent à chacun d'étudier un système d'intelligence artificielle, et c'est "
              "pourquoi le débat compte pour les chercheurs et les régulateurs européens. ") * 3  # fmt: skip
    links = " ".join(f"https://cdn.example.org/attachments/{n}/{n * 7919}.png" for n in range(40))
    assert sure_language(french) == "fr" and sure_language(links) is None  # URLs carry no language
    page = "<html lang='{}'><body><article><h1>T</h1><p>{}</p></article></body></html>"
    assert extract_html(page.format("en", french), url="https://x.org/a").language == "fr"  # the text wins
    assert extract_html(page.format("en", links), url="https://x.org/b").language == "en"  # unsure: the page's word
    short = page.format("", "A short note of some sixty letters, too few to tell its tongue.")
    assert extract_html(short, url="https://x.org/c").language is None  # short, undeclared: unknown


def test_cjk_texts_are_told_apart_by_their_scripts() -> None:
    from pipeline.ingest.language import detect_language

    # Our own sentences, each about open AI models.
    chinese = "开放权重模型让研究人员能够检查和改进人工智能系统，这也是政策辩论的核心。" * 3
    japanese = "オープンな重みのモデルは、研究者が人工知能のシステムを調べて改善することを可能にします。" * 3
    korean = "공개 가중치 모델은 연구자들이 인공지능 시스템을 살펴보고 개선할 수 있게 합니다." * 3
    assert [detect_language(t) for t in (chinese, japanese, korean)] == ["zh", "ja", "ko"]
