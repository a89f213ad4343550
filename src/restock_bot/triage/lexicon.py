"""Compiling a lexicon (a list of regular expressions, in order of preference) into one fast alternation.

Python's `re` tries every alternative of `A|B|C|...` at every character of the text. A lexicon of fifty
word patterns each starting with `\\b` therefore costs fifty attempts per character. `compile_lexicon`
gives the same matches, in the same order of preference, far faster:
  - a run of patterns that start with `\\b` shares one `\\b`, so the run is tried only at word boundaries;
  - inside the run, the alternatives are bucketed by the letters they can start with (read from the
    parsed pattern), so at a boundary only the alternatives that can start with the letter there run.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

_parser: Any = importlib.import_module("re._parser")  # CPython's own regex parser (no public API)
_c: Any = importlib.import_module("re._constants")

BUCKET_FROM = 16  # alternatives in a run before bucketing them by first letter pays off (measured)


def compile_lexicon(patterns: list[str]) -> re.Pattern[str]:
    """One pattern matching what `(?:p1)|(?:p2)|...` matches, with the same preference between them."""
    parts: list[str] = []
    run: list[tuple[str, frozenset[str]]] = []
    for p in patterns:
        firsts = _first_letters(p[2:]) if starts_at_word_boundary(p) else None
        if firsts is not None:
            run.append((p[2:], firsts))
            continue
        if run:
            parts.append(_bucketed(run))
            run = []
        parts.append(f"(?:{p})")
    if run:
        parts.append(_bucketed(run))
    return re.compile(_first_letter_filter(patterns) + "(?:" + "|".join(parts) + ")")


def _first_letter_filter(patterns: list[str]) -> str:
    """`(?=[...])` of every letter a match can start with: one cheap test at each character before any
    alternative is tried (empty when some pattern's first letters cannot be told)."""
    letters: set[str] = set()
    for p in patterns:
        firsts = _first_letters(p)
        if firsts is None:
            return ""
        letters |= firsts
    return "(?=[" + "".join(_in_class(ch) for ch in sorted(letters)) + "])"


def _in_class(ch: str) -> str:
    return "\\" + ch if ch in "\\]^-[" else ch


def _bucketed(run: list[tuple[str, frozenset[str]]]) -> str:
    """`\\b` then, per first letter, the run's alternatives that can start with it (in their order). A short
    run is left as one alternation: a lookahead per letter would cost more than the few alternatives."""
    if len(run) < BUCKET_FROM:
        return r"\b(?:" + "|".join(f"(?:{body})" for body, _ in run) + ")"
    letters = sorted({ch for _, firsts in run for ch in firsts})
    buckets = []
    for ch in letters:
        alts = "|".join(f"(?:{body})" for body, firsts in run if ch in firsts)
        buckets.append(f"(?={re.escape(ch)})(?:{alts})")
    return r"\b(?:" + "|".join(buckets) + ")"


def starts_at_word_boundary(pattern: str) -> bool:
    """`\\b` then one sequence: no top-level `|` that the leading `\\b` would not cover."""
    if not pattern.startswith(r"\b"):
        return False
    items = _parse(pattern)
    return bool(items) and items[0] == (_c.AT, _c.AT_BOUNDARY)


def _first_letters(pattern: str) -> frozenset[str] | None:
    """The characters a match of `pattern` can start with, or None if that cannot be told (or is wide)."""
    items = _parse(pattern)
    found = _sequence(list(items)) if items is not None else None
    if found is None or found[1] or not found[0] or len(found[0]) > 64:
        return None  # unknown, or the pattern can match the empty string
    return frozenset(found[0])


def _parse(pattern: str) -> Any:
    try:
        return _parser.parse(pattern).data
    except (re.error, AttributeError):
        return None


def _sequence(items: list[Any]) -> tuple[set[str], bool] | None:
    """(first characters, can match empty) of a parsed sequence; None when unknown or any character."""
    out: set[str] = set()
    for op, av in items:
        found = _item(op, av)
        if found is None:
            return None
        out |= found[0]
        if not found[1]:
            return out, False
    return out, True


def _item(op: Any, av: Any) -> tuple[set[str], bool] | None:
    if op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
        return set(), True  # an assertion consumes nothing
    if op is _c.LITERAL:
        return {chr(av)}, False
    if op is _c.IN:
        chars = _set_of(av)
        return None if chars is None else (chars, False)
    if op is _c.BRANCH:
        out: set[str] = set()
        empty = False
        for branch in av[1]:
            found = _sequence(list(branch))
            if found is None:
                return None
            out |= found[0]
            empty = empty or found[1]
        return out, empty
    if op is _c.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
        found = _sequence(list(av[2]))
        return None if found is None else (found[0], found[1] or av[0] == 0)
    return None


def _set_of(entries: list[Any]) -> set[str] | None:
    out: set[str] = set()
    for op, av in entries:
        if op is _c.LITERAL:
            out.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] <= 64:
            out.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None  # negated sets, categories (\w, \d) and wide ranges: any letter
    return out
