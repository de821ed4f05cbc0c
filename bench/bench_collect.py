"""Collector throughput: pages per second for extraction alone and for a loopback crawl (fetch, archive,
extract, store) of pages rendered from ../shared, served on 127.0.0.1 behind a sitemap.

    python bench/bench_collect.py [--pages 60] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "collect"))

from httpsite import TestSite, pages_from_shared, urlset  # noqa: E402

from pipeline.collect import collect, extract_html  # noqa: E402
from pipeline.settings import load_settings  # noqa: E402
from pipeline.store import Store  # noqa: E402
from pipeline.workflows import collect_settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=60)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    pages = pages_from_shared(args.shared, args.pages)

    start = time.perf_counter()
    for slug, _, page in pages:
        extract_html(page, url=f"http://127.0.0.1/{slug}")
    took = time.perf_counter() - start
    print(f"extraction: {len(pages)} pages in {took:.1f} s = {len(pages) / took:.1f} pages/s")

    site = TestSite()
    paths = []
    for slug, _, page in pages:
        paths.append(f"/news/{slug}")
        site.add(paths[-1], page)
    sitemap = site.add("/sitemap.xml", urlset(site.base, paths), content_type="application/xml")
    site.start()
    settings = collect_settings(load_settings(ROOT))
    settings.update(per_host_delay=0.0, per_host_concurrency=4)  # loopback: no politeness delay to measure
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.sqlite") as store:
        start = time.perf_counter()
        report = collect(store, urls=[sitemap], settings=settings, raw_dir=Path(tmp) / "raw", progress=False)
        took = time.perf_counter() - start
        print(f"loopback crawl: {report.new} new documents in {took:.1f} s = {report.new / took:.1f} pages/s "
              f"(per_host_concurrency=4, no delay; failed={report.failed})")  # fmt: skip
        start = time.perf_counter()
        again = collect(store, urls=[sitemap], settings=settings, raw_dir=Path(tmp) / "raw", progress=False)
        took = time.perf_counter() - start
        print(f"re-run: {again.not_modified} not modified, {again.new} new in {took:.1f} s")
    site.stop()


if __name__ == "__main__":
    main()
