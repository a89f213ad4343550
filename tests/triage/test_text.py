"""Normalising the writing across scripts so names meet."""

from __future__ import annotations

from restock_bot.triage.text import devanagari_to_latin, key, read_text, romanised_forms, skeleton


def test_devanagari_is_spelt_as_hinglish_writers_spell_it() -> None:
    assert read_text("स्टॉक नहीं है").words == ["stok", "nahin", "hai"]
    assert devanagari_to_latin("नींबू") == "nimbu"


def test_spellings_across_scripts_share_a_skeleton() -> None:
    assert skeleton(devanagari_to_latin("डीमार्ट")) == skeleton("dmart")
    assert skeleton(devanagari_to_latin("ईज़ीडे")) == skeleton("easyday")
    assert skeleton("reliance") == skeleton(devanagari_to_latin("रिलायंस"))


def test_width_case_punctuation_and_elongation_fold_away() -> None:
    text = read_text("ＳＯＯＯＯＬＤ OUT at D-Mart!! https://t.co/x #FindMyNibbo @NibboSnacks")
    assert text.words[:4] == ["sold", "out", "at", "d"]
    assert text.hashtags == ["findmynibbo"] and text.mentions == ["nibbosnacks"]
    assert "t.co" not in text.folded
    assert key("D-Mart") == key("DMart") == key("d mart")


def test_scripts_are_cut_apart_so_particles_do_not_hide_names() -> None:
    assert read_text("GS엔 니보 없고").words == ["gs", "엔", "니보", "없고"]
    assert read_text("이마트24에").words == ["이마트", "24", "에"]


def test_japanese_and_korean_places_get_the_romaji_english_tags_use() -> None:
    assert "osaka" in romanised_forms("大阪")
    assert "tokyo" in romanised_forms("東京")
    assert "busan" in romanised_forms("부산")
    assert romanised_forms("Mumbai") == set()
