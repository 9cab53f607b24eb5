"""Sensitive-word filter (pipelines/text/sensitive.py): hand-written edge cases in Chinese and English."""
import pickle
import time
from pathlib import Path

import pytest

from pipelines.text.sensitive import (
    SensitiveListConfig,
    SensitiveWordFilter,
    WordListError,
    has_cjk,
    load_wordlist,
)

REPO = Path(__file__).resolve().parent.parent
WORDLISTS = REPO / "cleaning_rules" / "wordlists"


def wl(tmp_path: Path, name: str, *terms: str) -> str:
    p = tmp_path / name
    p.write_text("\n".join(terms) + "\n", encoding="utf-8")
    return str(p)


def one(tmp_path, terms, lang="zh", name="lst", **kw) -> SensitiveWordFilter:
    cfg = SensitiveListConfig(name=name, lang=lang, category="porn", paths=(wl(tmp_path, name + ".txt", *terms),), **kw)
    return SensitiveWordFilter([cfg])


def hits(flt, text, lang, name="lst"):
    return flt.scan(text, lang)[name].hits


# ------------------------------------------------------------------ word lists
def test_wordlist_comments_blank_lines_strip_and_duplicates(tmp_path):
    p = tmp_path / "w.txt"
    p.write_text(
        "\ufeff# header comment\n"
        "\n"
        "  色情  \n"
        "淫秽 # trailing comment after whitespace\n"
        "C#\n"                      # '#' not after whitespace: part of the term
        "   # indented comment line\n"
        "blow job\n"
        "色情\n"                     # duplicate
        "\t\n"
        "last term",               # no final newline
        encoding="utf-8",
    )
    assert load_wordlist(p) == ["色情", "淫秽", "C#", "blow job", "last term"]


def test_wordlist_not_utf8_names_file_and_line(tmp_path):
    p = tmp_path / "gbk.txt"
    p.write_bytes("# ok\n色情\n".encode("utf-8") + "淫秽\n".encode("gbk"))
    with pytest.raises(WordListError) as e:
        load_wordlist(p)
    assert f"{p}:3:" in str(e.value)
    assert "UTF-8" in str(e.value)


def test_wordlist_missing_file_is_a_wordlist_error(tmp_path):
    with pytest.raises(WordListError, match="nope.txt"):
        load_wordlist(tmp_path / "nope.txt")


def test_non_utf8_list_fails_when_the_filter_is_built(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"ok\n\xff\xfe\n")
    with pytest.raises(WordListError, match=r"bad\.txt:2:"):
        SensitiveWordFilter([SensitiveListConfig("x", "en", "porn", (str(p),))])


# ------------------------------------------------------------------ Chinese
def test_innocent_containing_words_in_a_product_review(tmp_path):
    flt = one(tmp_path, ["性", "色情"], min_term_chars=1, allow_words=("性能", "性格", "性价比", "女性"))
    review = "这款手机性能很强，性价比高，店主性格也好，女性用着也合适。"
    assert hits(flt, review, "zh") == 0
    assert flt.apply(review, "zh").dropped_by is None
    # The bare character outside an allow-word still counts.
    assert hits(flt, "性是什么", "zh") == 1
    assert hits(flt, review + "色情", "zh") == 1


def test_classical_history_text_with_allow_word(tmp_path):
    flt = one(tmp_path, ["奸", "强奸"], min_term_chars=1, allow_words=("奸臣",))
    assert hits(flt, "奸臣当道，忠良受害。", "zh") == 0
    lh = flt.scan("奸臣当道，又有强奸之事。", "zh")["lst"]
    assert lh.hits == 1 and lh.terms == ["强奸"]


def test_allow_word_only_covers_hits_inside_its_occurrence(tmp_path):
    flt = one(tmp_path, ["口交"], allow_words=("出口交易",))
    assert hits(flt, "今年出口交易额增长。", "zh") == 0
    assert hits(flt, "出口交易额增长，另有口交广告。", "zh") == 1


