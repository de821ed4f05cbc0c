"""Who holds the view in each sentence: quotes, reported speech and "according to", from the dependency parse;
in transcripts the speaker of the labelled turn (``method="transcript"``, ``pipeline.stages.transcript``).

Falls back to the document's author or issuing body (``method="author"``), else no speaker (``"none"``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from spacy.tokens import Doc, Span, Token

from pipeline.stages import transcript
from pipeline.stages.catalogue import slugify

Speaker = tuple[str | None, str | None, str]  # speaker_id, speaker, method
Resolve = Callable[[str, str], "tuple[str, str, str] | None"]

ISSUER_KINDS = ("comment", "statement", "policy", "policy-factsheet", "policy-extract")
_IRREGULAR = {"say": ["said"], "tell": ["told"], "write": ["wrote", "written"], "think": ["thought"]}


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Verbs that report a view even without a clausal complement ("X warned.", "..., X argued").
STRONG = words("say argue warn claim contend insist caution urge declare assert tell accuse")
WEAK = words(
    "write note add explain state believe suggest announce predict stress emphasize emphasise "
    "acknowledge admit comment remark think observe maintain testify recommend respond counter "
    "complain conclude propose estimate posit"
)
PRONOUNS = {"he": "person", "she": "person", "it": "org", "they": "any"}
ORG_NOUNS = frozenset(words("company firm lab startup group organization organisation government agency"))
TITLE_NOUNS = frozenset(words("ceo executive founder co-founder head chief director president chair"))
# Unnamed but human subjects of reported speech ("critics argue"): kept as a speaker without an id.
HUMAN = frozenset(
    words(
        "experts critics analysts officials researchers scientists advocates supporters opponents "
        "executives lawmakers legislators people observers commenters commentators developers investors "
        "economists proponents skeptics sceptics many some others leaders founders engineers spokesperson "
        "spokesman spokeswoman source sources"
    )
)
_QUOTE = re.compile('["“”«»]')
_ORGS = ("org", "gov_body")
# Who can hold a view: a model, a policy or a place that "says" something is output or text, not a speaker.
SPEAKER_LABELS = frozenset(("person", "org", "gov_body", "country"))


def _forms(verbs: tuple[str, ...]) -> frozenset[str]:
    out: set[str] = set()
    for v in verbs:
        stem = v[:-1] if v.endswith("e") else v
        out |= {v, v + "s", stem + "ed", stem + "ing", *_IRREGULAR.get(v, [])}
    return frozenset(out)


STRONG_FORMS, WEAK_FORMS = _forms(STRONG), _forms(WEAK)


def default_speaker(*, author: str | None, site: str | None, kind: str | None, resolve: Resolve) -> Speaker:
    """The author, or for comments, statements and policies the issuing organisation; else nobody."""
    for who in (site, author) if kind in ISSUER_KINDS else (author,):
        if who:
            names = name_forms(who)
            for name in names:
                found = resolve(name, "ORG" if who is site else "PERSON")
                if found:
                    return found[0], found[1], "author"
            plain = names[min(1, len(names) - 1)]
            return slugify(plain), plain, "author"
    return None, None, "none"


_PAREN = re.compile(r"\s*\(([^()]*)\)\s*$")
_SUFFIX = re.compile(r",?\s+(?:inc|incorporated|corp|corporation|ltd|limited|llc|l\.l\.c|plc|pbc|gmbh)\.?$", re.I)
_LAST_FIRST = re.compile(r"^([A-Z][\w'-]+),\s+([A-Z][\w'.-]*(?:\s+[A-Z][\w'.-]*)?)$")


def name_forms(who: str) -> list[str]:
    """A byline or issuer as given, then plain: no trailing "(CSET)", company suffix, leading "The" or "www.", "Foster,
    Charles" as "Charles Foster"; then the bracketed short name ("a16z")."""
    name, short = who.strip(), ""
    if bracket := _PAREN.search(name):
        name, short = name[: bracket.start()], bracket.group(1).strip(" \"'“”‘’")
    while (bare := _SUFFIX.sub("", name).strip(" ,")) != name:
        name = bare
    name = re.sub(r"^(the\s+|www\.)", "", name, flags=re.I)  # "www.whitehouse.gov" is whitehouse.gov
    if flipped := _LAST_FIRST.match(name):
        name = f"{flipped[2]} {flipped[1]}"
    return list(dict.fromkeys(n for n in (who.strip(), name, short) if n))


