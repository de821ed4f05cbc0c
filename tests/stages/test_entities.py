"""Entities and attribution: canonical names, clean-up of NER errors, speakers, exports, the gold-set floor."""

from __future__ import annotations

import importlib.util
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from spacy.language import Language

from pipeline.errors import ModelMissing
from pipeline.stages.attribution import default_speaker
from pipeline.stages.catalogue import Catalogue, load_catalogue, ruler_patterns
from pipeline.stages.entities import annotate, build_nlp, prepare_text
from pipeline.stages.entity_names import acronyms, canonicalise
from pipeline.stages.entity_tables import entity_tables

REPO = Path(__file__).resolve().parents[2]


def ids(rows: list[dict]) -> set[str]:
    return {r["entity_id"] for r in rows}


@pytest.mark.parametrize(
    "surface",
    [
        "HF",
        "huggingface",
        "HuggingFace",
        "Hugging Face's",
        "Hugging Face’s",
        "HUGGING FACE",
        "Hugging Face Inc.",
        "Warns Hugging Face",
        "the Hugging Face",
    ],
)
def test_aliases_map_to_hugging_face(surface: str, catalogue: Catalogue) -> None:
    assert canonicalise(surface, "ORG", catalogue) == ("hugging-face", "Hugging Face", "org")


@pytest.mark.parametrize(
    ("surface", "label", "expected"),
    [
        ("CEO Clement Delangue", "PERSON", "clement-delangue"),
        ("Clément Delangue", "PERSON", "clement-delangue"),
        ("the White House", "FAC", "white-house"),
        ("OpenAI.", "GPE", "openai"),
        ("Qwen3-Coder", "PERSON", "qwen"),
        ("Grok 4 Heavy", "PERSON", "grok"),
        ("U.S. AI", "ORG", "united-states"),
        ("American", "NORP", "united-states"),
        ("PRC", "ORG", "china"),
        ("AI", "GPE", None),
        ("A.I.", "ORG", None),
        ("Chinese", "LANGUAGE", None),
    ],
)
def test_canonicalise_cleans_surface_forms(
    surface: str, label: str, expected: str | None, catalogue: Catalogue
) -> None:
    found = canonicalise(surface, label, catalogue)
    assert (found[0] if found else None) == expected


def test_prepare_text_keeps_offsets() -> None:
    text = "The **White House** said [today](https://x.y/z) that the\nplan is done, \\[sic\\].\n\nNext"
    out = prepare_text(text)
    assert len(out) == len(text)
    assert "White House" in out and "https" not in out and out.count("\n") == 2


def test_model_missing_is_a_clear_error(catalogue: Catalogue) -> None:
    with pytest.raises(ModelMissing, match="not installed"):
        build_nlp(model="no_such_spacy_model_xyz", catalogue=catalogue)


def test_workspace_catalogue_extends_and_overrides(tmp_path: Path) -> None:
    extra = tmp_path / "entities.toml"
    extra.write_text(
        '[opentide-lab]\nname = "Opentide Lab"\ntype = "org"\naliases = ["OTL"]\n\n'
        '[hugging-face]\naliases = ["Huggers"]\n\n[meta]\ndisabled = true\n\n'
        '[ignore]\nsurfaces = ["Tiny Aya"]\n',
        encoding="utf-8",
    )
    cat = load_catalogue(extra)
    assert canonicalise("OTL", "ORG", cat) == ("opentide-lab", "Opentide Lab", "org")
    assert (canonicalise("Huggers", "ORG", cat) or ("",))[0] == "hugging-face"
    assert (canonicalise("HF", "ORG", cat) or ("",))[0] == "hugging-face"  # packaged aliases kept
    assert canonicalise("Meta", "ORG", cat) is None and canonicalise("Tiny Aya", "PERSON", cat) is None
    early, _ = ruler_patterns(cat)
    assert {"label": "ORG", "pattern": "otl", "id": "opentide-lab"} in early
    assert not any(p["id"] == "meta" for p in early)


def test_case_sensitive_aliases_do_not_match_common_words(catalogue: Catalogue) -> None:
    early, late = ruler_patterns(catalogue)
    phrases = {p["pattern"] for p in early + late if isinstance(p["pattern"], str)}
    assert {"Meta", "HF", "huggingface", "Deepseek-R1", "US"} <= phrases
    assert not {"meta", "hf", "us", "apple"} & phrases