def test_min_term_chars_defaults_ignore_single_chinese_characters(tmp_path):
    flt = one(tmp_path, ["性", "奸", "色情"])            # zh default: 2
    assert flt.term_counts["lst"] == 1
    assert hits(flt, "性格好，奸臣坏", "zh") == 0
    assert hits(flt, "色情", "zh") == 1
    flt3 = one(tmp_path, ["色情", "色情片"], min_term_chars=3)
    assert flt3.term_counts["lst"] == 1
    assert flt3.scan("色情片与色情", "zh")["lst"].terms == ["色情片"]


def test_chinese_substring_match_and_overlaps_counted_once(tmp_path):
    flt = one(tmp_path, ["他妈", "他妈的", "妈的", "抽插", "插你", "你它马的"])
    lh = flt.scan("他妈的", "zh")["lst"]
    assert lh.hits == 1 and lh.spans == [(0, 3)] and lh.terms == ["他妈的"]
    # Two injected words side by side, a third term straddling them: two hits, one masked region.
    lh = flt.scan("好抽插你它马的。", "zh")["lst"]
    assert lh.hits == 2
    assert lh.terms == ["你它马的", "抽插"]
    assert lh.spans == [(1, 7)]


def test_latin_letters_in_chinese_terms_are_case_insensitive(tmp_path):
    flt = one(tmp_path, ["卖B", "13点"])
    assert hits(flt, "这里卖b，那里也卖B", "zh") == 2


def test_term_converter_adds_simplified_variants(tmp_path):
    flt = SensitiveWordFilter(
        [SensitiveListConfig("lst", "zh", "profanity", (wl(tmp_path, "t.txt", "咸家鏟"),))],
        convert_terms=lambda s: s.replace("鏟", "铲"),
    )
    assert hits(flt, "你咸家铲", "zh") == 1
    assert hits(flt, "你咸家鏟", "zh") == 1


def test_opencc_converter(tmp_path):
    pytest.importorskip("opencc")
    from pipelines.text.sensitive import opencc_converter

    flt = SensitiveWordFilter([SensitiveListConfig("lst", "zh", "x", (wl(tmp_path, "t.txt", "冚家鏟"),))],
                              convert_terms=opencc_converter("t2s"))
    assert hits(flt, "冚家铲", "zh") == 1      # text converted by the pipeline
    assert hits(flt, "冚家鏟", "zh") == 1      # and as written


# ------------------------------------------------------------------ English
def test_english_whole_words_scunthorpe_class_assassin(tmp_path):
    flt = one(tmp_path, ["ass", "cunt"], lang="en")
    text = "The class in Scunthorpe read about an assassin who was a bass player; classic passage."
    assert hits(flt, text, "en") == 0
    assert hits(flt, "What an ass.", "en") == 1
    assert hits(flt, "ass_hat ass1 1ass", "en") == 0        # underscore and digits are word characters


def test_english_case_insensitive(tmp_path):
    flt = one(tmp_path, ["Fuck"], lang="en")
    lh = flt.scan("FUCK this, fuck that, FuCk!", "en")["lst"]
    assert lh.hits == 3 and lh.terms == ["fuck"]


def test_english_multi_word_terms(tmp_path):
    flt = one(tmp_path, ["blow job", "2 girls 1 cup"], lang="en")
    assert hits(flt, "a Blow Job ad and 2 Girls 1 Cup", "en") == 2
    assert hits(flt, "blow jobs", "en") == 0          # whole words: not a prefix of a longer word
    assert hits(flt, "blowjob", "en") == 0


def test_english_term_next_to_chinese_characters_matches(tmp_path):
    flt = one(tmp_path, ["fuck"], lang="en")
    assert hits(flt, "这个fuck太多了", "en") == 1


