"""Side by side: triage CPU time per post of two checkouts on the same core, the same stores and posts.

    .venv/bin/python bench/triage_ab.py --size 100000 OLD_SRC NEW_SRC   # e.g. a `git worktree` of a commit

Each checkout runs in its own subprocess (pinned with taskset when available): the index is built once,
then `decide` runs over the bench posts (warm-up pass, then --runs timed passes, CPU time). Prints the
median posts/s, p50/p99 latency and a hash of every decision, so equal hashes mean the same answers.
Data comes from `bench/out/` (made by `triage_bench.py`).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"


def worker(src: str, size: int, runs: int) -> None:
    sys.path.insert(0, src)
    from restock_bot.post import post_from_dict
    from restock_bot.retailers import Store, read_stores
    from restock_bot.triage.catalog import Catalogue, load_products
    from restock_bot.triage.decide import Triage
    from restock_bot.triage.stores import StoreIndex

    stores = OUT / f"stores-{size}-s7.csv"
    posts_file = OUT / f"posts-{size}-s7-n3000.jsonl"
    index = StoreIndex.build(s for s in read_stores(stores) if isinstance(s, Store))
    triage = Triage(index, Catalogue(load_products(Path(src) / "restock_bot" / "data" / "products.csv")))
    posts = [post_from_dict(json.loads(line)) for line in posts_file.open(encoding="utf-8") if line.strip()]
    by_id = {p.id: p for p in posts}
    pairs = [(p, by_id.get(p.in_reply_to) if p.in_reply_to else None) for p in posts]
    decisions = [triage.decide(p, q) for p, q in pairs]
    answers = [(d.action.value, d.store_id, d.sku, tuple(c.store_id for c in d.candidates)) for d in decisions]
    rates, latencies = [], []
    for _ in range(runs):
        start = time.process_time()
        for p, q in pairs:
            t = time.perf_counter_ns()
            triage.decide(p, q)
            latencies.append(time.perf_counter_ns() - t)
        rates.append(len(pairs) / (time.process_time() - start))
    latencies.sort()
    print(
        json.dumps(
            {
                "posts_per_s": statistics.median(rates),
                "runs": [round(r) for r in rates],
                "p50_ms": latencies[len(latencies) // 2] / 1e6,
                "p99_ms": latencies[int(len(latencies) * 0.99)] / 1e6,
                "decisions": hashlib.sha256(repr(answers).encode()).hexdigest()[:12],
            }
        )
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("sources", nargs="*", help="src/ folders of the checkouts to compare")
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--core", default="1")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.size, args.runs)
        return
    pin = ["taskset", "-c", args.core] if shutil.which("taskset") else []
    for src in args.sources:
        cmd = [*pin, sys.executable, __file__, "--worker", src, "--size", str(args.size), "--runs", str(args.runs)]
        result = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        print(f"{src}: {result}")


if __name__ == "__main__":
    main()
