"""The ``nlp`` stage: one spaCy pass per document giving sentences, entity mentions and speakers.

Long texts are cut at paragraph breaks into blocks spaCy handles comfortably; offsets stay document-wide.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pipeline.document import Document
from pipeline.stages import attribution, catalogue, entities, paragraphs, token_regex, transcript

BLOCK_CHARS = 100_000
MIN_SENTENCE_CHARS = 3
NLP_VERSION = "nlp-2"


_INPUTS = [
    Path(entities.__file__),
    Path(catalogue.__file__),
    Path(attribution.__file__),
    Path(token_regex.__file__),
    Path(paragraphs.__file__),
    Path(transcript.__file__),
    Path(__file__),
    catalogue.CATALOGUE_PATH,
]


def version(entity_settings: dict[str, Any], root: Path | None = None) -> str:
    """The stage version: a hash of its code and entity catalogue (a changed alias table re-runs the stage)."""
    digest = hashlib.sha1(NLP_VERSION.encode())
    extra = entity_settings.get("aliases_file")
    for path in _INPUTS + ([Path(root or ".") / extra] if extra else []):
        digest.update(path.read_bytes() if path.is_file() else str(path).encode())
    return f"{NLP_VERSION}-{digest.hexdigest()[:10]}"


def blocks(text: str, limit: int = BLOCK_CHARS) -> Iterator[tuple[int, str]]:
    """``(offset, block)`` pieces of at most ~``limit`` characters, cut at blank lines where possible."""
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        if end < len(text):
            cut = text.rfind("\n\n", start + limit // 2, end)
            end = cut + 2 if cut != -1 else end
        yield start, text[start:end]
        start = end


class Annotator:
    """Holds the spaCy pipeline and the entity catalogue; ``annotate(docs)`` gives rows per document."""

    def __init__(self, *, model: str, aliases_file: Path | None = None, batch_size: int = 64) -> None:
        self.catalogue = catalogue.load_catalogue(aliases_file)
        self.nlp = entities.build_nlp(model=model, catalogue=self.catalogue)
        self.batch_size = batch_size

    def annotate(self, docs: Sequence[Document]) -> dict[str, dict[str, list[dict[str, Any]]]]:
        pieces = [(i, off, block) for i, d in enumerate(docs) for off, block in blocks(d.text)]
        parsed = self.nlp.pipe((b for _, _, b in pieces), batch_size=self.batch_size)
        out: dict[str, dict[str, list[dict[str, Any]]]] = {
            d.doc_id: {"sentences": [], "entities": [], "speakers": []} for d in docs
        }
        for (i, offset, _), sdoc in zip(pieces, parsed):
            doc = docs[i]
            rows = out[doc.doc_id]
            base = len(rows["sentences"])
            ents, speakers = entities.annotate(
                sdoc, author=doc.author, site=doc.site, kind=doc.kind, catalogue=self.catalogue
            )
            for j, sent in enumerate(sdoc.sents):
                rows["sentences"].append(
                    {
                        "sent_idx": base + j,
                        "start": offset + sent.start_char,
                        "end": offset + sent.end_char,
                        "text": sent.text.strip(),
                    }
                )
            rows["entities"] += [
                {**e, "sent_idx": base + e["sent_idx"], "start": offset + e["start"], "end": offset + e["end"]}
                for e in ents
            ]
            rows["speakers"] += [{**s, "sent_idx": base + s["sent_idx"]} for s in speakers]
        for rows in out.values():
            keep = {r["sent_idx"] for r in rows["sentences"] if len(r["text"]) >= MIN_SENTENCE_CHARS}
            for table in ("sentences", "entities", "speakers"):
                rows[table] = [r for r in rows[table] if r["sent_idx"] in keep]
        return out
