"""SAML timestamps (xs:dateTime, normally UTC with a Z)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})?$"
)


def parse_saml_time(value: str | None) -> datetime | None:
    """A timezone-aware datetime, or None when the text is not an xs:dateTime."""
    if value is None:
        return None
    match = _DATETIME.match(value.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    tz = timezone.utc
    if zone and zone != "Z":
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), micro, tzinfo=tz).astimezone(timezone.utc)
    except ValueError:
        return None


def aware(now: datetime | None) -> datetime:
    """``now`` as an aware UTC datetime (naive values are taken as UTC); the current time when None."""
    if now is None:
        return datetime.now(timezone.utc)
    return now if now.tzinfo else now.replace(tzinfo=timezone.utc)


_MOMENT = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$",
    re.IGNORECASE,
)


def parse_moment(text: str) -> datetime:
    """A moment a learner types (2026-11-27, 2026-11-27 12:00, 2026-11-27T12:00:05Z, …+01:00); UTC unless stated.

    Raises ValueError with a sentence when the text is not such a moment.
    """
    match = _MOMENT.match((text or "").strip())
    if not match:
        raise ValueError(f"{text!r} is not a date and time; write it like 2026-11-27 12:00 or 2026-11-27T12:00:05Z "
                         "(UTC unless an offset such as +01:00 is given).")
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    tz = timezone.utc
    if zone and zone.upper() not in ("Z", "UTC"):
        digits = zone[1:].replace(":", "")
        sign = 1 if zone[0] == "+" else -1
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                          int((fraction or "0")[:6].ljust(6, "0")), tzinfo=tz)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date and time.") from None
    return moment.astimezone(timezone.utc)
