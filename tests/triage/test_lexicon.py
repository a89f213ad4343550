"""compile_lexicon must find exactly what the plain alternation `(?:p1)|(?:p2)|...` finds, only faster."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from restock_bot.triage import language
from restock_bot.triage.lexicon import compile_lexicon, starts_at_word_boundary
from restock_bot.triage.text import read_text

POSTS = Path(__file__).resolve().parents[1] / "posts"


def plain(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


def spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]


def our_texts() -> list[str]:
    texts = []
    for path in sorted(POSTS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.append(read_text(json.loads(line)["text"]).folded)
    return texts


def lexicons() -> list[tuple[str, list[str]]]:
    out = [(f"absence-{lang}", ps) for lang, ps in language._ABSENCE.items()]
    out += [(kind, ps) for kind, ps in language._KILLERS.items()]
    return [*out, ("other_object", language._OTHER_OBJECT_PATTERNS)]


@pytest.mark.parametrize(("name", "patterns"), lexicons(), ids=[n for n, _ in lexicons()])
def test_each_cue_lexicon_finds_what_the_plain_alternation_finds(name: str, patterns: list[str]) -> None:
    texts = our_texts()
    assert len(texts) > 100
    fast, slow = compile_lexicon(patterns), plain(patterns)
    found = 0
    for text in texts:
        expected = spans(slow, text)
        assert spans(fast, text) == expected, text
        found += len(expected)
    assert found > 0, f"no post of ours has a {name} cue: the comparison would prove nothing"


@pytest.mark.parametrize(
    "patterns",
    [
        [r"\bcan't find", r"\bcannot find", r"\bsold out\b", r"\bnot there\b"] * 5,  # a long run: bucketed
        [r"\bfoo|bar", r"\bbaz"],  # a top-level '|' the leading \b does not cover
        [r"\bx?y", r"(?:^|[.!] ?)not at\b", r"\bnot"],  # optional first letter; start-or-punctuation
        [r"(?<=[ab])c", r"(?<!d)e+", r"\b[]x]y", r"\b\w+ gone"],  # look-behinds, ']' in a class, \w
        [r"\b(?:a|)b", r"\bq*"],  # can start with 'b'; can match the empty string
    ],
)
def test_edge_cases_match_the_plain_alternation(patterns: list[str]) -> None:
    texts = [
        "can't find it",
        "cannot find, sold out. not there",
        "bar foo baz",
        "xy y not at home. not",
        "ac bc cc dee ee",
        "]y xy",
        "it is all gone",
        "b ab qqq",
        "",
        "q",
    ]
    fast, slow = compile_lexicon(patterns), plain(patterns)
    for text in texts:
        assert spans(fast, text) == spans(slow, text), (patterns, text)


def test_a_top_level_alternative_is_not_taken_for_a_word_boundary_pattern() -> None:
    assert starts_at_word_boundary(r"\b(?:a|b)c")
    assert not starts_at_word_boundary(r"\bfoo|bar")
    assert not starts_at_word_boundary(r"(?:^|\.)not")


@pytest.mark.parametrize(("name", "patterns"), lexicons(), ids=[n for n, _ in lexicons()])
def test_each_cue_lexicon_keeps_its_first_letter_filter(name: str, patterns: list[str]) -> None:
    """A pattern whose first letters cannot be told (it starts with \\d, \\s, \\w or an optional part of those)
    turns the filter off for its whole lexicon and makes every post's search slower: write [0-9] and a
    literal start instead."""
    from restock_bot.triage.language import _script

    for script in {_script(p) for p in patterns}:
        group = [p for p in patterns if _script(p) == script]
        assert compile_lexicon(group).pattern.startswith("(?="), (name, script)