def test_english_min_term_chars_default_is_3(tmp_path):
    flt = one(tmp_path, ["xx", "ass", "🖕"], lang="en")
    assert flt.term_counts["lst"] == 1


def test_english_allow_phrase(tmp_path):
    flt = one(tmp_path, ["dick"], lang="en", allow_words=("Moby Dick",))
    assert hits(flt, "I read Moby Dick twice.", "en") == 0
    assert hits(flt, "Moby Dick, and a dick joke", "en") == 1


# ------------------------------------------------------------------ thresholds, actions, reasons
def test_density_threshold(tmp_path):
    # one hit in 500 characters = 2.0 per 1,000
    text = "色情" + "好" * 498
    assert len(text) == 500
    at = one(tmp_path, ["色情"], density_per_1k=2.0)
    out = at.apply(text, "zh")
    assert out.dropped_by == "lst" and out.value == 2.0 and out.threshold == 2.0
    above = one(tmp_path, ["色情"], density_per_1k=2.5)
    out = above.apply(text, "zh")
    assert out.dropped_by is None and out.reason == ""
    assert out.value == 2.0 and out.threshold == 2.5 and out.hits == {"lst": 1}
    anyhit = one(tmp_path, ["色情"], density_per_1k=0)
    assert anyhit.apply("色情" + "好" * 100_000, "zh").dropped_by == "lst"


def test_min_hits_and_min_distinct(tmp_path):
    two = one(tmp_path, ["色情", "淫秽"], min_hits=2)
    assert two.apply("色情内容", "zh").dropped_by is None
    assert two.apply("色情内容，色情", "zh").dropped_by == "lst"
    distinct = one(tmp_path, ["色情", "淫秽"], min_hits=2, min_distinct=2)
    assert distinct.apply("色情内容，色情", "zh").dropped_by is None
    assert distinct.apply("色情内容，淫秽", "zh").dropped_by == "lst"


def test_drop_reason_text(tmp_path):
    flt = one(tmp_path, ["淫秽", "肉棒"], name="zh_porn", density_per_1k=1.0)
    text = "淫秽" + "好" * 600 + "肉棒" + "好" * 600 + "淫秽" + "好" * 44
    assert len(text) == 1250
    out = flt.apply(text, "zh")
    assert out.dropped_by == "zh_porn"
    assert out.reason == "zh_porn: 3 hits (淫秽, 肉棒), 2.4 per 1,000 chars >= 1.0"
    assert out.value == 2.4 and out.threshold == 1.0
    assert out.text == text and out.masked == 0
    assert out.hits == {"zh_porn": 3}


def test_mask_action_replaces_spans_with_mask_char(tmp_path):
    flt = one(tmp_path, ["fuck", "shit"], lang="en", action="mask", mask_char="#")
    out = flt.apply("Oh FUCK, this shit.", "en")
    assert out.dropped_by is None
    assert out.text == "Oh ####, this ####."
    assert out.masked == 2
    assert out.reason.startswith("masked lst: 2 hits (fuck, shit)")


def test_mask_overlapping_terms_masks_the_union(tmp_path):
    flt = one(tmp_path, ["他妈", "他妈的", "妈的"], action="mask")
    out = flt.apply("你他妈的真是", "zh")
    assert out.text == "你***真是" and out.masked == 1


def test_positions_count_characters_beyond_the_bmp(tmp_path):
    """Matches are located in characters: emoji and rare Han beyond U+FFFF before a term (four
    bytes in UTF-8, two UTF-16 units) do not shift what is masked, and whole-word checks look at
    the right neighbours."""
    flt = one(tmp_path, ["他妈的", "fuck"], action="mask", mask_char="*")
    out = flt.apply("😀𠀀他妈的👍 𝒜fuck x fuck 😀", "zh")
    assert out.text == "😀𠀀***👍 𝒜fuck x **** 😀" and out.masked == 2
    assert hits(flt, "😀fuck😀", "zh") == 1 and hits(flt, "😀xfuck", "zh") == 0


