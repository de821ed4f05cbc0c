"""Choosing between candidate extractions: short lines, the consensus fallback, title and tail trimming."""

from __future__ import annotations

import lxml.html

from pipeline.collect.article import EXTRACTORS, article_text, consensus, page_titles, trim, vote

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


def test_vote_keeps_the_article_sentences_of_a_long_line_that_also_holds_teasers() -> None:
    teasers = ["Top stories", "Another headline entirely, with a teaser under it.", "Partner news from the region."]
    cell = "| " + " ".join(BODY) + "  " + "  ".join(teasers) + " |"  # a layout-table cell given as one line
    article = " ".join(BODY)
    cands = {"recall": cell, "balanced": cell, "precision": article, "readability": article, "justext": article}
    assert vote(cands) == "| " + article


def test_what_only_the_recall_run_of_trafilatura_found_needs_four_votes() -> None:
    caption = "Delegates shake hands in the hall on Tuesday. The vote came late. Photo: Staff"  # a gallery caption
    article = "\n".join(BODY)
    loose = "\n".join([caption, *BODY])
    cands = {"recall": loose, "balanced": article, "precision": article, "readability": loose, "justext": loose}
    assert vote(cands) == article  # three of five, but neither stricter trafilatura run
    assert vote({**cands, "balanced": loose}) == loose


def test_vote_adds_the_tail_that_trafilatura_cut_off_when_readability_and_justext_found_it() -> None:
    more = [
        f"In part {n} of the second half, the reporter quoted officials who asked for more time before any vote."
        for n in range(3)
    ]
    head, whole = "\n".join(BODY), "\n".join([*BODY, *more])
    cands = {"recall": head, "balanced": head, "precision": head, "readability": whole, "justext": whole}
    assert vote(cands) == whole
    promo = "\n".join([*BODY, more[0], "SUBSCRIBE", *more[1:]])  # furniture inside the tail stays out
    assert vote({**cands, "readability": promo, "justext": promo}) == whole
    assert vote({**cands, "justext": head}) == head  # readability alone does not say trafilatura stopped early
    captions = "\n".join([*more, *BODY])  # what readability has beyond the article comes before it: not a cut tail
    assert vote({**cands, "readability": captions, "justext": captions}) == head


def test_vote_keeps_a_sentence_between_kept_lines_that_one_other_extractor_found() -> None:
    linked = "The discovery was announced in an article published on Monday in a journal."  # precise runs drop it
    full = "\n".join([BODY[0], linked, BODY[1]])
    short = "\n".join([BODY[0], BODY[1]])
    cands = {"recall": full, "balanced": full, "precision": short, "readability": short, "justext": short}
    assert vote(cands) == full
    teaser = "\n".join([BODY[0], "Read more", BODY[1]])  # too short to fill a gap on one vote
    assert vote({**cands, "recall": teaser, "balanced": teaser}) == short


# The shape of a real page (reduced, with our own words) on which trafilatura dropped the article's first paragraph.
LEAD_PAGE = """<html><body><div><div><div id="content"><div><div>
<div>Lead paragraph of the article, which the extractor should keep. <br>Second paragraph of the article stays.
</div></div></div></div>
<div><div><ul>{teasers}</ul></div><div><ul>{teasers}</ul></div></div></div></div>
<div><div><div><p>{filler}</p></div></div></div></body></html>"""


def test_trafilatura_runs_keep_the_lead_text_of_a_br_laid_out_block() -> None:
    from pipeline.collect.extractors import EXTRACTORS

    teasers = "".join(f"<li><div><a><p>{line}</p></a></div></li>" for line in BODY)
    page = LEAD_PAGE.format(teasers=teasers, filler=" ".join(BODY))
    for name in ("precision", "balanced", "recall"):
        text = EXTRACTORS[name](lxml.html.fromstring(page), None)
        assert "Lead paragraph of the article" in text, name


def test_trim_drops_a_dateline_in_any_language_and_a_late_tags_block() -> None:
    text = "\n".join(["segunda-feira, 22 de janeiro de 2018 às 0:13", *BODY, "Tags", "open weights, model cards"])
    assert trim(text) == "\n".join(BODY)
    assert trim("\n".join(["At 10:30 the committee met.", *BODY])) == "\n".join(["At 10:30 the committee met.", *BODY])


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
    from pipeline.collect.extractors import EXTRACTORS

    assert para in EXTRACTORS["justext"](tree, None)


