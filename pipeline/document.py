"""The one typed record for a document, shared by collection, ingestion, the store and analysis."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Literal

DateSource = Literal["metadata", "front_matter", "url", "in_text", "unknown"]
DATE_SOURCES: tuple[str, ...] = ("metadata", "front_matter", "manifest", "url", "in_text", "unknown")

_SPACE = re.compile(r"\s+")
_HEADING = re.compile(r"^#\s+(.+)$", re.M)
_LETTERS = re.compile(r"[^\W\d_]")
# Bidi controls that PDF-to-text conversion leaves in (U+202A..U+202E, U+2066..U+2069) and zero-widths.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u202a-\u202e\u2066-\u2069]")


# Metadata values that mean "not known" ("source: Unknown" in front matter), treated as missing.
PLACEHOLDERS = frozenset({"unknown", "n/a", "na", "none", "null", "nil", "undefined", "anonymous", "-", "--", "tbd"})


def known(value: object) -> str | None:
    """The metadata value on one line without invisible characters, or None when it is empty or a placeholder
    such as "Unknown"."""
    text = _SPACE.sub(" ", _INVISIBLE.sub("", str(value))).strip() if value is not None else ""
    return None if not text or text.casefold() in PLACEHOLDERS else text


def title_from_text(text: str) -> str | None:
    """A title for a text that has none: its first markdown heading, else its first line with a few letters in it
    (not a page number), when short enough."""
    heading = _HEADING.search(text[:2000])
    if heading:
        return heading.group(1).strip()
    line = next((x.strip() for x in text[:5000].splitlines() if len(_LETTERS.findall(x)) >= 4), "")
    line = line.lstrip("#").strip()
    return line if 0 < len(line) <= 200 else None


def clean_text(text: str) -> str:
    """Remove invisible control characters and normalise line endings; keep paragraphs."""
    text = _INVISIBLE.sub("", text).replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


def normalise_for_hash(text: str) -> str:
    """Case-folded, whitespace-collapsed text: two documents equal under this are exact duplicates."""
    return _SPACE.sub(" ", clean_text(text)).strip().casefold()


def content_hash(text: str) -> str:
    return hashlib.sha256(normalise_for_hash(text).encode("utf-8")).hexdigest()


def make_doc_id(*, url: str | None = None, raw_sha256: str | None = None, text: str | None = None) -> str:
    """A stable id: from the canonical URL when known, else from the raw bytes, else from the text.

    Re-extracting the same raw snapshot or re-fetching the same URL keeps the id, so annotations stay linked.
    """
    if url:
        key = "url:" + url
    elif raw_sha256:
        key = "raw:" + raw_sha256
    elif text is not None:
        key = "text:" + content_hash(text)
    else:
        raise ValueError("make_doc_id needs a url, a raw hash or a text")
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Document:
    """A cleaned document and its metadata. Build with :func:`Document.create`; never mutate, use ``replace``."""

    doc_id: str
    text: str
    content_hash: str
    title: str | None = None
    url: str | None = None
    path: str | None = None
    author: str | None = None
    site: str | None = None
    published: str | None = None  # ISO date YYYY-MM-DD (YYYY-MM when the source gives only the month)
    date_source: str = "unknown"  # one of DATE_SOURCES
    language: str | None = None
    kind: str | None = None  # news, op-ed, policy, comment, statement, ...
    source: str | None = None  # name of the configured source or ingest root
    raw_sha256: str | None = None  # content hash of the archived raw snapshot, if any
    ingested_at: str | None = None  # ISO timestamp, set by the store
    extra: tuple[tuple[str, str], ...] = field(default=())  # free metadata pairs (sorted)

    @classmethod
    def create(cls, text: str, **meta: object) -> Document:
        text = clean_text(text)
        for key in ("title", "author", "site"):
            if key in meta:
                meta[key] = known(meta[key])
        extra = meta.pop("extra", None) or {}
        url = meta.get("url")
        raw = meta.get("raw_sha256")
        doc_id = meta.pop("doc_id", None) or make_doc_id(
            url=url if isinstance(url, str) else None,
            raw_sha256=raw if isinstance(raw, str) else None,
            text=text,
        )
        pairs = tuple(sorted((str(k), str(v)) for k, v in dict(extra).items()))  # type: ignore[call-overload]
        return cls(doc_id=str(doc_id), text=text, content_hash=content_hash(text), extra=pairs, **meta)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> Document:
        """A copy with some fields changed (the content hash follows the text)."""
        if "text" in changes:
            changes["content_hash"] = content_hash(str(changes["text"]))
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def meta(self) -> dict[str, str]:
        return dict(self.extra)
