"""Choosing between candidate extractions: short lines, the consensus fallback, title and tail trimming."""

from __future__ import annotations

import lxml.html

from pipeline.collect.article import article_text, consensus, page_titles, trim, vote

BODY = [
    "The committee approved the open model weights proposal after a long debate on Tuesday evening.",
    "Members said the release would let smaller labs audit the systems that large firms now deploy.",
    "Critics warned that safeguards could be removed once the weights were published on the internet.",
]


def test_vote_keeps_a_short_heading_that_the_other_extractors_also_found() -> None:
    text = "\n".join([BODY[0], "Open questions", BODY[1]])
    cands = {"recall": text, "balanced": text, "precision": text, "readability": "\n".join(BODY), "justext": text}
    assert vote(cands) == text  # three tokens cannot be shingled; the exact word run counts as a vote


def test_vote_falls_back_to_the_extraction_the_others_agree_with() -> None:
    article, junk = "\n".join(BODY), "Log in\nSubscribe to our newsletter today for the latest headlines"
    cands = {
        "recall": f"{junk}\n{article}"[:40],  # a broken recall run: the vote over its lines keeps too little
        "balanced": f"{junk}\n{article}",
        "precision": article,
        "readability": article,
        "justext": BODY[0],
    }
    assert consensus(cands) == article
    assert vote(cands) == article


def test_trim_drops_the_repeated_title_byline_and_a_late_related_block() -> None:
    head = ["Committee backs open weights", "By Jane Roe | Nov 19, 2019"]
    text = "\n".join([*head, *BODY, "Related stories", "- Another headline entirely"])
    assert trim(text, titles=["Committee backs open weights | Daily Wire"]) == "\n".join(BODY)
    assert trim("\n".join(["Related stories", *BODY]), titles=[]) == "\n".join(["Related stories", *BODY])


def test_trim_knows_tail_headings_with_a_site_name_or_in_other_languages() -> None:
    for heading in ("More Must-Reads From TIME", "Comentar", "Leave a Reply"):
        assert trim("\n".join([*BODY, heading, "- Another headline entirely"])) == "\n".join(BODY)
    # A short body sentence that starts like a heading does not end the article.
    late = "\n".join([*BODY, "More news came on Tuesday.", BODY[0]])
    assert trim(late) == late


def test_article_text_leaves_out_the_h1_title_of_a_page() -> None:
    paras = "".join(f"<p>{p} {p}</p>" for p in BODY)
    page = (
        "<html><head><title>Committee backs open weights - Daily Wire</title></head><body>"
        f"<nav><a href='/'>Home</a></nav><article><h1>Committee backs open weights</h1>{paras}</article>"
        "<footer>© 2025 Daily Wire</footer></body></html>"
    )
    tree = lxml.html.fromstring(page)
    assert "Committee backs open weights" in page_titles(tree)
    text = article_text(tree) or ""
    assert text.startswith(BODY[0])
    assert "Committee backs open weights" not in text


def test_vote_drops_trafilatura_only_lines_outside_the_article_and_a_block_given_twice() -> None:
    steps = [f"Step {n}: download the weights, check the licence and run the model card's evaluation." for n in "1234"]
    footer = "Powered by Tumblr | Minecraft News | Theme by Example Studio, all rights reserved"
    body = [f"{line[:-1]}, said speaker {n}." for n in range(4) for line in BODY]
    recall = "\n".join([*body, *steps, *steps, footer])
    article = "\n".join([*body, *steps])
    cands = {"recall": recall, "balanced": recall, "precision": recall, "readability": article, "justext": article}
    assert vote(cands) == article  # the footer had only the trafilatura runs' votes, the list came twice
    code = "\n".join([BODY[0], "return x", BODY[1], "return x", BODY[2]])  # a single repeated line stays
    assert vote({n: code for n in ("recall", "balanced", "precision", "readability", "justext")}) == code


def test_a_headline_split_over_lines_is_trimmed_by_its_words() -> None:
    text = "\n".join(["Committee backs", "open weights, at last", *BODY])
    assert trim(text, titles=["At last, the committee backs open weights - Daily Wire"]) == "\n".join(BODY)


def test_justext_reads_a_french_page_with_the_french_stoplist() -> None:
    para = (
        "Le comité a approuvé la publication des poids du modèle après un long débat, et les membres ont dit "
        "que cette décision permettrait aux petits laboratoires de vérifier les systèmes des grandes entreprises."
    )
    tree = lxml.html.fromstring(f"<html><body><nav><a href='/'>Accueil</a></nav><p>{para}</p><p>{para}</p>"
                                "</body></html>")  # fmt: skip
    from pipeline.collect.article import EXTRACTORS

    assert para in EXTRACTORS["justext"](tree, None)