def test_lone_surrogates_are_scanned_like_any_other_character(tmp_path):
    flt = one(tmp_path, ["他妈的", "fuck"], action="mask", mask_char="*")
    out = flt.apply("\ud800他妈的 fuck\udfff x", "zh")
    assert out.text == "\ud800*** ****\udfff x" and out.masked == 2
    assert hits(flt, "\ud800fuck", "zh") == 1


def test_drop_lists_win_over_mask_lists(tmp_path):
    cfgs = [
        SensitiveListConfig("en_prof", "en", "profanity", (wl(tmp_path, "p.txt", "shit"),), action="mask"),
        SensitiveListConfig("en_porn", "en", "porn", (wl(tmp_path, "q.txt", "porn"),), action="drop"),
    ]
    flt = SensitiveWordFilter(cfgs)
    out = flt.apply("shit porn", "en")
    assert out.dropped_by == "en_porn" and out.text == "shit porn" and out.masked == 0
    assert out.hits == {"en_prof": 1, "en_porn": 1}
    out = flt.apply("shit happens", "en")
    assert out.dropped_by is None and out.text == "**** happens" and out.masked == 1


def test_one_automaton_per_language_and_lang_selection(tmp_path):
    cfgs = [
        SensitiveListConfig("zh_a", "zh", "porn", (wl(tmp_path, "a.txt", "色情"),)),
        SensitiveListConfig("zh_b", "zh", "ads", (wl(tmp_path, "b.txt", "加微信", "色情"),)),
        SensitiveListConfig("en_a", "en", "porn", (wl(tmp_path, "c.txt", "porn"),)),
    ]
    flt = SensitiveWordFilter(cfgs)
    assert sorted(flt._automata) == ["en", "zh"]
    found = flt.scan("色情，加微信 porn", "zh-Hans")
    assert set(found) == {"zh_a", "zh_b"}
    assert found["zh_a"].hits == 1 and found["zh_b"].hits == 2
    assert flt.scan("porn 色情", "en")["en_a"].hits == 1
    assert flt.scan("porn", "fr") == {}
    assert flt.apply("porn", "fr").dropped_by is None


def test_terms_are_sorted_and_capped_at_10(tmp_path):
    terms = [f"词{chr(0x4E00 + i)}" for i in range(15)]
    flt = one(tmp_path, terms)
    lh = flt.scan("，".join(reversed(terms)), "zh")["lst"]
    assert lh.hits == 15 and lh.distinct == 15
    assert lh.terms == sorted(terms)[:10]


def test_from_rules_relative_paths_and_allow_files(tmp_path):
    (tmp_path / "lists").mkdir()
    wl(tmp_path / "lists", "zh_porn.txt", "性", "色情")
    wl(tmp_path / "lists", "allow.txt", "# innocent", "性能")
    cfg = SensitiveListConfig.from_rules(
        {"name": "zh_porn", "lang": "zh", "category": "porn", "paths": ["lists/zh_porn.txt"],
         "min_term_chars": 1, "allow_words": ["性格"], "allow_paths": ["lists/allow.txt"], "action": "mask"},
        base_dir=tmp_path,
    )
    assert cfg.paths == (str(tmp_path / "lists" / "zh_porn.txt"),)
    assert cfg.allow_words == ("性格", "性能")
    assert cfg.min_hits == 1 and cfg.density_per_1k == 0.0 and cfg.mask_char == "*"
    flt = SensitiveWordFilter([cfg])
    assert flt.apply("性能好，性格好，性", "zh").text == "性能好，性格好，*"
    default = SensitiveListConfig.from_rules({"name": "e", "lang": "en", "category": "ads", "path": "x.txt"}, tmp_path)
    assert default.effective_min_term_chars == 3 and default.action == "drop"


