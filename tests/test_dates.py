"""Date strings as Korean and international news pages print them, to aware ISO 8601."""

from __future__ import annotations

import pytest

from pipelines.dates import parse_date, to_iso


@pytest.mark.parametrize(("raw", "expected"), [
    ("2025.12.15. 오후 4:45", "2025-12-15T16:45:00+09:00"),
    ("2025.12.15. 오전 12:05", "2025-12-15T00:05:00+09:00"),
    ("2025.12.15. 오후 12:30", "2025-12-15T12:30:00+09:00"),
    ("입력 2025-12-15 16:45", "2025-12-15T16:45:00+09:00"),
    ("입력 : 2025.12.15 16:45:03 | 수정 : 2025.12.15 17:00:00", "2025-12-15T16:45:03+09:00"),
    ("기사입력 2025/12/15 09:07", "2025-12-15T09:07:00+09:00"),
    ("2025년 12월 15일 (월) 오후 4시 45분", "2025-12-15T16:45:00+09:00"),
    ("2025년 12월 15일 16:45", "2025-12-15T16:45:00+09:00"),
    ("2025-06-04T02:37:08+09:00", "2025-06-04T02:37:08+09:00"),
    ("2023-04-07T10:11:02.613Z", "2023-04-07T10:11:02+00:00"),
    ("2025-05-15 20:00:52+09:00", "2025-05-15T20:00:52+09:00"),
    ("2025-12-15", "2025-12-15T00:00:00+09:00"),
    ("Mon, 15 Dec 2025 16:45:00 +0900", "2025-12-15T16:45:00+09:00"),
    ("Mon, 15 Dec 2025 07:45:00 GMT", "2025-12-15T07:45:00+00:00"),
    ("2023.04.07.T19:22", "2023-04-07T19:22:00+09:00"),
    ("20251215164504", "2025-12-15T16:45:04+09:00"),
])
def test_parses_to_aware_iso(raw: str, expected: str) -> None:
    assert to_iso(parse_date(raw)) == expected


def test_local_time_uses_the_given_zone() -> None:
    assert to_iso(parse_date("2025-12-15 16:45", "Europe/London")) == "2025-12-15T16:45:00+00:00"


@pytest.mark.parametrize("raw", ["", None, "작성일 12-15", "오늘", "2025-13-45 10:00"])
def test_no_date_gives_none(raw: str | None) -> None:
    assert parse_date(raw) is None
