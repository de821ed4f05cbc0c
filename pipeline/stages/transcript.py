"""Speaker turns of transcripts: briefings, press calls and remarks label each turn at the start of a line
("MS. PATTERSON:  Thanks...", "SECRETARY RAIMONDO: ...", "Q    Hi, can you hear me?").

A labelled turn holds every sentence up to the next label. A label names a speaker with an honorific, a role or
a full name ("DOI:" or "NOTE:" in references are none), and turns count only in a text where a speaker speaks
twice or a reporter asks, so a capitalised heading ending in a colon ("DRIVING AMERICAN AI DOMINANCE:") is no
speaker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A line's start: an upper-case label of one to five words and a colon, or the "Q" before a reporter's question
# (and the "A" before its answer, in question-and-answer pages).
LABEL = re.compile(
    r"(?P<label>(?:(?:MR|MS|MRS|DR)\.\s+)?[A-Z][A-Z'’.-]*[A-Z.](?:\s+[A-Z][A-Z'’.-]*[A-Z.]){0,4}):\s+"
    r"|(?P<q>[QA])(?::\s+|\.\s+|\s{2,})"
)  # the white space after a label is part of the match: its end is where the turn's first word starts
HONORIFICS = frozenset(("MR.", "MS.", "MRS.", "DR.", "THE"))
# Words that name a role, not a person: "SECRETARY RAIMONDO" is Raimondo, "THE PRESIDENT" is nobody by name.
_ROLE_WORDS = (
    "PRESIDENT VICE SECRETARY SENATOR REPRESENTATIVE CONGRESSMAN CONGRESSWOMAN GOVERNOR AMBASSADOR ADMINISTRATOR "
    "DIRECTOR DEPUTY ADMIRAL GENERAL COMMISSIONER CHAIR CHAIRMAN CHAIRWOMAN LEADER SPEAKER PRIME MINISTER "
    "SENIOR ADMINISTRATION OFFICIAL OFFICIALS MODERATOR OPERATOR PARTICIPANT PARTICIPANTS AUDIENCE MEMBER "
    "STAFF PRESS ASSISTANT SPOKESPERSON"
)
ROLES = frozenset(_ROLE_WORDS.split())
QUESTION, ANSWER = "Q", "A"


def _speaker_like(label: str) -> bool:
    """An honorific, a role or a full name; not one bare word ("DOI:", "URL:", "NOTE:" in references and notes)."""
    words = label.split()
    return len(words) > 1 or words[0] in HONORIFICS or words[0] in ROLES


def _label(text: str, pos: int) -> tuple[str, int] | None:
    """The label starting at ``pos`` and where the turn's first word starts, else None."""
    found = LABEL.match(text, pos)
    if not found:
        return None
    label = found.group("q") or " ".join(found.group("label").split())
    return (label, found.end()) if found.group("q") or _speaker_like(label) else None


def label_at(text: str, pos: int = 0) -> str | None:
    """The turn label starting at ``pos`` of ``text`` (``"Q"`` for a reporter's question, ``"A"`` for an answer),
    else None."""
    found = _label(text, pos)
    return found[0] if found else None


def label_end(text: str, pos: int = 0) -> int | None:
    """Where the turn's first word starts after the label starting at ``pos``, else None."""
    found = _label(text, pos)
    return found[1] if found else None


def turns(sentences: Sequence[str]) -> list[str | None]:
    """For each sentence, the label of the turn it belongs to (None before the first label, or everywhere when the
    text is no transcript: no reporter asks and no speaker speaks twice; answers alone, "A." in lists, do not
    count)."""
    labels = [label_at(s.lstrip()) for s in sentences]
    given = [lab for lab in labels if lab is not None and lab != ANSWER]
    if QUESTION not in given and len(set(given)) == len(given):
        return [None] * len(sentences)
    out: list[str | None] = []
    current: str | None = None
    for lab in labels:
        current = lab or current
        out.append(current)
    return out


def person_name(label: str) -> str | None:
    """The person a label names, without honorific or role ("MS. PATTERSON" -> "Patterson", "SECRETARY GINA
    RAIMONDO" -> "Gina Raimondo"); None for a role alone ("THE PRESIDENT", "SENIOR ADMINISTRATION OFFICIAL")
    and for "Q" and "A"."""
    if label in (QUESTION, ANSWER):
        return None
    words = [w for w in label.split() if w not in HONORIFICS and w not in ROLES]
    return " ".join(w.capitalize() if w.isalpha() else w.title() for w in words) or None


def display(label: str) -> str:
    """A label as a reader would write it: "MS. PATTERSON" -> "Ms. Patterson", "Q" -> "reporter"."""
    return "reporter" if label == QUESTION else " ".join(w.title() for w in label.split())