@pytest.mark.slow
def test_seed_documents_yield_canonical_top_entities(entity_nlp: Language, catalogue: Catalogue, shared: Path) -> None:
    counts: Counter[str] = Counter()
    texts: set[str] = set()
    for path in sorted((shared / "seeds").glob("*.txt")):
        rows, speakers = annotate(entity_nlp(path.read_text(encoding="utf-8")), catalogue=catalogue)
        counts.update(r["entity_id"] for r in rows)
        texts |= {r["entity"].casefold() for r in rows}
        assert [s["sent_idx"] for s in speakers] == list(range(len(speakers)))
    top = {eid for eid, _ in counts.most_common(20)}
    assert {
        "hugging-face",
        "clement-delangue",
        "openai",
        "meituan",
        "deepseek",
        "meta",
        "china",
        "united-states",
    } <= top
    assert not {"ai", "a.i.", "artificial intelligence"} & texts and "ai" not in counts


@pytest.mark.slow
def test_annotate_strips_titles_possessives_and_ai(entity_nlp: Language, catalogue: Catalogue) -> None:
    text = (
        "Open Up or Get Cooked, Warns Hugging Face CEO\n\n"
        "Hugging Face's CEO Clement Delangue said the AI race is not lost. AI is everywhere in the U.S."
    )
    rows, _ = annotate(entity_nlp(text), catalogue=catalogue)
    assert ids(rows) == {"hugging-face", "clement-delangue", "united-states"}
    assert {r["text"] for r in rows} >= {"Hugging Face", "Clement Delangue", "U.S."}
    assert all(text[r["start"] : r["end"]] == r["text"] for r in rows)


@pytest.mark.slow
def test_attribution_of_real_sentences(entity_nlp: Language, catalogue: Catalogue) -> None:
    text = (
        "Hugging Face CEO Clement Delangue recently argued that without a return to “open science,” "
        "the U.S. risks ceding momentum to countries that freely share methods, weights, and benchmarks. "
        "DeepSeek held over 150,000 exchanges with Claude, according to Anthropic. "
        "Mensch said there is a replatforming taking place. "
        "The open models are transparent and verifiable."
    )
    doc = entity_nlp(text)
    _, speakers = annotate(doc, kind="statement", site="whitehouse.gov", catalogue=catalogue)
    got = [(s["speaker_id"], s["method"]) for s in speakers]
    assert got[0] == ("clement-delangue", "quote")
    assert got[1] == ("anthropic", "according_to")
    assert got[2] == ("arthur-mensch", "reported")
    assert got[3] == ("white-house", "author")
    _, none = annotate(doc, catalogue=catalogue)
    assert none[3]["method"] == "none" and none[3]["speaker_id"] is None


def test_models_and_policies_are_never_speakers(entity_nlp: Language, catalogue: Catalogue) -> None:
    text = (
        "DeepSeek-R1 suggests that open models can match the best closed ones. "
        "Grok said the release was safe. "
        "The AI Action Plan states that America must lead in open models. "
        "Meta says open source AI is the path forward."
    )
    _, speakers = annotate(entity_nlp(text), author="Nathan Lambert", catalogue=catalogue)
    got = [(s["speaker_id"], s["method"]) for s in speakers]
    assert got[:3] == [("nathan-lambert", "author")] * 3  # the model, the chatbot and the plan hold no view
    assert got[3] == ("meta", "reported")


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ('AH Capital Management, L.L.C. ("a16z")', ("a16z", "Andreessen Horowitz")),
        ("The Center for Security and Emerging Technology (CSET)", ("cset", "CSET")),
        ("Hugging Face Inc.", ("hugging-face", "Hugging Face")),
        ("Uber Technologies, Inc.", ("uber-technologies", "Uber Technologies")),
        ("Foster, Charles", ("charles-foster", "Charles Foster")),
        ("The Future Society", ("future-society", "Future Society")),
        ("www.whitehouse.gov", ("white-house", "White House")),
        ("bidenwhitehouse.archives.gov", ("white-house", "White House")),
    ],
)
def test_issuers_resolve_through_their_plain_and_short_names(
    author: str, expected: tuple[str, str], catalogue: Catalogue
) -> None:
    who = default_speaker(
        author=author, site=None, kind="comment", resolve=lambda s, lab: canonicalise(s, lab, catalogue)
    )
    assert who == (*expected, "author")


def test_short_names_a_text_defines_are_its_long_names(entity_nlp: Language, catalogue: Catalogue) -> None:
    text = (
        "The Connected Health Initiative (CHI) welcomes the inquiry. CHI urges NTIA to keep open weights lawful. "
        "The National Association of Manufacturers (“NAM”) agrees, and NAM says so."
    )
    rows, _ = annotate(entity_nlp(text), catalogue=catalogue)
    by_text = {r["text"]: r["entity_id"] for r in rows}
    assert by_text["CHI"] == by_text["Connected Health Initiative"] == "connected-health-initiative"
    assert by_text["NAM"] == "national-association-of-manufacturers"
    assert acronyms("the U.S. (US) and Open Weights (OW) or the Center for AI Safety (CAIS)") == {
        "OW": "Open Weights",
        "CAIS": "Center for AI Safety",
    }


