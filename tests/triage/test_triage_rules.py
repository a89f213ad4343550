"""The rules a careful reader follows, one story each, on posts written for these tests."""

from __future__ import annotations

from restock_bot.triage.decide import Triage
from restock_bot.triage.decision import Action
from tests.triage.conftest import make_post


def test_full_store_name_and_flavour_open_a_ticket(triage: Triage) -> None:
    d = triage.decide(make_post("DMart Powai has no Nibbo cheesy jalapeno since Monday 😤"))
    assert (d.action, d.store_id, d.sku) == (Action.TICKET, "MUM-0001", "NBO-CHEESE-30")
    assert any("absence" in r for r in d.reasons)


def test_chain_with_locality_finds_the_branch(triage: Triage) -> None:
    d = triage.decide(make_post("no nibbo masala at dmart in wakad again"))
    assert (d.action, d.store_id, d.sku) == (Action.TICKET, "PUN-0002", "NBO-MASALA-30")


def test_chain_alone_in_a_city_of_many_branches_asks_which_store(triage: Triage) -> None:
    d = triage.decide(make_post("Nibbo sold out at DMart. every time!!", place="Mumbai, India"))
    assert d.action is Action.CLARIFY and d.store_id is None
    assert len(d.candidates) >= 2 and all(c.store_id.startswith("MUM-") for c in d.candidates)


def test_geo_point_near_one_branch_picks_it(triage: Triage) -> None:
    d = triage.decide(make_post("DMart me Nibbo khatam 😑", geo={"lat": 19.1199, "lon": 72.9070}))
    assert (d.action, d.store_id) == (Action.TICKET, "MUM-0001")
    assert d.candidates[0].distance_km is not None and d.candidates[0].distance_km < 1


def test_independent_name_in_several_cities_needs_the_city(triage: Triage) -> None:
    unsure = triage.decide(make_post("Shree Ganesh Stores me Nibbo nahi mila"))
    assert unsure.action is Action.CLARIFY
    sure = triage.decide(make_post("Shree Ganesh Stores me Nibbo nahi mila", place="Pune, India"))
    assert (sure.action, sure.store_id) == (Action.TICKET, "PUN-0017")


def test_reply_to_which_store_completes_the_report(triage: Triage) -> None:
    original = make_post("Nibbo masala nahi mila DMart me 😭", post_id="10", author="asha", place="Mumbai, India")
    first = triage.decide(original)
    assert first.action is Action.CLARIFY
    reply = make_post("Powai wala", post_id="11", author="asha", in_reply_to="10")
    d = triage.decide(reply, original)
    assert (d.action, d.store_id, d.sku, d.resolves) == (Action.TICKET, "MUM-0001", "NBO-MASALA-30", "10")


def test_same_here_reply_borrows_the_product_not_the_store(triage: Triage) -> None:
    original = make_post("No Nibbo cheesy jalapeno at DMart Powai", post_id="20", author="asha")
    reply = make_post("same at DMart Wakad", post_id="21", author="ravi", in_reply_to="20")
    d = triage.decide(reply, original)
    assert (d.action, d.store_id, d.sku, d.resolves) == (Action.TICKET, "PUN-0002", "NBO-CHEESE-30", None)


def test_found_at_one_store_missing_at_another_reports_the_other(triage: Triage) -> None:
    d = triage.decide(make_post("got Nibbo at DMart Wakad finally, but DMart Baner had none"))
    assert (d.action, d.store_id) == (Action.TICKET, "PUN-0004")


def test_ordinary_word_is_not_a_chain_name(triage: Triage) -> None:
    d = triage.decide(make_post("no more nibbo anywhere near my house, sold out everywhere"))
    assert d.action is Action.CLARIFY and d.candidates == ()
    assert "no known store or chain named" in d.reasons


