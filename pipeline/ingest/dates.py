"""Publication dates: from metadata first, then front matter, then a sidecar manifest, then the URL, then a dateline
in the text."""

from __future__ import annotations

import re
from datetime import date, datetime

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for m in names
}
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MDY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)\b", re.I)
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH},?\s+((?:19|20)\d\d)\b", re.I)
_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_URL = re.compile(r"/((?:19|20)\d\d)[/-](\d\d)[/-](\d\d)(?:/|-|\b)")
_YEAR_MONTH = re.compile(r"^((?:19|20)\d\d)-(\d\d)(?![-\d])")  # "2024-03", "2024-03 (comment period ...)"
# A metadata value written with numbers only: 2025/07/14, 14/07/2025, 07/14/2025, 14.07.2025.
_NUMERIC = re.compile(r"^(\d{1,4})([/.])(\d{1,2})\2(\d{1,4})$")
DATELINE_CHARS = 600  # a dateline sits near the top of an article


def _valid(y: int, m: int, d: int, *, today: date | None = None) -> str | None:
    try:
        found = date(y, m, d)
    except ValueError:
        return None
    if found > (today or date.today()) or found.year < 1990:
        return None
    return found.isoformat()


def parse_date(value: object) -> str | None:
    """An ISO date from a metadata value: a date, a datetime, an ISO string or a written-out date."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    month = _YEAR_MONTH.match(text)
    if month and 1 <= int(month.group(2)) <= 12 and _valid(int(month.group(1)), int(month.group(2)), 1):
        return f"{month.group(1)}-{month.group(2)}"  # only the month is known: ISO 8601 reduced precision
    return _numeric_date(text) or date_in_text(text, limit=len(text))


def _numeric_date(text: str) -> str | None:
    """Year first; else the part above 12 is the day; else day first with dots (14.07.2025), month first with
    slashes (07/08/2025, the US habit of most of this corpus's sources)."""
    m = _NUMERIC.match(text)
    if not m:
        return None
    a, sep, b, c = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
    if len(m.group(1)) == 4:
        return _valid(a, b, c)
    if len(m.group(4)) != 4:
        return None
    day_first = a > 12 or (b <= 12 and sep == ".")
    return _valid(c, b, a) if day_first else _valid(c, a, b)


def date_from_url(url: str | None) -> str | None:
    if not url:
        return None
    m = _URL.search(url)
    return _valid(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def date_in_text(text: str, *, limit: int = DATELINE_CHARS) -> str | None:
    """The first plausible date written near the top of ``text`` ("Sep 3, 2025", "3 September 2025", ISO)."""
    head = text[:limit]
    best: tuple[int, str] | None = None
    for rx, order in ((_MDY, "mdy"), (_DMY, "dmy"), (_ISO, "ymd")):
        for m in rx.finditer(head):
            if order == "mdy":
                y, mo, d = int(m.group(3)), _MONTHS[m.group(1).lower().rstrip(".")], int(m.group(2))
            elif order == "dmy":
                y, mo, d = int(m.group(3)), _MONTHS[m.group(2).lower().rstrip(".")], int(m.group(1))
            else:
                y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            iso = _valid(y, mo, d)
            if iso and (best is None or m.start() < best[0]):
                best = (m.start(), iso)
            break
    return best[1] if best else None


def find_date(
    *,
    metadata: dict[str, object] | None = None,
    front_matter: dict[str, object] | None = None,
    manifest: dict[str, object] | None = None,
    url: str | None = None,
    text: str = "",
) -> tuple[str | None, str]:
    """``(iso_date, source)`` with source one of metadata / front_matter / manifest / url / in_text / unknown."""
    keys = ("published", "date", "published_time", "publication_date", "pubdate", "datePublished")
    for source, meta in (("metadata", metadata), ("front_matter", front_matter), ("manifest", manifest)):
        for key in keys:
            found = parse_date((meta or {}).get(key))
            if found:
                return found, source
    found = date_from_url(url)
    if found:
        return found, "url"
    found = date_in_text(text)
    return (found, "in_text") if found else (None, "unknown")