def _subject(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass", "csubj"):  # csubj: a name mis-parsed as a verb
            return child
    if verb.dep_ in ("conj", "advcl", "xcomp") and verb.head is not verb:  # "X attacked ..., claiming that"
        return _subject(verb.head)
    return None


def _in(rows: list[dict[str, Any]], start: int, end: int) -> list[dict[str, Any]]:
    return [r for r in rows if r["start"] < end and r["end"] > start]


def _look_back(recent: list[dict[str, Any]], want: str) -> Speaker | None:
    for r in reversed(recent):
        if r["label"] not in SPEAKER_LABELS:
            continue
        if want == "any" or r["label"] == want or (want == "org" and r["label"] in _ORGS):
            return r["entity_id"], r["entity"], ""
    return None


def _resolve(tok: Token, rows: list[dict[str, Any]], recent: list[dict[str, Any]]) -> Speaker | None:
    """The entity a subject (or ``according to`` object) names; pronouns, "the company", "the CEO" look back."""
    left, right = tok.left_edge, tok.right_edge
    found = [r for r in _in(rows, left.idx, right.idx + len(right)) if r["label"] in SPEAKER_LABELS]
    people = [r for r in found if r["label"] == "person"]
    if not people and tok.lower_ in TITLE_NOUNS:  # "the CEO of Mistral AI told ..." -> the person named before
        return _look_back(recent, "person") or _resolve_found(found)
    if found:
        head = [r for r in found if r["start"] <= tok.idx < r["end"] and r["label"] == "person"]
        return _resolve_found(head or people or found)
    want = PRONOUNS.get(tok.lower_) or ("org" if tok.lower_ in ORG_NOUNS else None)
    if want:  # the nearest earlier mention, this sentence's included
        return _look_back(recent + [r for r in rows if r["end"] <= tok.idx], want)
    if tok.lower_ in HUMAN:
        return None, " ".join(t.text for t in tok.subtree).strip(" -–—*•:;,"), ""  # no markdown bullet
    return None


def _resolve_found(found: list[dict[str, Any]]) -> Speaker | None:
    return (found[0]["entity_id"], found[0]["entity"], "") if found else None


def _reported(sent: Span, rows: list[dict[str, Any]], recent: list[dict[str, Any]]) -> Speaker | None:
    quoted = bool(_QUOTE.search(sent.text))
    for tok in sent:
        if tok.lower_ == "according" and tok.i + 1 < sent.end and tok.nbor(1).lower_ == "to":
            obj = next((c for c in tok.nbor(1).children if c.dep_ == "pobj"), None)
            who = _resolve(obj, rows, recent) if obj is not None else None
            if who:
                return who[0], who[1], "according_to"
    verbs = [t for t in sent if t.lower_ in STRONG_FORMS or t.lower_ in WEAK_FORMS]
    verbs.sort(key=lambda t: (t.dep_ != "ROOT", len(list(t.ancestors))))
    for verb in verbs:
        complement = (
            any(c.dep_ in ("ccomp", "parataxis") for c in verb.children)
            or verb.dep_ in ("parataxis", "ccomp")
            and quoted
        )
        if not (complement or verb.lower_ in STRONG_FORMS) or not verb.tag_.startswith("VB"):
            continue
        subj = _subject(verb)
        if subj is None or subj.lower_ in ("i", "we", "you"):
            continue
        who = _resolve(subj, rows, recent)
        if who:
            return who[0], who[1], "quote" if quoted else "reported"
    return None


def _quote_blocks(doc: Doc) -> list[list[int]]:
    """Runs of sentences inside one quotation that spans several sentences."""
    blocks: list[list[int]] = []
    current: list[int] = []
    depth = 0
    for i, sent in enumerate(doc.sents):
        opened = depth > 0
        for ch in _QUOTE.findall(sent.text):
            depth = 1 if ch in "“«" else 0 if ch in "”»" else 1 - depth
        if opened or depth > 0:
            current.append(i)
        if depth == 0 and current:
            blocks.append(current)
            current = []
    return [b for b in blocks if len(b) > 1]


def turn_speaker(label: str, rows: list[dict[str, Any]], *, default: Speaker, resolve: Resolve | None) -> Speaker:
    """Who speaks a transcript turn: the person its label names (as the text names them in full, else through
    the catalogue, else as labelled), the issuer for a role ("SENIOR ADMINISTRATION OFFICIAL") or an answer,
    an unnamed reporter for "Q"."""
    if label == transcript.ANSWER:
        return default
    if label == transcript.QUESTION:
        return None, transcript.display(label), "transcript"
    name = transcript.person_name(label)
    if name is None:  # a role speaks for the issuing body when the document has one
        return (default[0], default[1], "transcript") if default[0] else (None, transcript.display(label), "transcript")
    last = name.split()[-1].lower()
    for r in rows:  # named in full in the text ("Thanks, Robyn Patterson"), not the label's own mention
        full = r["entity"].split()
        if r["label"] == "person" and len(full) > len(name.split()) and full[-1].lower() == last:
            return r["entity_id"], r["entity"], "transcript"
    found = resolve(name, "PERSON") if resolve else None
    if found and found[2] == "person":
        return found[0], found[1], "transcript"
    return slugify(name), transcript.display(label), "transcript"


def speakers(
    doc: Doc, rows: list[dict[str, Any]], *, default: Speaker, resolve: Resolve | None = None
) -> list[dict[str, Any]]:
    """One row per sentence of ``doc``: ``sent_idx, speaker_id, speaker, method``.

    A sentence inside a quotation that runs over several sentences gets the speaker the quotation is
    attributed to in any of them (``“A. B,” said X.`` attributes A to X too). In a transcript, a sentence nobody
    is quoted or reported in belongs to the speaker of its turn.
    """
    by_sent: dict[int, list[dict[str, Any]]] = {}
    for r in rows:
        by_sent.setdefault(r["sent_idx"], []).append(r)
    found: dict[int, Speaker] = {}
    recent: list[dict[str, Any]] = []
    texts: list[str] = []
    for i, sent in enumerate(doc.sents):
        texts.append(sent.text)
        mine = by_sent.get(i, [])
        who = _reported(sent, mine, recent)
        if who:
            found[i] = who
        recent = (recent + mine)[-12:]
    for block in _quote_blocks(doc):
        said = next((found[i] for i in block if i in found and found[i][2] == "quote"), None)
        for i in block:
            if said and i not in found:
                found[i] = said
    by_turn: dict[str, Speaker] = {}
    for i, label in enumerate(transcript.turns(texts)):
        if label is not None and i not in found:
            if label not in by_turn:
                by_turn[label] = turn_speaker(label, rows, default=default, resolve=resolve)
            found[i] = by_turn[label]
    return [
        {"sent_idx": i, "speaker_id": w[0], "speaker": w[1], "method": w[2]}
        for i, w in ((i, found.get(i, default)) for i in range(len(texts)))
    ]