def test_brand_account_and_retweets_are_not_reports(triage: Triage) -> None:
    promo = triage.decide(make_post("Can't find Nibbo? Tell us where #FindMyNibbo", author="NibboSnacks"))
    retweet = triage.decide(make_post("RT @NibboSnacks: Can't find Nibbo at your store? Tell us where!"))
    assert promo.action is Action.IGNORE and retweet.action is Action.IGNORE


def test_sold_out_in_an_app_is_not_a_store_stockout(triage: Triage) -> None:
    d = triage.decide(make_post("Nibbo masala sold out on Blinkit again, 10 min delivery my foot"))
    assert d.action is Action.IGNORE
    assert any("online" in r for r in d.reasons)


def test_hypothetical_and_fixed_are_not_reports(triage: Triage) -> None:
    for text in (
        "hope DMart Powai never runs out of Nibbo during the match",
        "DMart Powai had no Nibbo last week but it's back now 🙌",
        "Nibbo masala tastes stale lately, packet half empty",
    ):
        assert triage.decide(make_post(text)).action is Action.IGNORE, text


def test_another_brands_stockout_is_not_ours(triage: Triage) -> None:
    d = triage.decide(make_post("Crunchex nahi mila DMart Wakad me, Nibbo toh bhara pada hai"))
    assert d.action is Action.IGNORE


def test_brand_only_gives_no_sku_and_two_flavours_give_none(triage: Triage) -> None:
    brand = triage.decide(make_post("DMart Powai has zero Nibbo"))
    assert (brand.action, brand.sku, brand.brand) == (Action.TICKET, None, "Nibbo")
    two = triage.decide(make_post("DMart Powai has no Nibbo masala and no cheesy jalapeno"))
    assert two.sku is None


def test_hindi_in_devanagari_meets_latin_store_names(triage: Triage) -> None:
    d = triage.decide(make_post("डीमार्ट पवई में निब्बो मसाला नहीं मिला"))
    assert d.stockout and d.language == "hi"
    assert (d.action, d.store_id, d.sku) == (Action.TICKET, "MUM-0001", "NBO-MASALA-30")


def test_empty_and_spam_posts_are_ignored(triage: Triage) -> None:
    for text in ("", "🔥🔥🔥", "@NibboSnacks", "https://t.co/abc"):
        assert triage.decide(make_post(text)).action is Action.IGNORE


def test_explain_carries_reasons_and_candidates(triage: Triage) -> None:
    out = triage.decide(make_post("Nibbo nahi mila DMart me", place="Mumbai, India")).explain()
    assert out["action"] == "clarify" and out["language"] == "hi-Latn"
    assert out["reasons"] and out["candidates"] and {"store_id", "label", "score"} <= set(out["candidates"][0])


def test_a_city_by_its_other_name_picks_the_shop_of_that_city(triage: Triage) -> None:
    """'Bangalore' for a list that says 'Bengaluru', 'Madras' for 'Chennai': the same city."""
    for text, store_id in (
        ("Sri Balaji Stores Bangalore has no Nibbo tomato", "BLR-0026"),
        ("Sri Balaji Stores, Madras — Nibbo masala out since Monday", "CHN-0015"),
    ):
        d = triage.decide(make_post(text))
        assert (d.action, d.store_id) == (Action.TICKET, store_id), (text, d.reasons)
    unsure = triage.decide(make_post("Sri Balaji Stores has no Nibbo tomato"))
    assert unsure.action is Action.CLARIFY


def test_found_at_one_branch_missing_at_another_of_the_same_chain(triage: Triage) -> None:
    d = triage.decide(make_post("DMart Hadapsar se Nibbo masala mil gaya ✅ Baner wale branch me nahi tha"))
    assert (d.action, d.store_id) == (Action.TICKET, "PUN-0004"), d.reasons


def test_a_branch_of_another_chain_named_with_this_chain_is_not_in_the_list(triage: Triage) -> None:
    """'GS25 광안리해변점': the list has a CU there, not a GS25; '해변점' of GS25 해운대해변점 is not it."""
    d = triage.decide(make_post("GS25 광안리해변점 닙보 마살라 없어요"))
    assert d.action is Action.CLARIFY and d.store_id is None, d.reasons


