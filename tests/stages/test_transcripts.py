"""Transcripts: labelled speaker turns start sentences and decide who speaks each sentence of the turn."""

from __future__ import annotations

import pytest
from spacy.language import Language

from pipeline.stages.attribution import default_speaker
from pipeline.stages.catalogue import Catalogue
from pipeline.stages.entities import annotate
from pipeline.stages.entity_names import canonicalise
from pipeline.stages.transcript import display, label_at, person_name, turns

BRIEFING = (
    "Via Teleconference\n\n6:36 P.M. EDT\n\n"
    "MS. PATTERSON:  Thanks, everyone, for joining today's press call. I'll hand things over.\n\n"
    "SECRETARY RAIMONDO:  Thank you. Open-weight models drive American innovation.\n"
    "We will not restrict them.\n\n"
    "Q    Will the administration restrict open models? Critics say they are dangerous.\n\n"
    "SENIOR ADMINISTRATION OFFICIAL:  No. Dr. Chen said open models are safe.\n\n"
    "MS. PATTERSON:  Next question.\n"
)


@pytest.mark.parametrize(
    ("line", "label", "name"),
    [
        ("MS. PATTERSON:  Thanks", "MS. PATTERSON", "Patterson"),
        ("SECRETARY GINA RAIMONDO: Thank you", "SECRETARY GINA RAIMONDO", "Gina Raimondo"),
        ("THE PRESIDENT:  I'm the AI.", "THE PRESIDENT", None),
        ("SENIOR ADMINISTRATION OFFICIAL:  Yes.", "SENIOR ADMINISTRATION OFFICIAL", None),
        ("MR. O'BRIEN: Well", "MR. O'BRIEN", "O'Brien"),
        ("Q    Hi, can you hear me?", "Q", None),
        ("Q: Will you publish the weights?", "Q", None),
    ],
)
def test_labels_and_the_people_they_name(line: str, label: str, name: str | None) -> None:
    assert label_at(line) == label and person_name(label) == name


@pytest.mark.parametrize(
    "line",
    [
        "Open models: a primer",
        "The U.S. said: no",
        "Quite so.",
        "AI models are open.",
        "DOI: 10.48550/arXiv.2403.07918",
        "URL: https://example.org",
        "NOTE: see above",
    ],
)
def test_ordinary_lines_are_no_labels(line: str) -> None:
    assert label_at(line) is None


def test_turns_need_a_speaker_twice_or_a_question() -> None:
    assert turns(["DRIVING AMERICAN AI DOMINANCE: text", "More text.", "NOTE: once"]) == [None] * 3
    assert turns(["A. Background", "Text.", "A  second list", "DOI: 1", "DOI: 2"]) == [None] * 5  # answers alone
    assert turns(["Intro.", "Q  Why?", "MS. LEE: Because.", "Indeed."]) == [None, "Q", "MS. LEE", "MS. LEE"]
    assert display("Q") == "reporter" and display("MS. LEE") == "Ms. Lee"


@pytest.mark.slow
def test_briefing_turns_give_each_sentence_its_speaker(entity_nlp: Language, catalogue: Catalogue) -> None:
    doc = entity_nlp(BRIEFING)
    sents = [s.text.strip() for s in doc.sents]
    assert "MS. PATTERSON:  Thanks, everyone, for joining today's press call." in sents  # the label stays whole
    assert not any(s in ("MS.", "PATTERSON:", "MS. PATTERSON:") for s in sents)

    def resolve(surface: str, label: str) -> tuple[str, str, str] | None:
        return canonicalise(surface, label, catalogue)

    issuer = default_speaker(author=None, site="White House", kind="statement", resolve=resolve)
    _, rows = annotate(doc, site="White House", kind="statement", catalogue=catalogue)
    who = {sents[r["sent_idx"]]: (r["speaker_id"], r["speaker"], r["method"]) for r in rows}
    assert who["Via Teleconference"] == issuer  # before the first turn: the issuer
    assert who["I'll hand things over."] == ("patterson", "Ms. Patterson", "transcript")
    assert who["We will not restrict them."] == ("gina-raimondo", "Gina Raimondo", "transcript")  # the catalogue's
    assert who["Critics say they are dangerous."][:2] == (None, "Critics")  # reported speech still wins
    question = next(s for s in sents if s.startswith("Q "))
    assert who[question] == (None, "reporter", "transcript")  # an unnamed reporter: no actor
    # a role speaks for the issuer; someone quoted inside the turn keeps the quote
    assert who["SENIOR ADMINISTRATION OFFICIAL:  No."] == (issuer[0], issuer[1], "transcript")
    assert who["Dr. Chen said open models are safe."][2] == "reported"
