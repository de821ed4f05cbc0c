"""A spaCy component that starts a sentence at every paragraph break and at every heading or list-item line, so
that a heading, a table row or an enumerated clause is not glued to the next paragraph (the parser alone
joined them into sentences of thousands of characters). A transcript's speaker label ("MS. PATTERSON:", "Q")
at a line's start also starts a sentence, and stays whole with the first words of the turn. Line breaks inside
a paragraph (PDF wrapping) stay joins."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from pipeline.stages import transcript

NAME = "paragraph_breaks"
_ITEM = re.compile(r"([-*•●▪◦]\s|\(?([ivx]{1,4}|[a-zA-Z]|\d{1,2})\)\s|\d{1,2}\.\s|#{1,6}\s)")  # a line's start


@Language.component(NAME)
def paragraph_breaks(doc: Doc) -> Doc:
    text = doc.text  # built from the tokens on every access: once here, not once per line (was quadratic)
    for tok in doc:
        prev = doc[tok.i - 1] if tok.i else None
        if tok.is_space or (prev is not None and not prev.is_space):
            continue
        line_start = prev is None or "\n" in prev.text
        item = _ITEM.match(text, tok.idx) if line_start else None
        end = item.end() if item else transcript.label_end(text, tok.idx) if line_start else None
        if prev is not None and (end is not None or "\n\n" in prev.text.replace(" ", "").replace("\t", "")):
            tok.is_sent_start = True
        if end is not None:  # the marker or label and the first word stay one sentence: "-" alone is none
            for inner in doc[tok.i + 1 : tok.i + 12]:
                if inner.idx > end:
                    break
                inner.is_sent_start = False
    return doc