def test_a_city_name_reads_as_the_city_not_as_a_place_in_it(triage: Triage) -> None:
    d = triage.decide(make_post("東京のローソン、ニッボのマサラ売り切れ"))
    assert d.action is Action.CLARIFY and len(d.candidates) >= 2, d.reasons


def test_a_chain_before_ke_paas_is_a_landmark_when_another_store_is_named(triage: Triage) -> None:
    d = triage.decide(make_post("Star Bazaar ke paas Krishna Stores, Bengaluru me Nibbo masala nahi mila"))
    assert d.action is Action.CLARIFY, d.reasons
    assert {c.store_id for c in d.candidates} == {"BLR-0024", "BLR-0025"}  # the two Krishna Stores, not Star Bazaar


def test_found_at_some_other_shop_is_still_a_stock_out_at_the_store_named(triage: Triage) -> None:
    d = triage.decide(make_post("DMart Powai had no Nibbo tomato, so got it from a small shop nearby"))
    assert (d.action, d.store_id, d.sku) == (Action.TICKET, "MUM-0001", "NBO-TOMATO-30"), d.reasons


def test_the_product_having_none_of_something_is_a_complaint(triage: Triage) -> None:
    d = triage.decide(make_post("Nibbo peri peri has no spice anymore, totally bland"))
    assert d.action is Action.IGNORE, d.reasons


def test_polite_japanese_negative_and_a_brand_said_not_to_be_it(triage: Triage) -> None:
    polite = triage.decide(make_post("渋谷道玄坂のセブン、ニッボのミントないです"))
    assert (polite.action, polite.store_id, polite.sku) == (Action.TICKET, "TYO-0001", "NBO-PUDINA-30"), polite.reasons
    other = triage.decide(make_post("ミントのスナック、ローソン銀座一丁目店にない（ニッボじゃなくて他のやつ）"))
    assert other.action is Action.IGNORE, other.reasons


def test_a_reply_naming_only_the_brand_keeps_the_flavour_of_the_report(triage: Triage) -> None:
    original = make_post("Couldn't find Nibbo peri peri at DMart again", post_id="30", author="meera", place="Mumbai")
    reply = make_post("@NibboSnacks the one in Powai", post_id="31", author="meera", in_reply_to="30")
    d = triage.decide(reply, original)
    assert (d.action, d.store_id, d.sku) == (Action.TICKET, "MUM-0001", "NBO-PERI-30"), d.reasons


def test_asking_a_named_store_when_it_comes_back_is_a_report(triage: Triage) -> None:
    asked = triage.decide(make_post("DMart Powai wale bhaiya, Nibbo masala kab aayega? roz 'kal' bolte ho"))
    assert (asked.action, asked.store_id) == (Action.TICKET, "MUM-0001"), asked.reasons
    launch = triage.decide(make_post("Nibbo Kochi me kab aayega?"))  # a launch question, no store
    assert launch.action is Action.IGNORE, launch.reasons


def test_eaten_or_given_up_is_not_missing_from_a_shelf(triage: Triage) -> None:
    for text in (
        "roommates ne sab kha gaya, Nibbo khatam, ab kya karu",
        "no more Nibbo for me, exams start tomorrow",
        "there is no Nibbo stall at the food fest this year",
    ):
        d = triage.decide(make_post(text))
        assert d.action is Action.IGNORE, (text, d.reasons)


def test_asking_is_there_a_shortage_does_not_say_it_was_found(triage: Triage) -> None:
    d = triage.decide(make_post("every shop near me is out of Nibbo tomato. is there a shortage or what"))
    assert d.stockout and d.action is Action.CLARIFY, d.reasons


