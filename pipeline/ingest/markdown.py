"""Markdown markup out of a text, so that sentences read as prose: links keep their words, images, HTML comments
and inline tags go, headings become paragraphs of their own.

Hand-written (a few regexes): a Markdown renderer would give HTML, whose text would then need the same care to
keep paragraphs, and the files here are mostly prose with light markup.
"""

from __future__ import annotations

import re

_COMMENT = re.compile(r"<!--.*?(-->|\Z)", re.S)
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")
_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^()\n]|\([^)\n]*\))*\)")  # [words](url "title"), url may hold ()
_REF_LINK = re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]")
_TAG = re.compile(r"</?(?:u|b|i|em|strong|span|sup|sub|small|mark|br|a)\b[^>\n]*>", re.I)
_HEADING = re.compile(r"(?m)^[ \t]{0,3}#{1,6}[ \t]+(.+?)[ \t#]*$")
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_SPACES = re.compile(r"[ \t]{2,}")
_BLANKS = re.compile(r"\n{3,}")


def plain_markdown(text: str) -> str:
    text = _COMMENT.sub("", text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _REF_LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _HEADING.sub(lambda m: f"\n{m.group(1)}\n", text)  # a heading is its own paragraph
    text = _BOLD.sub(r"\2", text)
    text = "\n".join(_SPACES.sub(" ", line).rstrip() for line in text.split("\n"))
    return _BLANKS.sub("\n\n", text).strip()
