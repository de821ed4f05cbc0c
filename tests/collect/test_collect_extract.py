"""Extraction quality gate on pages rendered from ../shared in hostile templates (comments, teasers, ads)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from pipeline.collect import extract_html
from pipeline.collect.article import vote
from pipeline.errors import InputRejected

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from eval_extraction import load_pairs, scores, synthetic, tp_fp_fn  # noqa: E402

F1_FLOOR = 0.97  # measured 0.985 on 60 pages; a drop below this is a regression


def test_extraction_f1_on_rendered_pages_stays_above_floor(shared: Path, tmp_path: Path) -> None:
    synthetic(tmp_path, shared, n=12)
    rows = []
    for name, raw, truth in load_pairs(tmp_path):
        doc = extract_html(raw.decode("utf-8"), url=f"http://127.0.0.1/{name}")
        assert "I completely disagree" not in doc.text  # reader comments are not the article
        assert "Sign up for our daily briefing" not in doc.text
        rows.append(tp_fp_fn(truth, doc.text))
    assert scores(rows)["f1"] >= F1_FLOOR


def test_vote_keeps_majority_paragraphs_and_drops_furniture() -> None:
    body = "The committee approved the open model weights proposal after a long debate on Tuesday."
    extra = "Readers wrote in to complain about the weather in the comment section this week."
    cands = {
        "recall": f"{body}\nAdvertisement\n{extra}",
        "balanced": body,
        "precision": body,
        "readability": f"{body}\n{extra}",
        "justext": body,
    }
    assert vote(cands) == body


def test_empty_page_is_rejected() -> None:
    with pytest.raises(InputRejected) as err:
        extract_html("<html><body><nav><a href='/'>Home</a></nav></body></html>", url="http://127.0.0.1/x")
    assert err.value.code == "empty"


def test_a_page_that_shows_no_article_falls_back_to_its_json_ld_article_body() -> None:
    """A JavaScript shell whose only copy of the article is schema.org JSON-LD (with markup in it) is stored with
    that text; the visible text wins whenever there is enough of it."""
    body = "<p>Open-weight models let researchers audit systems.</p><p>Regulators should not ban them.</p>"
    ld = json.dumps({"@context": "https://schema.org", "@graph": [{"@type": "NewsArticle", "articleBody": body}]})
    shell = f'<html><head><script type="application/ld+json">{ld}</script></head><body><div id="app"></div></body>'
    doc = extract_html(shell + "</html>", url="http://127.0.0.1/js")
    assert doc.text == "Open-weight models let researchers audit systems.\nRegulators should not ban them."
    with pytest.raises(InputRejected, match="no article text"):
        extract_html(shell.replace("articleBody", "description") + "</html>", url="http://127.0.0.1/js")