def test_the_size_said_picks_the_pack(triage: Triage) -> None:
    """'Chatpata Masala 150g' is the family pack; a flavour alone with no size names the flavour's own pack."""
    d = triage.decide(make_post("DMart Powai has no Nibbo chatpata masala 150g"))
    assert (d.action, d.store_id, d.sku) == (Action.TICKET, "MUM-0001", "NBO-FAMILY-150"), d.reasons
    d = triage.decide(make_post("DMart Powai has no Nibbo chatpata masala 30 gram"))
    assert d.sku == "NBO-MASALA-30", d.reasons


def test_two_stores_named_in_full_are_two_stores(triage: Triage) -> None:
    d = triage.decide(make_post("DMart Powai and Reliance Smart Andheri West both out of Nibbo tomato"))
    assert d.action is Action.CLARIFY
    assert {c.store_id for c in d.candidates} == {"MUM-0001", "MUM-0007"}


def test_the_store_in_the_clause_of_the_absence_is_the_report(triage: Triage) -> None:
    text = "went to DMart Powai first, they had 2 packs, bought those. then DMart Chembur - NOTHING. zero."
    d = triage.decide(make_post(f"{text} Nibbo tomato is so hard to find"))
    assert (d.action, d.store_id) == (Action.TICKET, "MUM-0005"), d.reasons


def test_a_quoted_campaign_call_is_not_the_posters_words(triage: Triage) -> None:
    text = (
        "DMart Powai — zero Nibbo masala for 10 days. QT @NibboSnacks: Can't find Nibbo? Tell us the store "
        "and we'll get it restocked! #FindMyNibbo"
    )
    d = triage.decide(make_post(text))
    assert (d.action, d.store_id) == (Action.TICKET, "MUM-0001"), d.reasons


def test_more_ways_of_saying_missing_and_not_missing(triage: Triage) -> None:
    for text, action in (
        ("DMart Powai: Nibbo chatpata masala 30g out", Action.TICKET),
        ("DMart Powai, 4th week without Nibbo tomato. impressive", Action.TICKET),
        ("Nibbo tomato was missing at DMart Powai in January, been fine since", Action.IGNORE),
        (
            "couldn't find the Nibbo shelf at DMart Powai after they moved everything, it's near billing now",
            Action.IGNORE,
        ),
        (
            "was about to complain DMart Powai had no Nibbo, then the guy brought a fresh carton from the back",
            Action.IGNORE,
        ),
        ("Lay's classic salted gone from DMart Powai", Action.IGNORE),
        ("カルビーのチーズハラペーニョがローソン銀座一丁目店にない", Action.IGNORE),
    ):
        d = triage.decide(make_post(text))
        assert d.action is action, (text, d.reasons)


def test_regional_words_hearsay_habits_and_possessives(triage: Triage) -> None:
    for text, action in (
        ("DMart Powai re Nibbo tomato miluni", Action.TICKET),  # Odia: not found
        ("@NibboSnacks Nibbo chips out at DMart Powai", Action.TICKET),
        ("DMart Powai ma Nibbo nu stock full che, koi tension nathi", Action.IGNORE),
        ("Nibbo tomato Mumbai ma kyay nathi male evu nathi, badhe male che", Action.IGNORE),
        ("Nibbo masala 30g packet aadha khaali nikla, cheating hai", Action.IGNORE),
        ("main kabhi Nibbo nahi khareedta, bahut mehenga hai", Action.IGNORE),
        ("Bingo ka chatpata masala nahi DMart Powai me", Action.IGNORE),
        ("닙보 없다는 분들 많던데 GS25 강남역점은 항상 있어요", Action.IGNORE),
    ):
        d = triage.decide(make_post(text))
        assert d.action is action, (text, d.reasons)


def test_the_brand_and_a_size_name_the_one_product_of_that_size(triage: Triage) -> None:
    d = triage.decide(make_post("DMart Powai: no Nibbo 150g packs for two weeks"))
    assert (d.action, d.store_id, d.sku) == (Action.TICKET, "MUM-0001", "NBO-FAMILY-150"), d.reasons


