# ruff: noqa: E501  (tables of names in CJK scripts: wide characters count double)
"""Synthetic posts (posts.jsonl of shared/eval/FORMAT.md) against a synthetic retailer list and a catalogue.

Stock-outs name a store by its full name or an alias, a chain + locality, an independent + city, a chain +
a geo point or a place tag, or a chain alone (then a reply from the same author gives the locality);
non-stock-outs are finds, online sell-outs, other brands, praise, unrelated "can't find", retweets of the
brand's campaign. Templates in English, Hinglish, Hindi, Korean and Japanese.

Each post carries `bench_kind` and `bench_store_id` (extra keys, ignored by triage) so the benchmark can
show which paths of `decide` it exercised. Not an evaluation set: the templates are written here, and
quality belongs to shared/eval.

    python bench/synth_posts.py --stores bench/out/stores-100000.csv --out bench/out/posts-100000.jsonl
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PRODUCTS = ROOT / "src" / "restock_bot" / "data" / "products.csv"
FALLBACK_PRODUCTS = Path(__file__).resolve().parent / "products.csv"

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_KANA = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
_DEVA = re.compile(r"[\u0900-\u097F]")

STOCKOUT = {
    "en": [
        "No {p} at {s} again 😤",
        "{s} is out of {p}. Third week running.",
        "Went to {s}, couldn't find {p} anywhere",
        "{p} sold out at {s}, please restock @{h}",
        "{p} missing from the shelf at {s} #{tag}",
        "Not a single packet of {p} at {s} today",
        "why does {s} never have {p} anymore?? empty shelf",
        "{s} has run out of {p} 😭",
    ],
    "hinglish": [
        "{s} mein {p} khatam ho gaya yaar",
        "{s} pe {p} nahi mila aaj bhi",
        "bhai {s} mein {p} ka stock hi nahi hai",
        "{p} {s} mein kahin nahi mil raha",
        "{s} wale bolte hain {p} aa hi nahi raha",
    ],
    "hi": ["{s} में {p} नहीं मिला", "{s} में {p} खत्म हो गया है", "{s} पर {p} का एक भी पैकेट नहीं है"],
    "ko": [
        "{s} {p} 품절이에요 ㅠㅠ",
        "{s}에 {p} 하나도 없네요",
        "{s} 갔는데 {p} 재고 없음",
        "{s} {p} 다 팔렸어요 언제 들어와요?",
    ],
    "ja": ["{s}で{p}売り切れだった…", "{s}に{p}置いてなかった", "{s}、{p}が全然ない", "{s}の{p}、今日も品切れ"],
}
FOUND = {
    "en": ["Found {p} at {s} today, yay!", "{s} finally restocked {p} 🙌", "Grabbed three packs of {p} at {s}"],
    "hinglish": ["{s} mein {p} mil gaya 😍", "{s} pe {p} wapas aa gaya"],
    "hi": ["{s} में {p} मिल गया"],
    "ko": ["{s}에서 {p} 샀어요", "{s} {p} 재입고 됐네요"],
    "ja": ["{s}で{p}買えた！", "{s}に{p}再入荷してた"],
}
OTHER = {
    "en": [
        "{p} sold out on Blinkit again",
        "Love the new {p} flavour",
        "Lays out of stock at {s}, annoying",
        "can't find my keys lol",
        "RT @{h}: Spotted {p}? Tell us where! #{tag}",
        "Is {p} available in 150g?",
        "{p} tastes too salty now",
        "what a match yesterday",
        "",
    ],
    "hinglish": ["{p} Zepto pe sold out hai", "{p} ka naya flavour mast hai"],
    "hi": ["{p} का स्वाद बहुत अच्छा है"],
    "ko": ["쿠팡에서 {p} 품절이네", "{p} 맛있어요 최고"],
    "ja": ["Amazonで{p}売り切れ", "{p}おいしい！"],
}
REPLY = {
    "en": ["the one in {loc}", "{loc} branch", "near {loc}"],
    "hinglish": ["{loc} wala", "{loc} wali branch"],
    "hi": ["{loc} वाला"],
    "ko": ["{loc}점이요", "{loc}에 있는 곳이요"],
    "ja": ["{loc}の店です", "{loc}のところ"],
}
LANG_TAG = {"en": "en", "hinglish": "hi", "hi": "hi", "ko": "ko", "ja": "ja"}
# kind -> weight
KINDS = {
    "full_name": 20,
    "chain_locality": 14,
    "independent_city": 12,
    "chain_geo": 8,
    "chain_place": 6,
    "chain_reply": 5,
    "chain_only": 5,
    "found": 10,
    "other": 20,
}


def _script(s: str) -> str:
    if _DEVA.search(s):
        return "deva"
    if _HANGUL.search(s):
        return "hangul"
    if _KANA.search(s):
        return "kana"
    return "latin"


def _read_products(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _sample_stores(path: Path, k: int, rng: random.Random) -> list[dict[str, str]]:
    """Reservoir sample of k rows, streaming (a 1M-row file is not held in memory)."""
    sample: list[dict[str, str]] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for n, row in enumerate(csv.DictReader(f)):
            if n < k:
                sample.append(row)
            else:
                j = rng.randint(0, n)
                if j < k:
                    sample[j] = row
    return sample


def _product_phrase(products: list[dict[str, str]], script: str, rng: random.Random) -> str:
    p = rng.choice(products)
    brands = [p["brand"]] + [a for a in p["brand_aliases"].split("|") if a and a[0] not in "@#"]
    aliases = [a for a in p["aliases"].split("|") if a]
    b = [x for x in brands if _script(x) == script] or [p["brand"]]
    a = [x for x in aliases if _script(x) == script] or [a for a in aliases if _script(a) == "latin"]
    brand = rng.choice(b)
    if rng.random() < 0.2 or not a:
        return brand
    sep = "" if script in ("kana",) else " "
    return f"{brand}{sep}{rng.choice(a)}"


def _lang_for(country: str, rng: random.Random) -> str:
    if country == "KR":
        return "ko"
    if country == "JP":
        return "ja"
    return rng.choices(["en", "hinglish", "hi"], weights=[5, 4, 1])[0]


def _script_of_lang(lang: str) -> str:
    return {"en": "latin", "hinglish": "latin", "hi": "deva", "ko": "hangul", "ja": "kana"}[lang]


def _strip_branch(name: str, chain: str) -> str:
    return name[len(chain) :].strip() if chain and name.startswith(chain) else name


def generate(stores: Path, products_csv: Path, n_posts: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    products = _read_products(products_csv)
    handles = [a.lstrip("@") for p in products for a in p["brand_aliases"].split("|") if a.startswith("@")] or ["brand"]
    tags = [a.lstrip("#") for p in products for a in p["brand_aliases"].split("|") if a.startswith("#")] or ["brand"]
    sample = _sample_stores(stores, min(4 * n_posts, 20000), rng)
    chains = [s for s in sample if s["chain"]]
    indeps = [s for s in sample if not s["chain"]]
    posts: list[dict] = []
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    kinds, weights = list(KINDS), list(KINDS.values())
    n = 0
    while len(posts) < n_posts:
        n += 1
        kind = rng.choices(kinds, weights=weights)[0]
        pool = chains if kind.startswith("chain") else indeps if kind == "independent_city" else sample
        if not pool:
            continue
        s = rng.choice(pool)
        lang = _lang_for(s["country"], rng)
        p = _product_phrase(products, _script_of_lang(lang), rng)
        chain, loc, city = s["chain"], s["locality"], s["city"]
        aliases = [a for a in s["aliases"].split("|") if a]
        geo = place = None
        gold_store: str | None = s["store_id"]
        if kind == "full_name":
            ref = rng.choice([s["name"]] * 3 + aliases)
        elif kind == "chain_locality":
            ref = (
                f"{chain} {_strip_branch(s['name'], chain)}"
                if rng.random() < 0.5
                else (f"{chain} {loc}" if s["country"] == "IN" else rng.choice(aliases or [s["name"]]))
            )
        elif kind == "independent_city":
            ref = f"{s['name']}, {city}" if s["country"] == "IN" else f"{city} {s['name']}"
        elif kind == "chain_geo":
            ref = chain if rng.random() < 0.7 or not s["handle"] else "@" + s["handle"]
            geo = {
                "lat": round(float(s["lat"]) + rng.gauss(0, 0.0008), 5),
                "lon": round(float(s["lon"]) + rng.gauss(0, 0.0008), 5),
            }
        elif kind == "chain_place":
            ref = chain
            place = f"{loc}, {city}"
        elif kind == "chain_only":
            ref, gold_store = chain, None
        elif kind == "chain_reply":
            ref = chain
        elif kind == "found":
            ref, gold_store = s["name"], None
        else:
            ref, gold_store = s["name"], None
        table = {"found": FOUND, "other": OTHER}.get(kind, STOCKOUT)
        text = rng.choice(table[lang]).format(p=p, s=ref, h=rng.choice(handles), tag=rng.choice(tags))
        author = {"id": str(1000 + rng.randint(0, 50000)), "username": f"user{rng.randint(0, 99999)}"}
        post = {
            "id": str(1790000000000000000 + n * 10),
            "text": text,
            "created_at": (t0 + timedelta(seconds=37 * n)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "author": author,
            "lang": LANG_TAG[lang] if rng.random() < 0.8 else "und",
            "geo": geo,
            "place": place,
            "in_reply_to": None,
            "bench_kind": kind,
            "bench_store_id": gold_store,
        }
        posts.append(post)
        if kind == "chain_reply":
            post["bench_store_id"] = None
            loc_word = _strip_branch(s["name"], chain) if s["country"] != "IN" else loc
            reply = dict(
                post,
                id=str(int(post["id"]) + 1),
                text=rng.choice(REPLY[lang]).format(loc=loc_word),
                geo=None,
                in_reply_to=post["id"],
                bench_kind="chain_reply_answer",
                bench_store_id=s["store_id"],
                created_at=(t0 + timedelta(seconds=37 * n + 600)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            posts.append(reply)
    return posts[:n_posts]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stores", type=Path, required=True)
    ap.add_argument(
        "--products", type=Path, default=DEFAULT_PRODUCTS if DEFAULT_PRODUCTS.exists() else FALLBACK_PRODUCTS
    )
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    posts = generate(args.stores, args.products, args.count, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as f:
        for p in posts:
            f.write(json.dumps(p, ensure_ascii=False) + "\n")
    print(f"wrote {len(posts):,} posts to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
