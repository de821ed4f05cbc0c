"""URL canonicalisation and near-duplicate grouping (MinHash LSH over word 5-gram shingles).

Exact duplicates are the store's job (one row per normalised-text hash). Near-duplicates (syndicated copies,
light rewrites of one wire story) share a ``story_id``: the earliest-ingested document's id in the group.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import courlan
from datasketch import MinHash, MinHashLSH

from pipeline.store import Store

logger = logging.getLogger(__name__)

_TRACKING = re.compile(r"^(utm_|fbclid$|gclid$|mc_cid$|mc_eid$|smid$|cmpid$|ocid$|_ga$|igshid$)", re.I)
_WORD = re.compile(r"\w+", re.UNICODE)


def canonical_url(url: str) -> str:
    """Lower-cased scheme and host, default port dropped, no fragment, no tracking parameters, sorted query."""
    url = url.strip()
    with contextlib.suppress(ValueError, AttributeError):
        url = courlan.normalize_url(url, strict=False)
    parts = urlsplit(url)
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))  # fmt: skip
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


def web_url(url: str) -> bool:
    """An absolute http(s) URL with a host: the only kind the collector fetches."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _minhash(text: str, num_perm: int) -> MinHash:
    words = _WORD.findall(text.casefold())
    shingles = {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))}
    mh = MinHash(num_perm=num_perm)
    mh.update_batch([s.encode("utf-8") for s in shingles])
    return mh


def story_groups(
    docs: Iterable[tuple[str, str]], *, threshold: float = 0.8, num_perm: int = 128
) -> list[tuple[str, str]]:
    """``(doc_id, text)`` in ingestion order -> ``(doc_id, story_id)`` for every document.

    Connected components of the "estimated Jaccard >= threshold" graph; the story id is the first member's id.
    """
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    order: list[str] = []
    rank: dict[str, int] = {}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for doc_id, text in docs:
        if doc_id in rank:
            continue  # the same id twice: keep the first
        mh = _minhash(text, num_perm)
        parent[doc_id] = doc_id
        rank[doc_id] = len(order)
        order.append(doc_id)
        for other in lsh.query(mh):
            a, b = find(other), find(doc_id)
            if a != b:  # keep the earlier root so the story id is the first-seen document
                first, second = (a, b) if rank[a] < rank[b] else (b, a)
                parent[second] = first
        lsh.insert(doc_id, mh)
    pairs = [(d, find(d)) for d in order]
    logger.info("%d documents in %d stories", len(pairs), len({s for _, s in pairs}))
    return pairs


def assign_stories(store: Store, *, threshold: float = 0.8) -> int:
    """Group every stored document into stories and write the ids; returns the number of stories."""
    docs = sorted(store.iter_documents(), key=lambda d: (d.ingested_at or "", d.doc_id))
    pairs = story_groups(((d.doc_id, d.text) for d in docs), threshold=threshold)
    store.set_story_ids(pairs)
    return len({s for _, s in pairs})
