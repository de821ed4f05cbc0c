"""The hostile-site check at full size with the packaged [collect] settings: a 40 s stall, a 200 MB page, a 1 GB
gzip bomb, a redirect loop, a robots-disallowed page, XXE and entity-expansion feeds, a 429 that answers after
its Retry-After, binary, empty and broken bodies, served on 127.0.0.1. Prints the wall time, the peak memory of
the process tree (resident, sampled), what was stored and rejected, and what a second collect adds.

    python bench/bench_faults.py [--stall 40] [--big-mb 200] [--bomb-mb 1024] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "collect"))

from bench_analyze import PeakMemory  # noqa: E402  (bench/ is the script's folder)
from httpsite import TestSite, hostile_site  # noqa: E402

from pipeline.collect import collect  # noqa: E402
from pipeline.settings import load_settings  # noqa: E402
from pipeline.store import Store  # noqa: E402
from pipeline.workflows import collect_settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stall", type=float, default=40.0)
    ap.add_argument("--big-mb", type=int, default=200)
    ap.add_argument("--bomb-mb", type=int, default=1024)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    site = TestSite()
    t0 = time.perf_counter()
    urls = hostile_site(site, args.shared, stall=args.stall, big_mb=args.big_mb, bomb_mb=args.bomb_mb)
    print(f"site built in {time.perf_counter() - t0:.1f} s: {len(urls)} URLs")
    site.start()
    settings = collect_settings(load_settings(ROOT))  # the packaged defaults: politeness delay, 30 s timeout
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "bench.sqlite") as store:
        with PeakMemory() as memory:
            start = time.perf_counter()
            report = collect(
                store, urls=list(urls.values()), settings=settings, raw_dir=Path(tmp) / "raw", progress=False
            )
            took = time.perf_counter() - start
        stored = sorted(k for k, u in urls.items() if store.query("SELECT 1 FROM locations WHERE location = ?", (u,)))
        codes = {row["location"]: row["code"] for row in store.rejections()}
        print(f"collect: {took:.1f} s, peak memory {memory.peak / 2**20:.0f} MB, exit code {report.exit_code}")
        print(
            f"stored: {stored} (hits on /busy: {site.hits['/busy']}, on the disallowed page: "
            f"{site.hits['/private/secret']})"
        )
        print("rejected: " + ", ".join(f"{k}={codes.get(u, '-')}" for k, u in urls.items() if k not in stored))
        print(f"rejection codes: {dict(Counter(codes.values()))}")
        start = time.perf_counter()
        again = collect(store, urls=list(urls.values()), settings=settings, raw_dir=Path(tmp) / "raw", progress=False)
        print(
            f"second collect: {again.new} new, {store.count('documents')} documents in all, "
            f"{time.perf_counter() - start:.1f} s"
        )
    site.stop()


if __name__ == "__main__":
    main()
