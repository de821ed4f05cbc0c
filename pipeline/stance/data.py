"""Training data: resolve corpus references, read inline rows, deduplicate, keep evaluation sentences out.

A reference row ``{"doc", "start", "end", "sha1", "stance", "frame"}`` points into the shared corpus: the text
is the utf-8 slice ``[start:end]`` of the raw file, checked against the first 10 hex digits of its SHA-1, then
cleaned (``clean_sentence``: bidi controls removed, ligatures folded, whitespace collapsed). An inline row
carries ``"text"``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.stance.errors import E_INPUT_FILE, E_SHARED_MISSING, InputFileError, TrainingDataError
from pipeline.stance.target import Target

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
_BIDI = re.compile("[\u202a-\u202e]")
# PDF text carries ligatures ("ﬁne-tune") and non-breaking hyphens that neither the patterns nor the tokenizer
# read as letters: fold them (NFKC of the ligatures only, so footnote superscripts stay as they are)
_LIGATURES = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}
_COMPAT = str.maketrans(_LIGATURES | {"\u2011": "-"})
_SPACE = re.compile(r"\s+")
_NON_ALNUM = re.compile(r"[\W_]+")
MIN_CONTAIN = 40  # shorter texts only exclude on an exact (normalised) match


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    stance: str
    frame: str
    group: str  # the source document (``file:row`` for inline rows): the unit of leave-docs-out CV
    source: str  # the training file it came from


def shared_root(root: str | Path | None = None) -> Path:
    """The shared folder: ``root``, else ``$OPENTIDE_SHARED``, else ``<repo>/../shared``."""
    if root is not None:
        return Path(root)
    env = os.environ.get("OPENTIDE_SHARED")
    return Path(env) if env else REPO_ROOT.parent / "shared"


def clean_sentence(text: str) -> str:
    """One line of plain text: bidi marks dropped, ligatures folded, whitespace runs collapsed."""
    return _SPACE.sub(" ", _BIDI.sub("", text.translate(_COMPAT))).strip()


def match_key(text: str) -> str:
    """Case- and punctuation-insensitive key used for deduplication and dev exclusion."""
    return _NON_ALNUM.sub(" ", text.casefold()).strip()


class _Corpus:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._texts: dict[str, str] = {}

    def text(self, rel: str) -> str:
        if rel not in self._texts:
            self._texts[rel] = (self.root / rel).read_text(encoding="utf-8")
        return self._texts[rel]


def resolve_reference(row: dict, corpus: Path | _Corpus) -> str | None:
    """The cleaned text a reference row points to, or ``None`` (with a warning) if it cannot be trusted."""
    corpus = corpus if isinstance(corpus, _Corpus) else _Corpus(corpus)
    try:
        raw = corpus.text(row["doc"])[int(row["start"]) : int(row["end"])]
    except (OSError, KeyError, ValueError) as err:
        logger.warning("skipping reference %s: %s", row.get("doc"), err)
        return None
    if hashlib.sha1(raw.encode("utf-8")).hexdigest()[:10] != str(row.get("sha1", "")):
        logger.warning("skipping reference %s[%s:%s]: sha1 mismatch", row["doc"], row["start"], row["end"])
        return None
    return clean_sentence(raw) or None


def read_lines(path: Path, check: Callable[[dict], str | None]) -> tuple[list[tuple[int, dict]], list[str]]:
    """The JSON-object lines of ``path`` that ``check`` accepts (it returns None or why not), with their line
    numbers, and one ``name:line: why`` for each line skipped. A file that cannot be read as UTF-8 text raises
    ``InputFileError``."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise InputFileError(E_INPUT_FILE.format(path=path, why="no such file")) from None
    except IsADirectoryError:
        raise InputFileError(E_INPUT_FILE.format(path=path, why="it is a folder")) from None
    except UnicodeDecodeError:
        raise InputFileError(E_INPUT_FILE.format(path=path, why="it is not UTF-8 text")) from None
    except OSError as err:
        raise InputFileError(E_INPUT_FILE.format(path=path, why=err.strerror or err)) from None
    rows, skipped = [], []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            why: str | None = f"not JSON ({err.msg})"
        else:
            why = check(row) if isinstance(row, dict) else f"a JSON {type(row).__name__}, not an object"
        if why:
            skipped.append(f"{path.name}:{n}: {why}")
        else:
            rows.append((n, row))
    return rows, skipped


def read_jsonl(path: Path) -> list[dict]:
    """Every JSON object of a JSONL file; other lines (a torn last line of a file being written) are logged."""
    rows, skipped = read_lines(path, lambda row: None)
    for why in skipped:
        logger.warning("%s, skipped", why)
    return [row for _, row in rows]


def load_dev_sentences(root: str | Path | None = None) -> list[dict]:
    path = shared_root(root) / "labels" / "dev_sentences.jsonl"
    return read_jsonl(path) if path.is_file() else []


class _Excluder:
    def __init__(self, texts: Iterable[str]) -> None:
        self.keys = {match_key(t) for t in texts}
        self.long = [k for k in self.keys if len(k) >= MIN_CONTAIN]

    def __call__(self, text: str) -> bool:
        key = match_key(text)
        if key in self.keys:
            return True
        return len(key) >= MIN_CONTAIN and any(k in key or key in k for k in self.long)


def load_examples(
    target: Target,
    *,
    shared: str | Path | None = None,
    exclude: Iterable[str] | None = None,
    exclude_dev: bool = True,
    files: Iterable[Path] | None = None,
) -> list[Example]:
    """All training examples of ``target``: resolved, label-checked, deduplicated, evaluation text excluded.

    ``exclude_dev`` drops anything matching ``labels/dev_sentences.jsonl`` (exactly or by containment);
    ``exclude`` adds more texts to keep out. A later duplicate of a text is dropped (first label wins).
    """
    root = shared_root(shared)
    banned = list(exclude or [])
    if exclude_dev:
        banned += [r["text"] for r in load_dev_sentences(root)]
    is_banned = _Excluder(banned)
    corpus = _Corpus(root / "corpus")
    stances, frames = set(target.stance_labels), set(target.frame_labels)
    seen: set[str] = set()
    out: list[Example] = []
    counts = {"excluded": 0, "duplicate": 0, "bad": 0}
    for path in files if files is not None else target.training_paths:
        if not path.is_file():
            logger.warning("training file %s does not exist yet; skipped", path)
            continue
        for n, row in enumerate(read_jsonl(path)):
            text: str | None
            if "text" in row:  # written sentences are independent: each is its own group
                text, group = clean_sentence(str(row["text"])), f"{path.name}:{n}"
            else:
                if not corpus.root.is_dir():
                    raise TrainingDataError(E_SHARED_MISSING.format(file=path, root=corpus.root))
                text, group = resolve_reference(row, corpus), str(row.get("doc"))
            stance, frame = row.get("stance"), row.get("frame", target.frame_none)
            if not text or stance not in stances or frame not in frames:
                counts["bad"] += 1
                continue
            key = match_key(text)
            if key in seen:
                counts["duplicate"] += 1
                continue
            seen.add(key)
            if is_banned(text):
                counts["excluded"] += 1
                continue
            out.append(Example(text, str(stance), str(frame), group, path.name))
    logger.info("target %s: %d training examples (%s)", target.name, len(out), counts)
    return out


def examples_hash(examples: Iterable[Example]) -> str:
    h = hashlib.sha256()
    for ex in examples:
        h.update(f"{ex.text}\t{ex.stance}\t{ex.frame}\n".encode())
    return h.hexdigest()[:16]
