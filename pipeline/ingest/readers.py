"""Turn one local file into documents: .txt, .md (YAML front matter), .html, .pdf, .jsonl.

Readers raise :class:`InputRejected` with a reason a person can act on; they never touch the store.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from charset_normalizer import from_bytes

from pipeline.document import Document, known, title_from_text
from pipeline.errors import InputRejected
from pipeline.ingest.dates import find_date
from pipeline.ingest.language import LanguagePolicy, detect_language
from pipeline.ingest.manifest import is_manifest
from pipeline.ingest.markdown import plain_markdown

logger = logging.getLogger(__name__)

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".jsonl"}
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_KIND_WORD = re.compile(r"[\w-]+")
_SITE = ("site", "sitename", "site_name")
_FOLDER_NOTES = re.compile(r"(?i)^(readme|licen[cs]e|copying|changelog|contributing|notice)(\.\w+)?$")
TEXT_KEYS = ("text", "body", "content", "maintext")  # a .jsonl line's text (maintext: news-please)
# Single-byte Latin code pages that charset-normalizer confuses on short texts ("naïve" read as cp1250 "naďve").
_LATIN_CODEPAGES = frozenset(
    (
        "cp1250",
        "cp1252",
        "cp1254",
        "cp1257",
        "latin_1",
        "iso8859_2",
        "iso8859_4",
        "iso8859_9",
        "iso8859_13",
        "iso8859_15",
        "mac_roman",
    )
)


@dataclass(frozen=True)
class ReadOptions:
    max_bytes: int = 20_000_000
    min_chars: int = 200
    default_kind: str = "news"
    languages: LanguagePolicy = LanguagePolicy(("en",))
    kind_by_path: dict[str, str] = field(default_factory=dict)
    source: str | None = None


@dataclass(frozen=True)
class Item:
    """One document read from a file, or the reason one part of the file was rejected."""

    location: str
    doc: Document | None = None
    reason: str | None = None
    code: str = "rejected"
    notice: str | None = None  # why a stored document is left out of analysis (its language)


def iter_files(
    paths: list[Path], skipped: Counter[str] | None = None, skipped_names: list[str] | None = None
) -> Iterator[Path]:
    """Files under ``paths`` with a known suffix (folders recursively, hidden entries and a folder's README or
    LICENSE skipped; a file given by name is always read), sorted.

    ``skipped`` counts, by suffix, the files of other types that folders hold; ``skipped_names`` lists them."""
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                rel = p.relative_to(path).parts
                if not p.is_file() or any(x.startswith(".") for x in rel):
                    continue
                if _FOLDER_NOTES.match(p.name):  # a corpus's own README or licence is not one of its documents
                    if skipped is not None:
                        skipped["README/LICENSE"] += 1
                elif p.suffix.lower() in SUFFIXES:
                    yield p
                elif skipped is not None and not is_manifest(p):  # manifests are read, as sidecars
                    skipped[p.suffix.lower() or "(none)"] += 1
                    if skipped_names is not None:
                        skipped_names.append(str(p))
        else:
            yield path


def decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise InputRejected(f"{name}: the file is empty", code="empty")
    if b"\x00" in data[:8192]:
        raise InputRejected(f"{name}: binary content (NUL bytes), not text", code="binary")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None or best.encoding is None:
            raise InputRejected(f"{name}: cannot decode the text in any known encoding", code="undecodable") from None
        if best.encoding in _LATIN_CODEPAGES:  # a short text fits every Latin code page; Windows-1252 is the usual one
            with contextlib.suppress(UnicodeDecodeError):
                text = data.decode("cp1252")
                if _odd_inside_words(text) <= _odd_inside_words(str(best)):  # "Za¿ó³æ" is cp1250 read as cp1252
                    logger.info("%s is not UTF-8; decoded as cp1252", name)
                    return text
        logger.info("%s is not UTF-8; decoded as %s", name, best.encoding)
        return str(best)


def _odd_inside_words(text: str) -> int:
    """Non-ASCII symbols between two letters (``¿`` and ``³`` in "Za¿ó³æ"): the mark of a wrong code page."""
    return sum(
        1 for i in range(1, len(text) - 1)
        if ord(text[i]) > 127 and not text[i].isalpha() and text[i] not in "’‘"
        and text[i - 1].isalpha() and text[i + 1].isalpha()
    )  # fmt: skip


class _FrontLoader(yaml.SafeLoader):
    """Safe YAML whose dates stay text: ``date: 2099-13-45`` is an unreadable date, not a crash."""


_FrontLoader.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def front_matter(text: str, name: str = "") -> tuple[dict[str, Any], str]:
    """The YAML front matter and the text after it; front matter that does not parse is dropped with a warning."""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.load(m.group(1), Loader=_FrontLoader) or {}  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        logger.warning("%s: front matter is not valid YAML%s; its metadata is ignored", name or "text", line)
        meta = {}
    return (meta if isinstance(meta, dict) else {}), text[m.end() :]


def read_pdf(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as err:
        raise InputRejected(f"{name}: the PDF does not parse ({err})", code="pdf") from err
    return "\n\n".join(p.strip() for p in pages if p.strip())


def read_html(data: bytes, name: str, url: str | None = None) -> tuple[str, dict[str, Any]]:
    import trafilatura

    html = decode(data, name)
    result = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False)
    if result is None:
        raise InputRejected(f"{name}: no article text found in the HTML", code="no_text")
    meta = result.as_dict() if hasattr(result, "as_dict") else dict(result)
    return str(meta.get("text") or ""), meta


class Reader:
    """Reads files into :class:`Item`s according to ``ReadOptions``."""

    def __init__(self, options: ReadOptions, listed: dict[Path, dict[str, str]] | None = None) -> None:
        self.opt = options
        self.listed = listed or {}  # sidecar manifest rows by resolved file path (``ingest.manifest``)

    def read(self, path: Path) -> list[Item]:
        location = str(path.resolve())
        try:
            size = path.stat().st_size
            if size > self.opt.max_bytes:
                raise InputRejected(
                    f"{path}: {size / 1e6:.1f} MB is over the [ingest] max_bytes limit "
                    f"({self.opt.max_bytes / 1e6:.0f} MB); split the file or raise the limit",
                    code="too_large",
                )
            data = path.read_bytes()
            if path.suffix.lower() == ".jsonl":
                return list(self._jsonl(data, path, location))
            raw_sha = hashlib.sha256(data).hexdigest()
            doc = self._one(data, path, raw_sha)
            return [Item(location, doc=doc, notice=self._notice(doc, str(path)))]
        except InputRejected as err:
            return [Item(location, reason=err.reason, code=err.code)]
        except OSError as err:
            return [Item(location, reason=f"{path}: cannot read the file ({err.strerror})", code="unreadable")]

    def _one(self, data: bytes, path: Path, raw_sha: str) -> Document:
        suffix, name = path.suffix.lower(), str(path)
        if suffix not in SUFFIXES:
            known = ", ".join(sorted(SUFFIXES))
            raise InputRejected(f"{name}: unsupported file type '{suffix}' (supported: {known})", code="type")
        meta: dict[str, Any] = {}
        fm: dict[str, Any] = {}
        if suffix == ".pdf":
            text = read_pdf(data, name)
        elif suffix in {".html", ".htm"}:
            text, meta = read_html(data, name)
        else:
            text = decode(data, name)
            if suffix in {".md", ".markdown"}:
                fm, text = front_matter(text, name)
                text = plain_markdown(text)
        listed = self.listed.get(path.resolve(), {})
        return self._document(text, path=path, meta=meta, fm=fm, raw_sha=raw_sha, listed=listed)

    def _jsonl(self, data: bytes, path: Path, location: str) -> Iterator[Item]:
        text = decode(data, str(path))
        for n, line in enumerate(text.splitlines(), start=1):
            loc = f"{location}#L{n}"
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key = next((k for k in TEXT_KEYS if isinstance(record, dict) and isinstance(record.get(k), str)), None)
                if key is None:
                    keys = "', '".join(TEXT_KEYS)
                    raise InputRejected(f"{path}:{n}: each line needs a JSON object with a text string ('{keys}')")
                line_sha = hashlib.sha256(line.encode("utf-8")).hexdigest()
                body = record.pop(key)
                doc = self._document(body, path=path, meta={}, fm=record, raw_sha=line_sha, name=f"{path}:{n}")
                yield Item(loc, doc=doc, notice=self._notice(doc, f"{path}:{n}"))
            except json.JSONDecodeError as err:
                yield Item(loc, reason=f"{path}:{n}: not valid JSON ({err.msg})", code="bad_json")
            except InputRejected as err:
                yield Item(loc, reason=err.reason, code=err.code)

    def _document(
        self, text: str, *, path: Path, meta: dict[str, Any], fm: dict[str, Any], raw_sha: str, name: str = "",
        listed: dict[str, str] | None = None,
    ) -> Document:  # fmt: skip
        """What the file says of itself (front matter, HTML metadata) first, then its manifest row, then guesses."""
        ls: dict[str, Any] = listed or {}
        name = name or str(path)  # what messages call the input: the file, or file:line in a .jsonl
        if len(text.strip()) < self.opt.min_chars:
            raise InputRejected(
                f"{name}: only {len(text.strip())} characters of text (minimum {self.opt.min_chars})", code="empty"
            )
        language = str(fm.get("language") or meta.get("language") or ls.get("language") or detect_language(text) or "")
        url_keys = ("url", "source_url", "canonical_url")
        url = _first(fm, *url_keys) or meta.get("url") or _first(ls, *url_keys)
        published, date_source = find_date(metadata=meta, front_matter=fm, manifest=ls, url=url, text=text)
        return Document.create(
            text,
            url=url,
            path=str(path.resolve()),
            title=_first(fm, "title") or meta.get("title") or _first(ls, "title") or title_from_text(text),
            author=_first(fm, "author", "authors", "source") or meta.get("author") or _first(ls, "author", "authors"),
            site=_first(fm, *_SITE)
            or meta.get("sitename")
            or meta.get("hostname")
            or _first(ls, *_SITE)
            or (urlsplit(url).hostname if url else None),  # the host, as for a collected page that names no site
            published=published,
            date_source=date_source,
            language=language or None,
            kind=_first(fm, "kind") or self._kind(path, ls.get("kind")),
            source=self.opt.source,
            raw_sha256=None if url else raw_sha,
        )

    def _notice(self, doc: Document, name: str) -> str | None:
        """The notice kept beside a text in a language that is not analysed (or its rejection), naming the input."""
        try:
            notice = self.opt.languages.notice(doc.language)
        except InputRejected as err:
            raise InputRejected(f"{name}: {err.reason}", code=err.code) from None
        return f"{name}: {notice}" if notice else None

    def _kind(self, path: Path, listed: str | None = None) -> str:
        """``[ingest] kind_by_path``, else the manifest's kind up to its first space, slash or bracket ("op-ed/column"
        is ``op-ed``), else the default."""
        lowered = str(path).lower()
        for needle, kind in self.opt.kind_by_path.items():
            if needle.lower() in lowered:
                return kind
        word = _KIND_WORD.match(listed or "")
        return word.group(0).lower() if word else self.opt.default_kind


def _first(meta: dict[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = meta.get(key)
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        if text := known(value):
            return text
    return None
