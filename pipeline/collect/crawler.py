"""The crawl loop: seed the frontier (in the store), fetch in worker threads, write results in this thread.

Resumable: the frontier and each URL's state live in the store, so a killed collect resumes where it stopped;
a finished one is re-checked from the start next time with conditional requests (ETag / Last-Modified).
A run fetches its scope: every URL known (``everything``, the daily run), or only the given URLs, the given
sources' URLs and what they list or link to.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pipeline.collect.dedup import assign_stories, canonical_url, web_url
from pipeline.collect.fetch import Fetcher, FetchOptions
from pipeline.collect.process import Outcome, Task, process
from pipeline.errors import E_NOT_WEB_URL
from pipeline.ingest.language import LanguagePolicy
from pipeline.store import Store

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class CollectReport:
    fetched: int = 0  # responses with a body (200)
    new: int = 0  # documents stored for the first time
    updated: int = 0  # stored documents whose text changed
    unchanged: int = 0  # same bytes or same text as stored
    duplicate: int = 0  # text identical to another stored document (linked, not stored again)
    not_modified: int = 0  # 304 answers to conditional requests
    listings: int = 0  # feeds and sitemaps read
    failed: int = 0  # recorded in the store's rejections with their reason
    disallowed: int = 0  # robots.txt said no
    other_language: int = 0  # stored documents left out of analysis for their language (a notice is recorded)
    unreachable: int = 0  # of the failed: network-level (no connection, unknown host, connection dropped)
    run_id: int | None = None

    @property
    def exit_code(self) -> int:
        """0: everything fetched; 1: some URLs failed (see ``opentide status``)."""
        return 1 if self.failed else 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SourceRule:
    name: str | None
    kind: str | None
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()
    max_items: int | None = None  # URLs taken from the source's feeds and sitemaps per run (None: all)

    def keeps(self, url: str) -> bool:
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)


@dataclass(slots=True)
class Scope:
    """The frontier URLs a run fetches: all of them, or those of the named sources plus the given URLs and what
    they list or link to (``urls``, grown as they are found). ``taken``: submitted in this run."""

    everything: bool
    sources: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)
    taken: set[str] = field(default_factory=set)

    def wants(self, row: Any) -> bool:
        if row["url"] in self.taken:
            return False
        return self.everything or row["source"] in self.sources or row["url"] in self.urls

    def extend(self, store: Store, urls: Iterable[str]) -> None:
        """Bring ``urls`` into the run; the known ones not fetched yet in it are due again (conditionally)."""
        if self.everything:  # all were made due at the start
            return
        fresh = [u for u in urls if u not in self.taken and u not in self.urls]
        self.urls.update(fresh)
        store.make_due(fresh)


def collect(
    store: Store,
    *,
    urls: Sequence[str] = (),
    sources: Sequence[dict[str, Any]] = (),
    settings: dict[str, Any],
    raw_dir: Path,
    progress: bool = True,
    kind: str | None = None,
    everything: bool = False,
) -> CollectReport:
    """Collect ``urls`` (documents of ``kind``) and configured ``sources`` into ``store``; with ``everything``, also
    re-check every other URL the store knows (the daily run). ``settings`` is the ``[collect]`` section, plus
    ``languages`` and ``other_languages`` (those of ``[ingest]``: a text in another language is stored with a notice,
    or rejected) and ``default_kind`` (the kind when neither ``kind`` nor a source's kind is given) when given."""
    default_kind = settings.get("default_kind") or None
    rules: dict[str | None, SourceRule] = {None: SourceRule(None, default_kind)}
    for src in sources:
        rules[src["name"]] = SourceRule(
            src["name"], src.get("kind") or default_kind,
            tuple(re.compile(p) for p in src.get("include", [])), tuple(re.compile(p) for p in src.get("exclude", [])),
            src.get("max_items"),
        )  # fmt: skip
    scope = _start(store, sources, everything=everything)
    run_id = store.start_run("collect")
    report = CollectReport(run_id=run_id)
    seeds = _seeds(store, urls, report)
    store.enqueue(seeds, source=None, kind=kind or default_kind, depth=0)
    scope.extend(store, seeds)
    for src in sources:
        seeds = _seeds(store, [src["url"]], report)
        store.enqueue(seeds, source=src["name"], kind=rules[src["name"]].kind, depth=0)
        scope.extend(store, seeds)  # known under another source: still this run's
    try:
        _crawl(store, rules, settings, Path(raw_dir), report, scope, progress=progress)
        if report.new or report.updated:
            assign_stories(store, threshold=float(settings.get("near_duplicate_threshold", 0.8)))
    except BaseException:
        store.finish_run(run_id, status="failed", stats=report.as_dict())
        raise
    store.finish_run(run_id, status="done" if not report.failed else "partial", stats=report.as_dict())
    logger.info("collect finished: %s", report.as_dict())
    return report


def _start(store: Store, sources: Sequence[dict[str, Any]], *, everything: bool) -> Scope:
    """Resume an interrupted run (its pending URLs, whatever this run is given), else make this run's scope due."""
    previous = next((r for r in store.last_runs(20) if r["command"] == "collect"), None)
    if previous is not None and previous["status"] == "running":
        logger.info("resuming the interrupted collect run %d", previous["run_id"])
        store.finish_run(previous["run_id"], status="interrupted", stats={})
        return Scope(everything=True)
    if everything:
        store.reset_frontier()  # the daily run: re-check everything known, conditionally
        return Scope(everything=True)
    for src in sources:
        store.reset_frontier(source=src["name"])
    return Scope(everything=False, sources={src["name"] for src in sources})


def _seeds(store: Store, urls: Sequence[str], report: CollectReport) -> list[str]:
    """The canonical form of each given URL; one that is not an http(s) address is recorded as failed."""
    seeds = []
    for given in urls:
        url = canonical_url(given)
        if web_url(url):
            seeds.append(url)
            continue
        reason = E_NOT_WEB_URL.format(url=given)
        store.reject(given, reason, code="invalid-url", run_id=report.run_id)
        report.failed += 1
        logger.warning("%s", reason)
    return seeds


def _crawl(
    store: Store, rules: dict[str | None, SourceRule], settings: dict[str, Any], raw_dir: Path,
    report: CollectReport, scope: Scope, *, progress: bool,
) -> None:  # fmt: skip
    fetcher = Fetcher(FetchOptions.from_settings(settings))
    min_chars, languages = int(settings.get("min_chars", 40)), LanguagePolicy.from_settings(settings)
    discover = bool(settings.get("discover_links", False))
    max_depth, max_pages = int(settings.get("max_depth", 1)), int(settings.get("max_pages", 200))
    discovered: Counter[tuple[str | None, str]] = Counter()
    dates: dict[str, str] = {}
    in_flight: dict[Future[Outcome], str] = {}
    bar = tqdm(desc="collect", unit="url", disable=not progress, total=0)
    workers = max(1, int(settings.get("concurrency", 8)))
    with ThreadPoolExecutor(workers, thread_name_prefix="collect") as pool:
        try:
            while True:
                if len(in_flight) < workers * 2:
                    for row in store.pending_urls():
                        if not scope.wants(row):
                            continue
                        task = _task(store, row, discover and row["depth"] < max_depth, dates.get(row["url"]),
                                     rules[None].kind)  # fmt: skip
                        scope.taken.add(row["url"])
                        job = pool.submit(process, task, fetcher, raw_dir=raw_dir, min_chars=min_chars,
                                          languages=languages)  # fmt: skip
                        in_flight[job] = task.url
                        bar.total += 1
                        if len(in_flight) >= workers * 4:
                            break
                if not in_flight:
                    break
                done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
                for fut in done:
                    in_flight.pop(fut)
                    outcome = fut.result()
                    _record(store, outcome, rules, report, dates, discovered, max_pages, scope)
                    bar.update(1)
        finally:
            for fut in in_flight:
                fut.cancel()
            bar.close()
            fetcher.close()


def _task(store: Store, row: Any, discover: bool, published: str | None, default_kind: str | None) -> Task:
    rec = store.fetch_record(row["url"])
    good = rec if rec is not None and rec["error"] is None else None  # validators only from a success
    return Task(
        row["url"], row["source"], row["kind"] or default_kind, int(row["depth"]),
        etag=good["etag"] if good else None, last_modified=good["last_modified"] if good else None,
        last_sha256=good["raw_sha256"] if good else None, discover=discover, published=published,
    )  # fmt: skip


def _record(
    store: Store, out: Outcome, rules: dict[str | None, SourceRule], report: CollectReport,
    dates: dict[str, str], discovered: Counter[tuple[str | None, str]], max_pages: int, scope: Scope,
) -> None:  # fmt: skip
    """Write one outcome. Order matters for resuming: document, then fetch record, then frontier state."""
    task, resp = out.task, out.response
    run_id = report.run_id
    if out.status == "failed":
        assert out.error is not None
        code = out.error.code
        store.reject(task.url, out.error.reason, code=code, run_id=run_id)
        store.record_fetch(task.url, status=resp.status if resp else None, error=f"{code}: {out.error.reason}")
        store.mark_url(task.url, "disallowed" if code == "disallowed" else "failed")
        report.disallowed += code == "disallowed"
        report.failed += code != "disallowed"
        report.unreachable += code == "network"
        logger.warning("%s: %s", task.url, out.error.reason)
        return
    if out.status == "not_modified":
        report.not_modified += 1
        if out.children:  # a listing read again from its snapshot
            _enqueue_children(store, out, rules, dates, discovered, max_pages, scope)
        store.mark_url(task.url, "done")
        return
    assert resp is not None
    report.fetched += 1
    doc_id = None
    if out.status == "unchanged":
        report.unchanged += 1
        rec = store.fetch_record(task.url)
        doc_id = rec["doc_id"] if rec else None
    elif out.document is not None:
        result = store.add_document(out.document, location=task.url)
        setattr(report, result.status, getattr(report, result.status) + 1)
        doc_id = result.doc_id
        if out.notice:  # after add_document, which clears the location's earlier rejections
            store.reject(task.url, out.notice, code="language", run_id=run_id)
            report.other_language += 1
            logger.warning("%s: %s", task.url, out.notice)
    else:
        report.listings += 1
    if out.children:
        _enqueue_children(store, out, rules, dates, discovered, max_pages, scope)
    store.record_fetch(
        task.url, final_url=resp.final_url, status=resp.status, content_type=resp.headers.get("content-type"),
        etag=resp.headers.get("etag"), last_modified=resp.headers.get("last-modified"),
        raw_sha256=out.raw_sha256, doc_id=doc_id, error=None,
    )  # fmt: skip
    store.mark_url(task.url, "done")


def _enqueue_children(
    store: Store, out: Outcome, rules: dict[str | None, SourceRule], dates: dict[str, str],
    discovered: Counter[tuple[str | None, str]], max_pages: int, scope: Scope,
) -> None:  # fmt: skip
    task = out.task
    rule = rules.get(task.source) or SourceRule(task.source, task.kind)
    urls = [u for u in map(canonical_url, out.children) if web_url(u)]
    if out.what != "sitemap-index":  # sub-sitemaps are not filtered; the pages they list are
        urls = [u for u in urls if rule.keeps(u)]
    depth = task.depth
    if out.what == "html":  # discovered links: one level deeper, bounded per source
        urls = urls[: max(0, max_pages - discovered[task.source, "links"])]
        discovered[task.source, "links"] += len(urls)
        depth += 1
    elif out.what != "sitemap-index" and rule.max_items is not None:  # a feed lists its newest items first
        urls = urls[: max(0, rule.max_items - discovered[task.source, "items"])]
        discovered[task.source, "items"] += len(urls)
    for url, date in out.child_dates.items():
        dates[canonical_url(url)] = date
    added = store.enqueue(urls, source=task.source, kind=task.kind, depth=depth)
    scope.extend(store, urls)
    logger.info("%s (%s): %d URLs, %d new", task.url, out.what, len(urls), added)


def reextract(store: Store, raw_dir: Path, *, settings: dict[str, Any] | None = None) -> CollectReport:
    """Re-run extraction on every archived page and PDF (no network); documents keep their ids."""
    from pipeline.collect.reextract import reextract_all

    return reextract_all(store, Path(raw_dir), settings or {}, CollectReport())
