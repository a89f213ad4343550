"""Triage speed and memory at 1k / 100k / 1M stores, beside the naive scan, in one run.

For each size, in a fresh subprocess pinned to one core (`taskset -c 0`) so RSS and timing are clean:
  - a synthetic retailer list (bench/synth_stores.py) and posts (bench/synth_posts.py), cached in bench/out/
  - parse-only time of read_stores, then StoreIndex.build over read_stores (streaming): time, RSS
  - Triage.decide over all posts, single thread: posts/s (median of --runs), latency p50/p90/p99/max
  - the naive baseline: rapidfuzz.process.extractOne(post text, every store name) on a sample of posts
  - sizes of the index structures (sys.getsizeof walk) and the largest posting lists
  - optionally (--profile SIZE) a cProfile of decide over the posts
Results: bench/out/results-<size>.json and a rich table.

    .venv/bin/python bench/triage_bench.py --sizes 1000,100000,1000000 --profile 100000
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
ROOT = HERE.parent
PRODUCTS = ROOT / "src" / "restock_bot" / "data" / "products.csv"


# ---------------------------------------------------------------------------------------------------
# measuring helpers
# ---------------------------------------------------------------------------------------------------
def rss_mb() -> dict[str, float]:
    """Current and peak resident set size of this process, MB."""
    out = {"ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value = line.split(":", 1)
                out[name.lower() + "_mb"] = int(value.split()[0]) / 1024
    except OSError:
        pass
    return out


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def _size_of_store(s) -> int:  # noqa: ANN001
    n = sys.getsizeof(s)
    for f in (
        "store_id",
        "name",
        "chain",
        "handle",
        "address",
        "locality",
        "city",
        "state",
        "country",
        "postcode",
        "distributor_id",
    ):
        v = getattr(s, f)
        if v:
            n += sys.getsizeof(v)
    n += sys.getsizeof(s.aliases) + sum(sys.getsizeof(a) for a in s.aliases)
    n += sys.getsizeof(s.extra)
    for v in (s.lat, s.lon):
        if v is not None:
            n += sys.getsizeof(v)
    return n


def _pairs(inner):  # noqa: ANN001, ANN202
    """(kind, ids) pairs of one key's entry, whichever shape the index uses (dict of sets, tuple of pairs)."""
    return inner.items() if isinstance(inner, dict) else inner


def _n_ids(ids) -> int:  # noqa: ANN001
    return 1 if isinstance(ids, int) else len(ids)


def _size_of_keymap(m) -> tuple[int, int, int]:  # noqa: ANN001
    """(bytes of the map + keys + per-key entries + id containers, number of keys, number of ids).
    Store-index ints are shared with other structures and counted once elsewhere."""
    total = sys.getsizeof(m)
    ids = 0
    for k, inner in m.items():
        total += sys.getsizeof(k) + sys.getsizeof(inner)
        for pair in _pairs(inner):
            if not isinstance(inner, dict):
                total += sys.getsizeof(pair)
            _kind, s = pair
            if not isinstance(s, int):
                total += sys.getsizeof(s)
            ids += _n_ids(s)
    return total, len(m), ids


