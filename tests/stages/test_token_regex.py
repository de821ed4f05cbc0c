"""The fast one-token regex matcher finds exactly what spaCy's Matcher finds with the same patterns."""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import Matcher

from pipeline.stages.token_regex import TokenRegexMatcher

TEXT = (
    "Meta released Llama-4 and LLaMA2 last year; Qwen3.5 and qwen2.5-coder followed, and gpt-oss-120b beat "
    "GPT-4o on some tests. Llama alone, llamas and 2024 are not versions. Qwen3.5 again."
)


def test_token_regex_matcher_equals_spacy_matcher(entity_nlp: Language) -> None:
    ruler = entity_nlp.get_pipe("domain_ruler")
    fast = ruler.matcher  # type: ignore[attr-defined]
    assert isinstance(fast, TokenRegexMatcher) and len(fast) > 10
    slow = Matcher(entity_nlp.vocab)
    for label, patterns in ruler.token_patterns.items():  # type: ignore[attr-defined]
        slow.add(label, patterns)
    doc = entity_nlp.make_doc(TEXT)
    expected = sorted(slow(doc))
    assert expected == sorted(fast(doc)) == sorted(fast(doc))  # the second call answers from the cache
    found = {doc[i].text for _, i, _ in expected}
    assert {"Llama-4", "LLaMA2", "Qwen3.5"} <= found and "Llama" not in found


def test_token_regex_matcher_handles_flags_and_empty_docs(entity_nlp: Language) -> None:
    vocab = entity_nlp.vocab
    key = vocab.strings.add("PRODUCT||demo")
    matcher = TokenRegexMatcher(vocab, [(key, r"(?i)^demo\d$"), (key, r"^Demo\d+$")])
    doc = entity_nlp.make_doc("DEMO1 and Demo22 but not demo")
    assert matcher(doc) == [(key, 0, 1), (key, 2, 3)]  # once per key, even when two rules match
    assert matcher(entity_nlp.make_doc("")) == []
    assert TokenRegexMatcher(vocab, [])(doc) == []
