from __future__ import annotations

import pytest

from pipeline.ingest.dates import date_from_url, date_in_text, find_date, parse_date


def test_metadata_beats_front_matter_beats_url_beats_text() -> None:
    got = find_date(
        metadata={"date": "2024-01-02"},
        front_matter={"date": "2023-05-06"},
        url="https://x.org/2022/07/08/a",
        text="Sep 3, 2021",
    )
    assert got == ("2024-01-02", "metadata")
    assert find_date(front_matter={"published": "2023-05-06"}, text="Sep 3, 2021") == ("2023-05-06", "front_matter")
    assert find_date(url="https://x.org/2022/07/08/a", text="Sep 3, 2021") == ("2022-07-08", "url")
    assert find_date(text="Headline\n\nSep 3, 2025 at 12:59pm EDT\nBody") == ("2025-09-03", "in_text")


def test_written_out_dates() -> None:
    assert date_in_text("Washington, 30 October 2023 — The President") == "2023-10-30"
    assert date_in_text("Posted January 20th, 2025 by staff") == "2025-01-20"
    assert parse_date("2025-07-15 23:20:50-04:00") == "2025-07-15"
    assert parse_date("2024-03 (comment period 2024-02-26..2024-03-27)") == "2024-03"  # only the month: kept so
    assert parse_date("2024-13") is None and parse_date("2024-0312") is None


def test_impossible_or_future_dates_are_ignored() -> None:
    assert date_in_text("Feb 30, 2024") is None
    assert date_in_text("Sep 3, 2099") is None
    assert date_from_url("https://x.org/9999/99/99/") is None
    assert find_date(text="no date here at all") == (None, "unknown")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("14/07/2025", "2025-07-14"),
        ("07/14/2025", "2025-07-14"),
        ("2025/07/14", "2025-07-14"),
        ("14.07.2025", "2025-07-14"),
        ("07.08.2025", "2025-08-07"),
        ("07/08/2025", "2025-07-08"),
        ("31/02/2025", None),
        ("1/2/25", None),
    ],
)
def test_numeric_metadata_dates(value: str, expected: str | None) -> None:
    assert parse_date(value) == expected
