"""A fast stand-in for an entity ruler's ``Matcher`` when every token pattern is one token with a TEXT regex.

spaCy's ``Matcher`` tests every regex on every token; with a hundred model-version patterns ("Llama-4",
"Qwen3.5") that cost more than the parser. :class:`TokenRegexMatcher` gives the same ``(key, start, end)``
matches by testing each distinct word once (behind one combined regex that rejects most words), caching the
answer per word for the life of the process.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from spacy.attrs import ORTH
from spacy.tokens import Doc
from spacy.vocab import Vocab

_NO_KEYS: tuple[int, ...] = ()


def _scoped(regex: str) -> str:
    """``regex`` as a group that can sit inside an alternation (a leading ``(?i)`` becomes ``(?i:...)``)."""
    match = re.match(r"\(\?([aiLmsux]+)\)", regex)
    return f"(?{match.group(1)}:{regex[match.end() :]})" if match else f"(?:{regex})"


class TokenRegexMatcher:
    """``matcher(doc)`` -> ``[(key, i, i + 1), ...]`` for each token whose text matches a rule's regex
    (``re.search``, as the Matcher's ``REGEX`` predicate does), once per key, in token order then rule order."""

    def __init__(self, vocab: Vocab, rules: list[tuple[int, str]]) -> None:
        self.vocab = vocab
        self.rules = [(key, re.compile(regex)) for key, regex in rules]
        self.any = re.compile("|".join(_scoped(regex) for _, regex in rules)) if rules else None
        self._keys: dict[int, tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self.rules)

    def keys_for(self, orth: int) -> tuple[int, ...]:
        keys = self._keys.get(orth)
        if keys is None:
            text = self.vocab.strings[orth]
            keys = _NO_KEYS
            if self.any is not None and self.any.search(text):
                keys = tuple(dict.fromkeys(key for key, regex in self.rules if regex.search(text)))
            self._keys[orth] = keys
        return keys

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        if not self.rules or not len(doc):
            return []
        orths = doc.to_array(ORTH)
        hits = [int(o) for o in np.unique(orths) if self.keys_for(int(o))]
        if not hits:
            return []
        positions = np.flatnonzero(np.isin(orths, hits))
        return [(key, int(i), int(i) + 1) for i in positions for key in self.keys_for(int(orths[i]))]


def speed_up(ruler: Any) -> bool:
    """Swap an ``entity_ruler``'s Matcher for a :class:`TokenRegexMatcher` when all its token patterns are
    single-token TEXT regexes (returns whether it did); phrase patterns are untouched."""
    rules: list[tuple[int, str]] = []
    for label, patterns in ruler.token_patterns.items():
        for pattern in patterns:
            spec = pattern[0] if len(pattern) == 1 else {}
            regex = spec.get("TEXT", {}).get("REGEX") if list(spec) == ["TEXT"] else None
            if not isinstance(regex, str) or list(spec["TEXT"]) != ["REGEX"]:
                return False
            rules.append((ruler.nlp.vocab.strings.add(label), regex))
    ruler.matcher = TokenRegexMatcher(ruler.nlp.vocab, rules)
    return True
