"""What every fuzz property saw: inputs tried per target, and each rejection's reason with its specifics blanked.

The properties record here; `bench/fuzz.py` prints the totals after a run (pytest alone ignores them)."""

from __future__ import annotations

import re
from collections import Counter

TRIED: Counter[str] = Counter()
ACCEPTED: Counter[str] = Counter()
REJECTED: Counter[tuple[str, str]] = Counter()
OUTCOMES: Counter[tuple[str, str]] = Counter()  # what a target answered when it has no rejections (triage)

_QUOTED = re.compile(r"(?<!\w)'.*?'(?!\w)|(?<!\w)\".*?\"(?!\w)")  # values as repr() quotes them
_NUMBER = re.compile(r"(?<![\w-])\d[\w.+-]*")
_POST_ID = re.compile(r"^post .*?: ")
_PATH_LINE = re.compile(r"^\S+\.(?:csv|toml):\d+: ")
_DETAIL = re.compile(r"\s*\[type=.*$")


def reason_class(message: str) -> str:
    """A rejection message without the values in it, so that alike rejections count together."""
    first = message.strip().splitlines()[0] if message.strip() else "(empty message)"
    first = _POST_ID.sub("", first)
    first = _PATH_LINE.sub("", first)
    first = _DETAIL.sub("", first)
    first = _QUOTED.sub("…", first)
    first = re.split(r"(?<!\w)['\"]", first, maxsplit=1)[0]  # an unbalanced quote: a value was cut short
    status, first = (first[:4], first[4:]) if re.match(r"\d{3} ", first) else ("", first)  # keep HTTP statuses
    first = status + _NUMBER.sub("N", first)
    return first[:90].encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates as escapes


def tried(target: str) -> None:
    TRIED[target] += 1


def accepted(target: str) -> None:
    TRIED[target] += 1
    ACCEPTED[target] += 1


def rejected(target: str, message: str) -> None:
    TRIED[target] += 1
    REJECTED[(target, reason_class(message))] += 1


def outcome(target: str, what: str) -> None:
    TRIED[target] += 1
    OUTCOMES[(target, what)] += 1


def reset() -> None:
    for counter in (TRIED, ACCEPTED, REJECTED, OUTCOMES):
        counter.clear()
