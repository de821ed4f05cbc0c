"""The ``chunks`` stage: a document cut into paragraph-sized pieces, the units the topic model sees."""

from __future__ import annotations

import re

_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[\"'“‘(\[A-Z0-9])")


def chunk_document(text: str, *, words: int = 120) -> list[str]:
    """Split a text into paragraph-sized chunks of about ``words`` words.

    Paragraphs (blank-line separated) shorter than half the target are merged with the next; longer than
    twice the target are split at sentence ends. Chunk text is taken verbatim from the paragraphs.
    """
    pieces: list[str] = []
    for para in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        para = " ".join(para.split())
        if not para:
            continue
        if len(para.split()) <= 2 * words:
            pieces.append(para)
            continue
        current: list[str] = []
        for sent in _SENT_END.split(para):
            current.append(sent)
            if sum(len(s.split()) for s in current) >= words:
                pieces.append(" ".join(current))
                current = []
        if current:
            pieces.append(" ".join(current))
    chunks: list[str] = []
    buffer = ""
    for piece in pieces:
        buffer = f"{buffer}\n\n{piece}" if buffer else piece
        if len(buffer.split()) >= words // 2:
            chunks.append(buffer)
            buffer = ""
    if buffer:
        if chunks and len(buffer.split()) < words // 4:
            chunks[-1] = f"{chunks[-1]}\n\n{buffer}"
        else:
            chunks.append(buffer)
    return chunks
