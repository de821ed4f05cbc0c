"""Topic words: the vectorizer behind BERTopic's c-TF-IDF, its stop words and the short topic labels."""

from __future__ import annotations

import re
from typing import Any

_URL = re.compile(r"https?://\S+|www\.\S+|\S+/\S+")
# Words frequent in every text of this debate, useless in a topic label.
DOMAIN_STOP_WORDS = frozenset(
    {
        "ai",
        "artificial",
        "intelligence",
        "said",
        "says",
        "say",
        "also",
        "would",
        "could",
        "like",
        "just",
        "one",
        "new",
        "year",
        "years",
        "time",
        "make",
        "way",
        "think",
        "going",
        "really",
        "know",
        "lot",
        "get",
        "got",
        "use",
        "used",
        "us",
        "https",
        "http",
        "www",
        "com",
        "html",
        "thing",
        "things",
        "mr",
        "ms",
        "isn",
        "don",
        "doesn",
        "didn",
        "aren",
        "won",
        "ve",
        "ll",
        "re",
    }
)


def clean_for_words(text: str) -> str:
    """Lower-case text without URLs and paths, so link slugs never become topic words."""
    return _URL.sub(" ", text).lower()


def vectorizer(n: int) -> Any:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    stop = sorted(set(ENGLISH_STOP_WORDS) | set(DOMAIN_STOP_WORDS))
    return CountVectorizer(
        stop_words=stop,
        ngram_range=(1, 2),
        min_df=2 if n >= 60 else 1,
        preprocessor=clean_for_words,
        token_pattern=r"(?u)\b[a-z][a-z0-9]+(?:-[a-z0-9]+){0,2}\b",
    )


def label_for(words: list[str]) -> str:
    """Up to three top words that share no token with an earlier pick ("open source, china, safety")."""
    picked: list[str] = []
    seen: set[str] = set()
    for word in words:
        tokens = set(word.split())
        if tokens & seen:
            continue
        picked.append(word)
        seen |= tokens
        if len(picked) == 3:
            break
    return ", ".join(picked) if picked else "(no words)"