@pytest.mark.parametrize("bad", [
    {"name": "x", "lang": "zh", "category": "porn", "paths": ["a.txt"], "action": "delete"},
    {"name": "x", "lang": "zh", "category": "porn", "paths": ["a.txt"], "mask_char": "**"},
    {"name": "x", "lang": "zh", "category": "porn", "paths": ["a.txt"], "min_hit": 2},
    {"name": "x", "lang": "zh", "category": "porn", "paths": []},
    {"lang": "zh", "category": "porn", "paths": ["a.txt"]},
])
def test_from_rules_rejects_bad_rules(tmp_path, bad):
    with pytest.raises(WordListError):
        SensitiveListConfig.from_rules(bad, tmp_path)


def test_duplicate_list_names_are_rejected(tmp_path):
    p = wl(tmp_path, "a.txt", "porn")
    with pytest.raises(WordListError, match="duplicate"):
        SensitiveWordFilter([SensitiveListConfig("a", "en", "porn", (p,)), SensitiveListConfig("a", "en", "ads", (p,))])


def test_filter_pickles(tmp_path):
    flt = one(tmp_path, ["色情"], allow_words=("反色情",))
    back = pickle.loads(pickle.dumps(flt))
    assert hits(back, "色情与反色情", "zh") == 1


def test_large_document_is_scanned_quickly(tmp_path):
    flt = one(tmp_path, ["色情", "淫秽", "加微信"], allow_words=("性能",))
    text = ("这款手机性能很好，电池也耐用。" * 90_000) + "色情"     # ~4 MB of UTF-8
    t0 = time.perf_counter()
    lh = flt.scan(text, "zh")["lst"]
    assert lh.hits == 1 and lh.spans == [(len(text) - 2, len(text))]
    assert time.perf_counter() - t0 < 10


def test_has_cjk():
    assert has_cjk("卖B") and has_cjk("𨳒") and has_cjk("ㄉ") and not has_cjk("13.") and not has_cjk("café")


# ------------------------------------------------------------------ shipped lists
SHIPPED = ["zh_porn.txt", "zh_ads.txt", "zh_violence.txt", "en_porn.txt", "en_ads.txt", "en_profanity.txt"]


@pytest.mark.parametrize("name", SHIPPED + ["zh_allow.txt", "en_allow.txt"])
def test_shipped_lists_load_without_duplicates_or_single_chinese_characters(name):
    path = WORDLISTS / name
    terms = load_wordlist(path)
    raw = [ln.split(" #")[0].strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    raw = [t for t in raw if t and not t.startswith("#")]
    assert len(raw) == len(terms), "duplicate entries"
    assert len({t.lower() for t in terms}) == len(terms), "duplicates differing in case only"
    assert not [t for t in terms if has_cjk(t) and len(t) < 2]
    assert path.read_text(encoding="utf-8").startswith("#"), "comment header"
    if name in SHIPPED:
        assert 15 <= len(terms) <= 60
        assert all(has_cjk(t) for t in terms) == name.startswith("zh_")


def test_shipped_lists_build_a_filter_and_catch_spam():
    cfgs = [
        SensitiveListConfig(n[:-4], n[:2], n[3:-4], (str(WORDLISTS / n),),
                            allow_words=tuple(load_wordlist(WORDLISTS / f"{n[:2]}_allow.txt")))
        for n in SHIPPED
    ]
    flt = SensitiveWordFilter(cfgs)
    assert flt.apply(" ".join(["加微信 代开发票 优惠"] * 20), "zh").dropped_by == "zh_ads"
    assert flt.apply(" ".join(["cheap replica watches buy now"] * 20), "en").dropped_by == "en_ads"
    assert flt.apply("这款手机性能很好，性价比高，女性朋友也喜欢。出口交易额增长。", "zh").hits == {}
    assert flt.apply("The class met in Scunthorpe to discuss the assassin.", "en").hits == {}
