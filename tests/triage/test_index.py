"""The retailer index: every way a post names a store, held compactly for lists of a million stores."""

from __future__ import annotations

from restock_bot.config import DATA_DIR
from restock_bot.retailers import Store
from restock_bot.triage.catalog import Catalogue, Product, load_products, sizes_in
from restock_bot.triage.decide import Triage
from restock_bot.triage.decision import Action
from restock_bot.triage.stores import StoreIndex
from restock_bot.triage.text import read_text, words_at
from tests.triage.conftest import make_post


def store(
    i: int,
    name: str,
    chain: str = "",
    locality: str = "Camp",
    city: str = "Pune",
    lat: float = 18.5,
    lon: float = 73.8,
    aliases: tuple[str, ...] = (),
) -> Store:
    return Store(
        f"S-{i}", name, chain, aliases, "", f"{locality} Road", locality, city, "MH", "IN", "", lat, lon, "D-1"
    )


def hits(index: StoreIndex, text: str) -> dict[str, set[str]]:
    t = read_text(text)
    found: dict[str, set[str]] = {}
    for h in index.find(t.words, t.offsets):
        found.setdefault(h.kind, set()).add(h.key)
    return found


def test_chain_nicknames_recurring_in_branch_aliases_name_the_chain() -> None:
    index = StoreIndex.build(
        [
            store(1, "Big Basket Store Camp", "Big Basket Store", "Camp", aliases=("BBS Camp",)),
            store(2, "Big Basket Store Aundh", "Big Basket Store", "Aundh", aliases=("BBS Aundh",)),
        ]
    )
    assert "bbs" in hits(index, "no luck at bbs aundh")["chain"]
    assert "aundh" in hits(index, "no luck at bbs aundh")["place"]


def test_the_store_table_answers_by_id_with_label_and_distributor() -> None:
    index = StoreIndex.build([store(1, "Asha Stores"), store(2, "Om Stores", locality="Aundh", lat=18.56, lon=73.81)])
    by_id = index.stores.by_id()
    assert set(by_id) == {"S-1", "S-2"}
    assert by_id["S-2"].label == "Om Stores, Aundh, Pune" and by_id["S-2"].distributor_id == "D-1"
    assert index.distance_km(1, 18.56, 73.81) == 0.0


def test_branches_near_a_point_come_from_the_chain_grid() -> None:
    index = StoreIndex.build(
        [
            store(1, "Kwik Camp", "Kwik", "Camp", lat=18.52, lon=73.87),
            store(2, "Kwik Aundh", "Kwik", "Aundh", lat=18.56, lon=73.81),
            store(3, "Kwik Mumbai", "Kwik", "Bandra", city="Mumbai", lat=19.06, lon=72.83),
        ]
    )
    near = index.branches_near(0, 18.53, 73.86)
    assert set(near) == {0, 1}  # the Mumbai branch is far outside the cells around the point


def test_a_place_word_shared_by_a_crowd_of_stores_is_dropped_but_localities_stay() -> None:
    crowd = [
        store(i, f"Shop {i}", locality="Kothrud" if i % 2 else "Baner", aliases=(f"Shop {i} Hilltop",))
        for i in range(500)
    ]
    index = StoreIndex.build(crowd)
    found = hits(index, "near hilltop in kothrud")
    assert "kothrud" in found.get("place", set())
    assert "hilltop" not in found.get("place", set())


def test_flavour_part_of_korean_and_japanese_aliases_names_the_product() -> None:
    """'ポポ抹茶' and 'いちごポポ' join the brand and a flavour: 'ポポの抹茶' names the matcha one."""
    products = [
        Product("P-1", "Popo", ("ポポ", "포포", "PopoSnacks"), "Popo Matcha 40g", ("ポポ抹茶", "말차포포")),
        Product("P-2", "Popo", ("ポポ", "포포", "PopoSnacks"), "Popo Strawberry 40g", ("いちごポポ",)),
    ]
    catalogue = Catalogue(products)
    assert catalogue.cjk_flavours["抹茶"] == ("Popo", frozenset({"P-1"}))
    assert catalogue.cjk_flavours["말차"] == ("Popo", frozenset({"P-1"}))
    assert catalogue.cjk_flavours["いちご"] == ("Popo", frozenset({"P-2"}))
    assert catalogue.is_brand_account("poposnacks")  # a brand alias written like a handle is its account
    found = {(m.alias, tuple(m.skus)) for m in catalogue.find(*words_at(read_text("ポポの抹茶がない").folded))}
    assert ("抹茶", ("P-1",)) in found and ("ポポ", ()) in found