def test_a_standfirst_under_the_headline_is_not_article_text_but_a_first_paragraph_is() -> None:
    dek = "Smaller labs say the vote lets them audit the systems that large firms deploy, at last."
    paras = "".join(f"<p>{p} {p}</p>" for p in BODY)
    page = (
        "<html><head><title>Committee backs open weights</title>"
        f"<meta name='description' content='{BODY[0]} {BODY[0]}'></head><body><article>"
        "<h1>Committee backs open weights</h1><h2 class='{cls}' {prop}>{dek}</h2>"
        f"{paras}</article></body></html>"
    )
    for cls, prop in (("sub-head", "itemprop='description'"), ("article__dek", ""), ("standfirst", "")):
        text = article_text(lxml.html.fromstring(page.format(cls=cls, prop=prop, dek=dek))) or ""
        assert text.startswith(BODY[0]) and dek not in text, cls
    # A heading of another class stays; so does a first paragraph that the meta description repeats.
    text = article_text(lxml.html.fromstring(page.format(cls="subhead", prop="", dek=dek))) or ""
    assert text.startswith(dek) and BODY[0] in text
    assert trim("\n".join([dek, *BODY]), deks=[BODY[1]]) == "\n".join([dek, *BODY])  # only at the top


def test_an_embedded_tweet_is_article_text_and_the_page_tree_is_left_as_it_was() -> None:
    tweet = "Yes this is real and the state spent nearly half a million dollars on the new anti-drug slogan"
    paras = "".join(f"<p>{p} {p}</p>" for p in BODY)
    page = (
        f"<html><head><title>Slogan</title></head><body><article>{paras}"
        "<div class='social-media-embed'><blockquote class='twitter-tweet'>"
        f"<p lang='en' dir='ltr'>{tweet}</p>— Dianna E. Anderson (@diannaeanderson) "
        "<a href='https://twitter.com/x/status/1'>November 18, 2019</a></blockquote>"
        "<script async src='https://platform.twitter.com/widgets.js'></script></div>"
        f"{paras}</article></body></html>"
    )
    nested = page.replace("<div class='social-media-embed'>", "<div class='embed-wrapper'><div class='social'>")
    nested = nested.replace("</script></div>", "</script></div></div>")
    for html in (page, nested):
        tree = lxml.html.fromstring(html)
        text = article_text(tree) or ""
        assert tweet in text and text.startswith(BODY[0]) and text.rstrip().endswith(BODY[2])
        assert html is nested or "(@diannaeanderson) November 18, 2019" in text
        assert tree.xpath("//blockquote[@class='twitter-tweet']")  # the extractors worked on a copy


def test_trim_cuts_the_teaser_excerpts_of_other_posts_listed_after_the_article() -> None:
    teaser = " ".join(BODY * 3).rsplit(" ", 1)[0]  # 45 words of another post, cut off
    for mark in (" …", " ...", " […]", " [...]"):
        text = "\n".join([*BODY, teaser + mark, BODY[1], teaser + mark])
        assert trim(text) == "\n".join(BODY), mark
    for lone in ("And then the vote came, and the result was …", teaser + " …"):  # a line trailing off
        trailing = "\n".join([*BODY, lone, BODY[0]])
        assert trim(trailing) == trailing


def test_a_shortcode_line_a_promo_and_a_late_comment_prompt_are_not_article_text() -> None:
    promos = (
        "[button link=”http://example.org/submit-review/” type=”big”] Send us YOUR review[/button]",
        "Subscribe to WIRED and stay smart with more of your favorite Ideas writers.",
        "(Leggi anche su: I Cavalieri dello Zodiaco: ecco gli attori che interpreteranno Pegasus e co –FOTO)",
        "Read also: The committee's first vote on open weights, a year ago",
        "Related post: How the committee first voted on open weights",
    )
    for promo in promos:
        text = "\n".join([BODY[0], promo, *BODY[1:]])
        assert vote({name: text for name in EXTRACTORS}) == "\n".join(BODY), promo
    for tail in ("Tell us what YOU think...", "More Great WIRED Stories", "You May Also Like"):
        assert trim("\n".join([*BODY, tail, BODY[0]])) == "\n".join(BODY), tail


def test_wire_service_trailers_at_the_end_and_reading_times_are_not_article_text() -> None:
    trailers = [
        "Associated Press writers Alan Fram and Zeke Miller contributed to this report.",
        "Follow AP's full coverage of Brexit and British politics at https://www.apnews.com/Brexit",
        "More AP NBA: https://apnews.com/NBA and https://twitter.com/AP_Sports",
    ]
    assert trim("\n".join([*BODY, *trailers])) == "\n".join(BODY)
    credit = "Reporters from three bureaus contributed to this report, which the committee cited on Tuesday."
    assert trim("\n".join([credit, *BODY])) == "\n".join([credit, *BODY])  # only at the very end
    for furniture in ("Tempo de leitura: 2 minutos", "4 min read", "Filed under: Khawarij |"):
        text = "\n".join([BODY[0], furniture, *BODY[1:]])
        assert vote({name: text for name in EXTRACTORS}) == "\n".join(BODY), furniture