def test_a_reply_under_a_vague_answer_is_read_with_the_report_further_up(triage: Triage) -> None:
    report = make_post("Nibbo tomato nahi mila DMart me", post_id="40", author="kiran", place="Mumbai, India")
    vague = make_post("the big one", post_id="41", author="kiran", in_reply_to="40")
    assert triage.decide(vague, report).action is Action.CLARIFY
    answer = make_post("Powai wala", post_id="42", author="kiran", in_reply_to="41")
    d = triage.decide(answer, vague, [report])
    assert (d.action, d.store_id, d.sku, d.resolves) == (Action.TICKET, "MUM-0001", "NBO-TOMATO-30", "40")
    other = make_post("Chembur DMart me bhi nahi hai", post_id="43", author="ravi", in_reply_to="41")
    d = triage.decide(other, vague, [report])
    assert (d.action, d.store_id, d.sku, d.resolves) == (Action.TICKET, "MUM-0005", "NBO-TOMATO-30", None)


def test_promos_questions_other_missing_things_and_a_brand_said_not_to_be_it(triage: Triage) -> None:
    for text, action in (
        ("닙보 마살라 1+1 행사! 품절 전에 GS25에서 만나요", Action.IGNORE),  # "before it sells out": a promo
        ("GS25 강남역점 닙보 민트 없어요. 재입고 언제 되나요?", Action.TICKET),  # asking when, not "restocked"
        ("DMart Powai has no milk today so my Nibbo masala chai plan is dead", Action.IGNORE),
        ("DMart Powai has a HUGE Nibbo display lol, not running out anytime soon", Action.IGNORE),
        ("DMart Powai — no Kurkure masala anywhere (not Nibbo, the other one)", Action.IGNORE),
    ):
        d = triage.decide(make_post(text))
        assert d.action is action, (text, d.reasons)


def test_a_plural_names_the_alias_it_is_the_plural_of(triage: Triage) -> None:
    d = triage.decide(make_post("DMart Powai has no Nibbo cheesy jalapenos"))
    assert (d.action, d.sku) == (Action.TICKET, "NBO-CHEESE-30"), d.reasons


def test_a_branch_name_after_a_chain_the_list_does_not_carry_is_unlisted(triage: Triage) -> None:
    """'홈플러스 강남역점': the list has GS25 강남역점, but the post names a Homeplus branch."""
    d = triage.decide(make_post("홈플러스 강남역점에 닙보 마살라 없어요"))
    assert d.store_id != "SEL-0001", d.reasons


def test_more_korean_and_japanese_look_alikes(triage: Triage) -> None:
    for text in (
        "닙보 사러 갔는데 GS25 강남역점 입구를 못 찾겠어요 ㅋㅋ",
        "ローソン銀座一丁目店はニッボのマサラが品切れになったことがない",
    ):
        d = triage.decide(make_post(text))
        assert d.action is Action.IGNORE, (text, d.reasons)


def test_other_indian_scripts_are_read_through_transliteration(triage: Triage) -> None:
    """Kannada, Tamil, Bengali, Gujarati script: "ಇಲ್ಲ" is "illa", "இல்லை" "illai", "নেই" "nei", "નથી" "nathi"."""
    for text in (
        "DMart Powai ನಲ್ಲಿ Nibbo tomato ಇಲ್ಲ",
        "DMart Powai-ல Nibbo tomato இல்லை",
        "DMart Powai te Nibbo tomato নেই",
        "DMart Powai ma Nibbo tomato નથી",
    ):
        d = triage.decide(make_post(text))
        assert (d.action, d.store_id) == (Action.TICKET, "MUM-0001"), (text, d.reasons)


def test_another_brands_product_named_in_the_absence_is_not_ours(triage: Triage) -> None:
    d = triage.decide(make_post("No Bingo chatpata masala at DMart Powai today, only Nibbo on the shelf"))
    assert d.action is Action.IGNORE, d.reasons