@pytest.mark.slow
def test_pronoun_and_multi_sentence_quote_follow_the_speaker(entity_nlp: Language, catalogue: Catalogue) -> None:
    text = (
        "Elon Musk attacked OpenAI in a deposition. "
        "He went so far as to say that nobody had been harmed by Grok. "
        "“Open models are good. They are the future,” Sam Altman said."
    )
    _, speakers = annotate(entity_nlp(text), catalogue=catalogue)
    assert [s["speaker_id"] for s in speakers] == [None, "elon-musk", "sam-altman", "sam-altman"]


def test_entity_tables_counts_months_and_edges() -> None:
    mentions = pd.DataFrame(
        [
            ("d1", 0, "openai", "OpenAI", "org"),
            ("d1", 0, "meta", "Meta", "org"),
            ("d1", 1, "openai", "OpenAI", "org"),
            ("d2", 0, "openai", "OpenAI", "org"),
            ("d2", 0, "meta", "Meta", "org"),
            ("d3", 0, "china", "China", "country"),
        ],
        columns=["doc_id", "sent_idx", "entity_id", "entity", "label"],
    )
    docs = pd.DataFrame({"doc_id": ["d1", "d2", "d3"], "published": ["2025-01-05", "2025-02-10", None]})
    out = entity_tables(mentions, docs)
    ents = out["entities"].set_index("entity_id")
    assert list(out["entities"].columns) == [
        "entity",
        "entity_id",
        "label",
        "mentions",
        "documents",
        "first_seen",
        "last_seen",
    ]
    assert ents.loc["openai", ["mentions", "documents", "first_seen", "last_seen"]].tolist() == [
        3,
        2,
        "2025-01-05",
        "2025-02-10",
    ]
    monthly = out["entity_mentions_monthly"]
    assert monthly[monthly.entity_id == "openai"][["period", "mentions"]].values.tolist() == [
        ["2025-01-01", 2],
        ["2025-02-01", 1],
    ]
    assert "china" not in set(monthly.entity_id)  # undated documents have no month
    edges = out["entity_edges"]
    assert edges[["source", "target", "weight", "documents", "scope"]].values.tolist() == [
        ["meta", "openai", 2, 2, "sentence"]
    ]
    assert entity_tables(mentions, docs, scope="document")["entity_edges"]["weight"].tolist() == [2]


def test_entity_dates_of_mixed_forms_are_all_read() -> None:
    """A month-only date, a day and a timestamp with offset: none is dropped, whichever comes first."""
    mentions = pd.DataFrame(
        [(d, 0, "ntia", "NTIA", "gov_body") for d in ("d1", "d2", "d3")],
        columns=["doc_id", "sent_idx", "entity_id", "entity", "label"],
    )
    dates = ["2025-07-24", "2024-03", "2025-09-03T23:59:00-04:00"]
    for order in (dates, dates[::-1]):
        out = entity_tables(mentions, pd.DataFrame({"doc_id": ["d1", "d2", "d3"], "published": order}))
        assert out["entities"][["first_seen", "last_seen"]].values.tolist() == [["2024-03-01", "2025-09-03"]]
        assert out["entity_mentions_monthly"]["period"].tolist() == ["2024-03-01", "2025-07-01", "2025-09-01"]


@pytest.mark.slow
def test_gold_set_floors(entity_nlp: Language, catalogue: Catalogue, shared: Path) -> None:
    spec = importlib.util.spec_from_file_location("eval_entities", REPO / "bench" / "eval_entities.py")
    assert spec and spec.loader
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    gold = bench.load_gold()
    assert len(gold) >= 40 and sum(len(g["entities"]) for g in gold) >= 120
    result = bench.evaluate(entity_nlp, catalogue, gold, shared)
    assert result["attribution_sentences"] >= 40
    assert result["precision"] >= 0.90 and result["recall"] >= 0.90
    assert result["attribution_accuracy"] >= 0.75


def test_sentences_start_at_paragraphs_and_list_items_but_not_at_wrapped_lines(entity_nlp: Language) -> None:
    text = (
        "Open models and the law\n\nThe order directs agencies to act. It sets three duties:\n"
        "(i) report on dual-use foundation models;\n(ii) assess widely available weights;\n"
        "- a bullet on licensing\n- a bullet on audits\n\nThe comment argues that open weights\n"
        "help researchers audit models."
    )
    assert [s.text.strip() for s in entity_nlp(text).sents] == [
        "Open models and the law",
        "The order directs agencies to act.",
        "It sets three duties:",
        "(i) report on dual-use foundation models;",
        "(ii) assess widely available weights;",
        "- a bullet on licensing",
        "- a bullet on audits",
        "The comment argues that open weights\nhelp researchers audit models.",
    ]