def _deep_size(obj, seen: set[int] | None = None) -> int:  # noqa: ANN001
    """getsizeof of a container and everything in it (ints and strs shared with the stores counted again)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    n = sys.getsizeof(obj)
    if isinstance(obj, dict):
        n += sum(_deep_size(k, seen) + _deep_size(v, seen) for k, v in obj.items())
    elif isinstance(obj, (list, tuple, set, frozenset)):
        n += sum(_deep_size(x, seen) for x in obj)
    elif hasattr(obj, "__slots__") or hasattr(obj, "__dict__"):
        for name in getattr(obj, "__slots__", ()) or vars(obj):
            n += _deep_size(getattr(obj, name, None), seen)
    return n


def index_breakdown(index) -> dict:  # noqa: ANN001
    """Bytes held by each structure of a StoreIndex (shallow getsizeof walk; ints of store ids counted once)."""
    n = len(index.stores)
    stores_b = sys.getsizeof(index.stores) + sum(_size_of_store(s) for s in index.stores)
    keys_b, n_keys, key_ids = _size_of_keymap(index.keys)
    skel_b, n_skel, skel_ids = _size_of_keymap(index.skeletons)
    lists_b = sum(sys.getsizeof(x) for x in (index.chain_of, index.city_of, index.cities))
    chains_b = sum(sys.getsizeof(c) + sys.getsizeof(c.branches) + sys.getsizeof(c.nicknames) for c in index.chains)
    ints_b = 28 * max(0, n - 256)  # one int object per store index, shared by every set that holds it
    known = {"stores", "keys", "skeletons", "chain_of", "city_of", "cities", "chains"}
    other = {name: _deep_size(value) / 2**20 for name, value in vars(index).items() if name not in known}
    other_b = sum(other.values()) * 2**20
    total = stores_b + keys_b + skel_b + lists_b + chains_b + ints_b + other_b
    sizes = sorted(((sum(_n_ids(x) for _kind, x in _pairs(inner)), k) for k, inner in index.keys.items()), reverse=True)
    per_key = [s for s, _ in sizes]
    by_kind: dict[str, list[int]] = {}
    for inner in index.keys.values():
        for kind, x in _pairs(inner):
            by_kind.setdefault(kind, []).append(_n_ids(x))
    return {
        "stores_mb": stores_b / 2**20,
        "keys_mb": keys_b / 2**20,
        "skeletons_mb": skel_b / 2**20,
        "id_ints_mb": ints_b / 2**20,
        "other_attributes_mb": other,
        "lists_chains_mb": (lists_b + chains_b) / 2**20,
        "total_mb": total / 2**20,
        "bytes_per_store": {"stores": stores_b / n, "keys": keys_b / n, "skeletons": skel_b / n, "total": total / n},
        "n_keys": n_keys,
        "n_key_ids": key_ids,
        "n_skeleton_keys": n_skel,
        "n_skeleton_ids": skel_ids,
        "n_chains": len(index.chains),
        "n_cities": len(index.cities),
        "largest_chain_branches": max((len(c.branches) for c in index.chains), default=0),
        "posting_list_p50": pct(per_key, 50),
        "posting_list_p99": pct(per_key, 99),
        "largest_posting_lists": [(k, s) for s, k in sizes[:8]],
        "keys_by_kind": {k: {"keys": len(v), "ids": sum(v), "max": max(v)} for k, v in by_kind.items()},
        "max_cjk_key": index.max_cjk_key,
    }


def source_hashes() -> dict[str, str]:
    """Which triage code was measured (the triage package changes often)."""
    import hashlib

    src = ROOT / "src" / "restock_bot"
    files = sorted((src / "triage").glob("*.py")) + [src / "retailers.py"]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest()[:12] for f in files}


# ---------------------------------------------------------------------------------------------------
# the worker: one size, one process
# ---------------------------------------------------------------------------------------------------
def worker(args: argparse.Namespace) -> dict:
    from rapidfuzz import fuzz, process

    from restock_bot.post import post_from_dict
    from restock_bot.retailers import Store, read_stores
    from restock_bot.triage.catalog import Catalogue, load_products
    from restock_bot.triage.decide import Triage
    from restock_bot.triage.stores import StoreIndex

    size = args.size
    stores_csv, posts_jsonl = Path(args.stores), Path(args.posts)
    res: dict = {
        "size": size,
        "stores_csv": str(stores_csv),
        "posts_jsonl": str(posts_jsonl),
        "python": platform.python_version(),
        "cpu_affinity": sorted(os.sched_getaffinity(0)),
    }
    res["rss_after_imports"] = rss_mb()
    res["source_sha256"] = source_hashes()
    res["gc_freeze"] = bool(args.gc_freeze)

    # 1. parse only (streaming; nothing kept) - how much of the build is CSV + Store construction
    t = time.perf_counter()
    n_rows = n_problems = 0
    for item in read_stores(stores_csv):
        if isinstance(item, Store):
            n_rows += 1
        else:
            n_problems += 1
    res["parse_s"] = time.perf_counter() - t
    res["n_stores"], res["n_problems"] = n_rows, n_problems
    res["rss_after_parse"] = rss_mb()

    # 2. the index, built streaming from the file
    gc.collect()
    t = time.perf_counter()
    index = StoreIndex.build(s for s in read_stores(stores_csv) if isinstance(s, Store))
    res["build_s"] = time.perf_counter() - t
    gc.collect()
    res["rss_after_build"] = rss_mb()
    triage = Triage(index, Catalogue(load_products(args.products)))
    if args.gc_freeze:  # the index is long-lived: keep the cyclic GC from re-scanning it
        gc.collect()
        gc.freeze()

    # 3. posts
    posts = [post_from_dict(json.loads(line)) for line in posts_jsonl.open(encoding="utf-8") if line.strip()]
    by_id = {p.id: p for p in posts}
    pairs = [(p, by_id.get(p.in_reply_to) if p.in_reply_to else None) for p in posts]
    res["n_posts"] = len(posts)

    # warm-up run (fills lru caches, compiles regexes): timed, reported as "cold"
    decide = triage.decide
    t = time.perf_counter()
    decisions = [decide(p, parent) for p, parent in pairs]
    res["cold_run_s"] = time.perf_counter() - t
    actions: dict[str, int] = {}
    for d in decisions:
        actions[d.action.value] = actions.get(d.action.value, 0) + 1
    res["actions"] = actions
    agree = sum(
        1
        for (p, _), d in zip(pairs, decisions, strict=True)
        if p.raw.get("bench_store_id") and d.store_id == p.raw.get("bench_store_id")
    )
    res["synthetic_store_agreement"] = {
        "ticket_to_intended_store": agree,
        "posts_with_intended_store": sum(1 for p in posts if p.raw.get("bench_store_id")),
    }
    stockout = [d.stockout for d in decisions]

    # timed runs
    def timed_runs() -> tuple[list[float], list[int], list[int], list[int]]:
        runs, lat_all, lat_stockout, lat_other = [], [], [], []
        perf = time.perf_counter_ns
        for _ in range(args.runs):
            lat = []
            t = time.perf_counter()
            for p, parent in pairs:
                a = perf()
                decide(p, parent)
                lat.append(perf() - a)
            runs.append(time.perf_counter() - t)
            lat_all.extend(lat)
            lat_stockout.extend(x for x, s in zip(lat, stockout, strict=True) if s)
            lat_other.extend(x for x, s in zip(lat, stockout, strict=True) if not s)
        return runs, lat_all, lat_stockout, lat_other

    def summary(lat_all: list[int], lat_stockout: list[int], lat_other: list[int]) -> dict:
        ms = 1e-6
        qs = (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
        return {
            "all": {q: pct(lat_all, v) * ms for q, v in qs},
            "stockout": {q: pct(lat_stockout, v) * ms for q, v in qs},
            "not_stockout": {q: pct(lat_other, v) * ms for q, v in qs[:3]},
            "over_10ms": sum(1 for x in lat_all if x > 10_000_000) / max(1, args.runs),
        }

    perf = time.perf_counter_ns
    ms = 1e-6
    runs, lat_all, lat_stockout, lat_other = timed_runs()
    res["runs_s"] = runs
    res["posts_per_s"] = len(posts) / statistics.median(runs)
    res["latency_ms"] = summary(lat_all, lat_stockout, lat_other)
    res["gc_counts_after_runs"] = gc.get_count()
    if not args.gc_freeze:  # the same runs with the index moved out of the cyclic GC's reach
        gc.collect()
        gc.freeze()
        f_runs, f_all, f_so, f_other = timed_runs()
        res["gc_frozen"] = {
            "runs_s": f_runs,
            "posts_per_s": len(posts) / statistics.median(f_runs),
            "latency_ms": summary(f_all, f_so, f_other),
        }
        gc.unfreeze()
    # the slowest posts (what makes the tail)
    worst = sorted(range(len(posts)), key=lambda i: lat_all[i], reverse=True)[:5]
    res["slowest_posts"] = [
        {"ms": lat_all[i] * ms, "kind": posts[i].raw.get("bench_kind"), "text": posts[i].text} for i in worst
    ]
    res["rss_after_triage"] = rss_mb()

    # 4. naive baseline: extractOne over every store name (names folded once, outside the timing)
    names = [s.name.casefold() for s in index.stores]
    k = len(posts) if size <= args.naive_full_upto else args.naive_sample
    step = max(1, len(posts) // k)
    sample = [p.text.casefold() for p in posts[::step][:k]]
    naive = {}
    for label, scorer, kk in (
        ("partial_ratio", fuzz.partial_ratio, len(sample)),
        ("WRatio", fuzz.WRatio, min(len(sample), args.naive_wratio_sample)),
    ):
        lat = []
        for text in sample[:kk]:
            a = perf()
            process.extractOne(text, names, scorer=scorer, processor=None)
            lat.append(perf() - a)
        total = sum(lat) / 1e9
        naive[label] = {
            "posts": kk,
            "posts_per_s": kk / total,
            "p50_ms": pct(lat, 50) * ms,
            "p99_ms": pct(lat, 99) * ms,
        }
    naive["speedup_vs_partial_ratio"] = res["posts_per_s"] / naive["partial_ratio"]["posts_per_s"]
    naive["speedup_vs_WRatio"] = res["posts_per_s"] / naive["WRatio"]["posts_per_s"]
    res["naive"] = naive
    del names

    # 5. where the memory is
    res["rss_before_walk"] = rss_mb()  # the walk itself allocates; peak RSS is read before it
    if not args.no_memwalk:
        t = time.perf_counter()
        try:
            res["index_memory"] = index_breakdown(index)
            res["index_memory"]["walk_s"] = time.perf_counter() - t
        except Exception as exc:  # noqa: BLE001 - the index's shape changes; keep the timings
            res["index_memory_error"] = repr(exc)

    # 6. profile
    if args.profile:
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        for p, parent in pairs:
            decide(p, parent)
        prof.disable()
        buf = io.StringIO()
        st = pstats.Stats(prof, stream=buf)
        st.sort_stats("tottime").print_stats(30)
        st.sort_stats("cumulative").print_stats(40)
        (OUT / f"profile-{size}.txt").write_text(buf.getvalue(), encoding="utf-8")
        top = []
        for (file, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
            top.append({"func": f"{Path(file).name}:{line}:{func}", "calls": nc, "tottime_s": tt, "cumtime_s": ct})
        total_tt = sum(x["tottime_s"] for x in top)
        top.sort(key=lambda x: x["tottime_s"], reverse=True)
        res["profile_total_s"] = total_tt
        res["profile_top_tottime"] = top[:15]
        res["profile_top_cumtime"] = sorted(top, key=lambda x: x["cumtime_s"], reverse=True)[:25]
    res["rss_final"] = rss_mb()
    return res


# ---------------------------------------------------------------------------------------------------
# the driver
# ---------------------------------------------------------------------------------------------------
def ensure_data(size: int, n_posts: int, seed: int) -> tuple[Path, Path]:
    stores = OUT / f"stores-{size}-s{seed}.csv"
    posts = OUT / f"posts-{size}-s{seed}-n{n_posts}.jsonl"
    py = sys.executable
    if not stores.exists():
        t = time.perf_counter()
        subprocess.run(
            [py, str(HERE / "synth_stores.py"), "--count", str(size), "--out", str(stores), "--seed", str(seed)],
            check=True,
        )
        print(f"generated {stores.name} in {time.perf_counter() - t:.1f}s", file=sys.stderr)
    if not posts.exists():
        subprocess.run(
            [
                py,
                str(HERE / "synth_posts.py"),
                "--stores",
                str(stores),
                "--out",
                str(posts),
                "--count",
                str(n_posts),
                "--seed",
                str(seed + 4),
            ],
            check=True,
        )
    return stores, posts


def run_size(size: int, args: argparse.Namespace) -> dict | None:
    stores, posts = ensure_data(size, args.posts, args.seed)
    out = OUT / f"results-{size}{args.tag}.json"
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        "--size",
        str(size),
        "--stores",
        str(stores),
        "--posts-file",
        str(posts),
        "--products",
        str(args.products),
        "--runs",
        str(args.runs),
        "--naive-sample",
        str(args.naive_sample),
        "--naive-wratio-sample",
        str(args.naive_wratio_sample),
        "--naive-full-upto",
        str(args.naive_full_upto),
        "--json",
        str(out),
    ]
    if size in args.profile:
        cmd.append("--profile-this")
    if args.no_memwalk:
        cmd.append("--no-memwalk")
    if args.gc_freeze:
        cmd.append("--gc-freeze")
    if not args.no_taskset and shutil.which("taskset"):
        cmd = ["taskset", "-c", str(args.core), *cmd]
    print(f"[{size:,} stores] {' '.join(cmd[:4])} ...", file=sys.stderr)
    t = time.perf_counter()
    try:
        subprocess.run(
            cmd, check=True, timeout=args.timeout, env={**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"}
        )
    except subprocess.TimeoutExpired:
        print(f"[{size:,} stores] timed out after {args.timeout}s", file=sys.stderr)
        return None
    except subprocess.CalledProcessError as exc:
        print(f"[{size:,} stores] failed: {exc}", file=sys.stderr)
        return None
    print(f"[{size:,} stores] done in {time.perf_counter() - t:.0f}s", file=sys.stderr)
    return json.loads(out.read_text(encoding="utf-8"))


TARGETS = "≥ 5,000 posts/s @100k · p99 ≤ 1 ms @1M · ≥ 100× naive @100k · RSS ≤ 1.5 GB @1M"


def print_table(results: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Triage on one core — targets: {TARGETS}")
    table.add_column("metric")
    for r in results:
        table.add_column(f"{r['size']:,} stores", justify="right")

    def row(label: str, fn) -> None:  # noqa: ANN001
        cells = []
        for r in results:
            try:
                cells.append(fn(r))
            except (KeyError, TypeError):
                cells.append("—")
        table.add_row(label, *cells)

    row("parse stores.csv (s)", lambda r: f"{r['parse_s']:.2f}")
    row("index build incl. parse (s)", lambda r: f"{r['build_s']:.2f}")
    row("RSS after build (MB)", lambda r: f"{r['rss_after_build']['vmrss_mb']:.0f}")
    row("RSS imports only (MB)", lambda r: f"{r['rss_after_imports']['vmrss_mb']:.0f}")
    row("peak RSS, ru_maxrss (MB)", lambda r: f"{r.get('rss_before_walk', r['rss_final'])['ru_maxrss_mb']:.0f}")
    row("index structures (getsizeof, MB)", lambda r: f"{r['index_memory']['total_mb']:.0f}")
    row("  bytes / store", lambda r: f"{r['index_memory']['bytes_per_store']['total']:.0f}")
    row("triage posts/s (median of runs)", lambda r: f"{r['posts_per_s']:,.0f}")
    row(
        "decide p50 / p99 (ms), all",
        lambda r: f"{r['latency_ms']['all']['p50']:.2f} / {r['latency_ms']['all']['p99']:.2f}",
    )
    row(
        "decide p50 / p99 (ms), stock-outs",
        lambda r: f"{r['latency_ms']['stockout']['p50']:.2f} / {r['latency_ms']['stockout']['p99']:.2f}",
    )
    row("decide max (ms)", lambda r: f"{r['latency_ms']['all']['max']:.1f}")
    row(
        "naive partial_ratio posts/s",
        lambda r: f"{r['naive']['partial_ratio']['posts_per_s']:,.1f} (n={r['naive']['partial_ratio']['posts']})",
    )
    row(
        "naive WRatio posts/s",
        lambda r: f"{r['naive']['WRatio']['posts_per_s']:,.1f} (n={r['naive']['WRatio']['posts']})",
    )
    row("speed-up vs partial_ratio", lambda r: f"{r['naive']['speedup_vs_partial_ratio']:,.0f}×")
    row("speed-up vs WRatio", lambda r: f"{r['naive']['speedup_vs_WRatio']:,.0f}×")
    row("gc.freeze(): posts/s", lambda r: f"{r['gc_frozen']['posts_per_s']:,.0f}")
    row(
        "gc.freeze(): p99 / max (ms)",
        lambda r: (
            f"{r['gc_frozen']['latency_ms']['all']['p99']:.2f} / {r['gc_frozen']['latency_ms']['all']['max']:.1f}"
        ),
    )
    row(
        "actions ticket/clarify/ignore",
        lambda r: "/".join(str(r["actions"].get(a, 0)) for a in ("ticket", "clarify", "ignore")),
    )
    Console().print(table)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,100000,1000000", help="comma-separated store counts")
    ap.add_argument("--posts", type=int, default=3000, help="posts per size")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--products", type=Path, default=PRODUCTS)
    ap.add_argument(
        "--naive-sample", type=int, default=50, help="posts timed for the naive scan above --naive-full-upto"
    )
    ap.add_argument("--naive-wratio-sample", type=int, default=20)
    ap.add_argument(
        "--naive-full-upto", type=int, default=1000, help="time the naive scan on every post up to this size"
    )
    ap.add_argument("--profile", default="", help="comma-separated sizes to cProfile (e.g. 100000)")
    ap.add_argument("--no-memwalk", action="store_true")
    ap.add_argument("--no-taskset", action="store_true")
    ap.add_argument("--gc-freeze", action="store_true", help="gc.freeze() after the build (experiment)")
    ap.add_argument("--tag", default="", help="suffix of the results file name, e.g. -gcfreeze")
    ap.add_argument("--core", type=int, default=0)
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per size")
    # worker mode
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--stores", help=argparse.SUPPRESS)
    ap.add_argument("--json", help=argparse.SUPPRESS)
    ap.add_argument("--posts-file", help=argparse.SUPPRESS)
    ap.add_argument("--profile-this", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--table-only", action="store_true", help="print the table from existing results JSON")
    args = ap.parse_args(argv)
    if args.worker:
        args.posts = args.posts_file
        args.profile = args.profile_this
        res = worker(args)
        Path(args.json).write_text(json.dumps(res, indent=1, ensure_ascii=False), encoding="utf-8")
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    args.profile = {int(s) for s in args.profile.split(",") if s}
    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for size in sizes:
        if args.table_only:
            p = OUT / f"results-{size}{args.tag}.json"
            r = json.loads(p.read_text(encoding="utf-8")) if p.exists() else None
        else:
            r = run_size(size, args)
        if r:
            results.append(r)
    if results:
        print_table(results)


if __name__ == "__main__":
    main()