def test_a_city_name_inside_a_chain_name_is_the_chain_not_the_city() -> None:
    """'Kovai Fresh' is a chain of Chennai; 'Kovai' alone is Coimbatore's other name."""
    stores = [
        store(1, "Kovai Fresh Adyar", "Kovai Fresh", "Adyar", "Chennai", 13.0, 80.25),
        store(2, "Kovai Fresh Anna Nagar", "Kovai Fresh", "Anna Nagar", "Chennai", 13.09, 80.21),
        store(3, "Sri Balaji Stores", "", "RS Puram", "Coimbatore", 11.0, 76.95),
        store(4, "Sri Balaji Stores", "", "Mylapore", "Chennai", 13.03, 80.27),
    ]
    triage = Triage(stores, load_products(DATA_DIR / "products.csv"))
    d = triage.decide(make_post("Kovai Fresh Adyar has no Nibbo masala"))
    assert (d.action, d.store_id) == (Action.TICKET, "S-1"), d.reasons
    d = triage.decide(make_post("Sri Balaji Stores Kovai has no Nibbo masala"))
    assert (d.action, d.store_id) == (Action.TICKET, "S-3"), d.reasons


def test_pack_sizes_are_read_in_every_unit_and_script() -> None:
    assert sizes_in("joy salted 90g") == {"90g"}
    assert sizes_in("1 kg pack and 1.5 L bottle, 200ml can") == {"1000g", "1500ml", "200ml", "bottle", "can"}
    assert sizes_in(read_text("जॉय 25 ग्राम वाला").folded) == {"25g"}
    assert sizes_in("초코 150그램, チョコ150グラム") == {"150g"}
    assert sizes_in("gs25 and 7-eleven, 3 packs") == set()  # three packs is how many, not which
    assert sizes_in("Spicy Ramen 5-Pack") == {"5pack"} and sizes_in("매운 컵") == {"cup"}


def test_a_brand_that_is_an_ordinary_word_or_part_of_a_store_name() -> None:
    """'Joy' the brand, 'no joy finding…' the idiom, 'Joy Maa Tara Stores' a shop; 'Indira Ngr' is 'Indira Nagar'."""
    products = [Product("J-1", "Joy", ("JOY",), "Joy Classic Salted 25 g", ("salted",))]
    stores = [
        store(1, "Joy Maa Tara Stores", "", "Gariahat", "Kolkata", 22.52, 88.37),
        store(2, "More Indiranagar", "More", "Indiranagar", "Bengaluru", 12.97, 77.64),
        store(3, "More Indira Nagar", "More", "Indira Nagar", "Lucknow", 26.87, 80.99),
        store(4, "More Hazratganj", "More", "Hazratganj", "Lucknow", 26.85, 80.94),
    ]
    triage = Triage(stores, products)
    assert triage.decide(make_post("No joy finding a phone charger at More Hazratganj")).action is Action.IGNORE
    assert triage.decide(make_post("Joy Maa Tara Stores e Kurkure nei, Bingo o nei")).action is Action.IGNORE
    d = triage.decide(make_post("No Joy at More Hazratganj"))
    assert (d.action, d.store_id) == (Action.TICKET, "S-4"), d.reasons
    d = triage.decide(make_post("More indira ngr out of Joy salted"))
    assert d.action is Action.CLARIFY and {c.store_id for c in d.candidates} == {"S-2", "S-3"}, d.reasons


def test_words_of_korean_and_japanese_aliases_name_their_one_product() -> None:
    products = [
        Product(
            "T-1",
            "Tulsika",
            ("툴시카", "トゥルシカ"),
            "Tulsika Clove Toothpaste 100g",
            ("정향 치약", "クローブ歯みがき"),
        ),
        Product("T-2", "Tulsika", ("툴시카", "トゥルシカ"), "Tulsika Neem Soap 75g", ("님 비누", "ニーム石鹸")),
        Product("T-3", "Tulsika", ("툴시카", "トゥルシカ"), "Tulsika Sandal Soap 100g", ("샌들 비누", "白檀石鹸")),
    ]
    flavours = Catalogue(products).cjk_flavours
    assert flavours["치약"] == ("Tulsika", frozenset({"T-1"})) and flavours["歯みがき"] == (
        "Tulsika",
        frozenset({"T-1"}),
    )
    assert "비누" not in flavours and "石鹸" not in flavours  # soap names two products: no sku from it alone
