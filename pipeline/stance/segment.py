"""A plain regex sentence splitter for evaluation and tests only; the runner uses the sentences stage."""

from __future__ import annotations

import re

from pipeline.stance.data import clean_sentence

_PARA = re.compile(r"\n\s*\n")
_SENT = re.compile(r"([.!?][\"”')\]]?)\s+(?=[\"“(\[]?[A-Z0-9])")
_ABBREV = re.compile(r"\b(e\.g|i\.e|etc|vs|Mr|Ms|Dr|Inc|Co|U\.S|No|Fig|al)\.$")


def split_sentences(text: str, *, min_chars: int = 3) -> list[str]:
    """Paragraphs, then sentence ends followed by a capital; PDF line breaks inside a paragraph are joined."""
    out: list[str] = []
    for para in _PARA.split(text):
        pieces = _SENT.sub("\\1\0", clean_sentence(para)).split("\0")
        buf = ""
        for piece in pieces:
            buf = f"{buf} {piece}".strip() if buf else piece
            if not _ABBREV.search(buf):
                out.append(buf)
                buf = ""
        if buf:
            out.append(buf)
    return [s for s in out if len(s) >= min_chars]
