"""A spaCy component that starts a sentence at every paragraph break and at every heading or list-item line, so
that a heading, a table row or an enumerated clause is not glued to the next paragraph (the parser alone
joined them into sentences of thousands of characters). Line breaks inside a paragraph (PDF wrapping) stay
joins."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

NAME = "paragraph_breaks"
_ITEM = re.compile(r"([-*•●▪◦]\s|\(?([ivx]{1,4}|[a-zA-Z]|\d{1,2})\)\s|\d{1,2}\.\s|#{1,6}\s)")  # a line's start


@Language.component(NAME)
def paragraph_breaks(doc: Doc) -> Doc:
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if not prev.is_space or tok.is_space:
            continue
        item = _ITEM.match(doc.text, tok.idx) if "\n" in prev.text else None
        if item or "\n\n" in prev.text.replace(" ", "").replace("\t", ""):
            tok.is_sent_start = True
        if item:  # the marker and the item's first word stay one sentence: "-" alone is none
            for inner in doc[tok.i + 1 : tok.i + 6]:
                if inner.idx > item.end():
                    break
                inner.is_sent_start = False
    return doc
