"""Parse the date strings news pages print into timezone-aware datetimes.

Korean pages mostly print local time without an offset (``2025.12.15. 오후 4:45``,
``입력 2025-12-15 16:45``, ``2025년 12월 15일 16시 45분``); those are read in the source's
time zone (KST by default). Strings that carry an offset (ISO 8601 from JSON-LD, RFC 822
from feeds) keep it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from functools import cache
from zoneinfo import ZoneInfo

KST = "Asia/Seoul"

_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?(?![\d.:])",
)
# 2025.12.15. 오후 4:45 / 2025.12.15 16:45 / 2025/12/15 16:45:03 / 2023.04.07.T19:22
_DOTTED = re.compile(
    r"(?P<y>\d{4})\s*[./]\s*(?P<m>\d{1,2})\s*[./]\s*(?P<d>\d{1,2})\.?\s*T?"
    r"(?:\s*\(?\s*(?P<ampm>오전|오후|AM|PM|am|pm)?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?",
)
# 2025년 12월 15일 (월) 오후 4시 45분 / 2025년 12월 15일 16:45
_KOREAN = re.compile(
    r"(?P<y>\d{4})\s*년\s*(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일(?:\s*\([^)]*\))?"
    r"(?:\s*(?P<ampm>오전|오후)?\s*(?P<H>\d{1,2})\s*(?:시|:)\s*(?:(?P<M>\d{1,2})\s*분?)?(?::(?P<S>\d{2}))?)?",
)
# Compact stamps some portals put in meta tags: 20251215164504 (Daum's og:regDate).
_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?$")
_RFC822 = re.compile(r"^[A-Za-z]{3},?\s+\d{1,2}\s+[A-Za-z]{3}\s+\d{4}")


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _offset(text: str) -> timezone:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _build(match: re.Match[str], tz: str, offset: str | None = None) -> datetime | None:
    parts = match.groupdict()
    hour = int(parts.get("H") or 0)
    ampm = (parts.get("ampm") or "").lower()
    if ampm in ("오후", "pm") and hour < 12:
        hour += 12
    elif ampm in ("오전", "am") and hour == 12:
        hour = 0
    try:
        value = datetime(
            int(parts["y"]), int(parts["m"]), int(parts["d"]),
            hour, int(parts.get("M") or 0), int(parts.get("S") or 0),
        )
    except ValueError:
        return None
    if offset:
        return value.replace(tzinfo=_offset(offset))
    return value.replace(tzinfo=_zone(tz))


def parse_date(raw: str | None, tz: str = KST) -> datetime | None:
    """The first date (and time) in ``raw`` as an aware datetime; None when there is none.

    A string with an offset keeps it; one without is local time in ``tz``. A date
    without a time is midnight local time.
    """
    if not raw:
        return None
    text = raw.strip()
    if _RFC822.match(text):
        try:
            value = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            value = None
        if value is not None:
            return value if value.tzinfo else value.replace(tzinfo=_zone(tz))
    if match := _COMPACT.match(text):
        return _build(match, tz)
    candidates = []
    for pattern in (_ISO, _DOTTED, _KOREAN):
        match = pattern.search(text)
        if match:
            candidates.append(match)
    if not candidates:
        return None
    match = min(candidates, key=lambda m: m.start())
    return _build(match, tz, match.groupdict().get("tz"))


def to_iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset, seconds precision (``2025-12-15T16:45:00+09:00``)."""
    if value is None:
        return None
    return value.isoformat(timespec="seconds")
