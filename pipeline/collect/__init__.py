"""Collection: fetch (``fetch``), decide what a response is (``detect``), read feeds and sitemaps, extract
documents (``extract``), group near-duplicates (``dedup``), and the resumable crawl loop (``crawler``)."""

from __future__ import annotations

from pipeline.collect.crawler import CollectReport, collect, reextract
from pipeline.collect.extract import extract, extract_html, extract_pdf

__all__ = ["CollectReport", "collect", "extract", "extract_html", "extract_pdf", "reextract"]
