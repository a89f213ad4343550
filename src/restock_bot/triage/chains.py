"""Nicknames of well-known retail chains: general knowledge of how shoppers shorten chain names.

A retailer list says "ファミリーマート" and shoppers write "ファミマ"; these are the nicknames the
index adds to a chain whose name it recognises. Chains not listed here still get the nicknames that
recur across their branches' aliases (see `stores.StoreIndex._nicknames`).
"""

from __future__ import annotations

from restock_bot.triage.text import key

KNOWN_NICKNAMES: dict[str, tuple[str, ...]] = {
    # Japan
    "セブンイレブン": ("セブン", "セブイレ", "7-11", "711", "7-eleven", "seven eleven", "セブンイレブン"),
    "ファミリーマート": ("ファミマ", "famima", "familymart", "family mart"),
    "ローソン": ("lawson", "ローソン"),
    "ナチュラルローソン": ("ナチュロー", "natural lawson"),
    "ミニストップ": ("ministop", "ミニスト"),
    "セイコーマート": ("セコマ", "seicomart", "seico mart", "secoma"),
    "デイリーヤマザキ": ("デイリー", "daily yamazaki"),
    "ドンキホーテ": ("ドンキ", "donki", "don quijote", "メガドンキ"),
    "まいばすけっと": ("まいばす", "my basket"),
    "イオン": ("aeon", "イオンスタイル"),
    "イトーヨーカドー": ("ヨーカドー", "ito yokado", "yokado"),
    "ライフ": ("life",),
    # Korea
    "세븐일레븐": ("세븐", "7-eleven", "7eleven", "seven eleven", "711"),
    "gs25": ("지에스", "지에스25", "gs"),
    "cu": ("씨유",),
    "이마트24": ("emart24", "이마트 24"),
    "이마트": ("emart", "e-mart"),
    "홈플러스": ("homeplus", "home plus"),
    "홈플러스익스프레스": ("홈플", "homeplus express"),
    "롯데마트": ("lotte mart", "lottemart", "롯마"),
    "미니스톱": ("ministop",),
    # India
    "dmart": ("d mart", "d-mart", "डीमार्ट", "डी मार्ट"),
    "reliancesmart": ("reliance smart", "rsmart", "smart point", "रिलायंस स्मार्ट"),
    "reliancefresh": ("reliance fresh", "rfresh", "रिलायंस फ्रेश"),
    "smartbazaar": ("smart bazar", "स्मार्ट बाज़ार", "स्मार्ट बाजार"),
    "starbazaar": ("star bazar", "स्टार बाज़ार", "स्टार बाजार"),
    "morsupermarket": ("more", "मोर"),
    "more": ("more supermarket", "more megastore", "मोर"),
    "spencers": ("spencer", "स्पेंसर्स", "स्पेंसर"),
    "naturesbasket": ("natures basket", "nature basket"),
    "vishalmegamart": ("vishal", "vishal mart", "विशाल मेगा मार्ट", "विशाल"),
    "bigbazaar": ("big bazar", "बिग बाज़ार"),
    "lulu": ("lulu mall", "लुलु"),
    "luluhypermarket": ("lulu", "लुलु"),
    "ratnadeep": ("रत्नदीप",),
    "24seven": ("24x7", "24 seven"),
    "easyday": ("easy day", "ईज़ीडे", "ईजी डे"),
    "marginfree": ("margin free", "मार्जिन फ्री"),
}


# Every name above as a lookup key: a chain people know, listed or not.
KNOWN_CHAIN_WORDS = frozenset(
    k for name, nicks in KNOWN_NICKNAMES.items() for k in (key(name), *map(key, nicks)) if len(k) >= 2
)
