"""The fuzz run: every property of tests/fuzz under the `fuzz` hypothesis profile, then the figures.

Prints inputs tried per target, the total, crashes (failed properties, each with hypothesis's smallest
failing input in the pytest output above the figures; must be 0), rejections by reason and the run time.
Writes bench/out/fuzz.json (--out names another file, for runs split with -k).

    .venv/bin/python bench/fuzz.py                    # 8,000 examples per property: over 100,000 inputs
    .venv/bin/python bench/fuzz.py --examples 500     # a quick look
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


class Outcomes:
    """A pytest plugin that keeps which properties passed and which failed."""

    def __init__(self) -> None:
        self.passed: list[str] = []
        self.failed: list[str] = []

    def pytest_runtest_logreport(self, report: object) -> None:
        when, nodeid = getattr(report, "when", ""), getattr(report, "nodeid", "")
        if getattr(report, "failed", False):
            self.failed.append(nodeid)
        elif when == "call" and getattr(report, "passed", False):
            self.passed.append(nodeid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=8000, help="hypothesis max_examples per property")
    parser.add_argument("--top", type=int, default=8, help="reasons shown per target")
    parser.add_argument("--out", default="fuzz.json", help="file name of the figures under bench/out/")
    args, pytest_args = parser.parse_known_args()  # the rest goes to pytest (e.g. -k webhook)

    os.environ["HYPOTHESIS_PROFILE"] = "fuzz"
    os.environ["FUZZ_EXAMPLES"] = str(args.examples)
    sys.path.insert(0, str(ROOT))
    import pytest

    from tests.fuzz import tally

    outcomes = Outcomes()
    started = time.monotonic()
    code = pytest.main(
        ["-q", "-p", "no:cacheprovider", "--tb=short", str(ROOT / "tests" / "fuzz"), *pytest_args],
        plugins=[outcomes],
    )
    seconds = time.monotonic() - started

    by_target: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (target, reason), count in tally.REJECTED.most_common():
        by_target[target].append((reason, count))
    outcomes_by_target: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (target, what), count in tally.OUTCOMES.most_common():
        outcomes_by_target[target].append((what, count))

    print(f"\nfuzz run: {args.examples} examples per property, {seconds:.0f} s\n")
    print(f"{'target':<28}{'tried':>10}{'accepted':>10}{'rejected':>10}")
    for target in sorted(tally.TRIED):
        rejected = sum(n for _, n in by_target.get(target, []))
        print(f"{target:<28}{tally.TRIED[target]:>10}{tally.ACCEPTED[target]:>10}{rejected:>10}")
    total = sum(tally.TRIED.values())
    print(f"{'total':<28}{total:>10}")
    print(
        f"\nproperties: {len(outcomes.passed)} passed, {len(outcomes.failed)} failed (crashes: {len(outcomes.failed)})"
    )
    for nodeid in outcomes.failed:
        print(f"  CRASH {nodeid}")
    for target in sorted(set(by_target) | set(outcomes_by_target)):
        print(f"\n{target}:")
        for reason, count in (by_target.get(target) or outcomes_by_target[target])[: args.top]:
            print(f"  {count:>7}  {reason}")

    OUT.mkdir(parents=True, exist_ok=True)
    figures = {
        "examples_per_property": args.examples,
        "seconds": round(seconds, 1),
        "tried": dict(tally.TRIED),
        "accepted": dict(tally.ACCEPTED),
        "total": total,
        "properties_passed": len(outcomes.passed),
        "crashes": outcomes.failed,
        "rejections": {t: dict(r) for t, r in by_target.items()},
        "outcomes": {t: dict(r) for t, r in outcomes_by_target.items()},
    }
    (OUT / args.out).write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return int(code)


if __name__ == "__main__":
    raise SystemExit(main())
