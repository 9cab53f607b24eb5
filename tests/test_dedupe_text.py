"""Pure dedupe layer: exact keys, MinHash signatures and LSH band keys."""

import random

import numpy as np
import pytest

from pipelines.text.dedupe_key import exact_key, fold
from pipelines.text.minhash import (
    EMPTY_VALUE,
    MinHashConfig,
    MinHasher,
    band_keys,
    estimated_jaccard,
    jaccard,
    shingles,
)

ZH_A = ("今年春天，南方多个城市遭遇持续强降雨，部分河流水位超过警戒线。"
        "气象部门提醒市民减少外出，注意防范山洪和城市内涝。"
        "交通部门临时关闭了几条低洼路段，并增派人员疏导车辆。"
        "专家表示，这次降雨与副热带高压位置偏北有关，预计下周才会逐渐减弱。"
        "农业部门也在指导农户抢收油菜，尽量减少灾害带来的损失。"
        "电力公司组织抢修队伍，连夜恢复了受损线路的供电。"
        "一些学校调整了上课时间，允许学生在家参加网络课程。"
        "志愿者在社区里发放沙袋和饮用水，帮助老人转移到安全地带。"
        "水利部门加强了水库巡查，确保堤坝在汛期安全运行。"
        "市政府表示，将在雨停后尽快评估受灾情况并启动补助程序。")
ZH_B = ("这家科技公司周二发布了新一代手机芯片，采用更先进的制造工艺。"
        "官方数据显示，新芯片的图形性能提升了三成，功耗却下降了两成。"
        "分析人士认为，芯片自研能力将成为手机厂商竞争的关键。"
        "不过，高端芯片的产能依然紧张，新机可能要到秋季才能大规模供货。"
        "公司股价当天上涨百分之五，创下近一年来的新高。")
ZH_BOILER = "本文版权归原作者所有，转载请注明出处。欢迎关注我们的公众号，获取更多精彩资讯。"

EN_A = ("The city council voted on Tuesday to expand the bike lane network across the downtown area. "
        "Supporters argued that safer streets would encourage commuters to leave their cars at home. "
        "Local shop owners worried that losing parking spaces could hurt their business during the holidays. "
        "The plan will be funded by a regional transport grant and should be finished within two years. "
        "A public hearing on the detailed route is scheduled for next month at the central library. "
        "Cycling advocates collected thousands of signatures in favour of protected lanes. "
        "Engineers will install new traffic signals at the busiest intersections first. "
        "The mayor promised that delivery trucks would still have loading zones on every block. "
        "Critics asked whether the budget includes enough money for winter maintenance. "
        "Officials expect the first section to open before the end of the summer.")
EN_B = ("Researchers have found a new species of frog in the cloud forests of the northern mountains. "
        "The tiny amphibian is barely the size of a thumbnail and has bright orange spots on its back. "
        "Its call sounds more like an insect than a frog, which helped it stay hidden for decades. "
        "The team collected recordings at night and compared its genetic material with related species. "
        "Conservation groups hope the discovery will strengthen protection of the fragile habitat.")
EN_BOILER = ("Subscribe to our newsletter for the latest updates. All rights reserved. "
             "Share this article with your friends on social media.")


# --- exact_key -------------------------------------------------------------------------------

def test_exact_key_folds_spacing_case_and_punctuation():
    base = exact_key("Hello, World! 你好，世界。")
    assert base == exact_key("hello world 你好 世界")
    assert base == exact_key("  HELLO\tWORLD\n\n你好\u3000世界！！ ")
    assert base == exact_key("Hello World “你好”（世界）…")
    assert base == exact_key("Ｈｅｌｌｏ　Ｗｏｒｌｄ　你好、世界")  # full-width letters and spaces
    assert base == exact_key("【Hello】《World》‘你好’；世界：？")
    assert base == exact_key("Hello\u200bWorld 你好 世界")          # zero-width space
    assert len(base) == 32 and int(base, 16) >= 0


def test_exact_key_different_content_differs():
    assert exact_key("你好世界") != exact_key("你好世间")
    assert exact_key("hello world") != exact_key("hello worlds")
    assert exact_key(ZH_A) != exact_key(ZH_B)


def test_exact_key_empty_fold_uses_original_text():
    keys = {exact_key(t) for t in ["", " ", "  ", "!!!", "。。。", "……", "\n"]}
    assert len(keys) == 7
    assert fold("，。！") == ""
    assert exact_key("!!!") == exact_key("!!!")


# --- shingles --------------------------------------------------------------------------------

def test_shingles_zh_char_ngrams_ignore_whitespace():
    s = shingles("今天 天气\n很好啊", "zh", char_n=5)
    assert s == {w.encode() for w in ["今天天气很", "天天气很好", "天气很好啊"]}
    assert shingles("今天天气很好啊", "zh", char_n=5) == s


def test_shingles_en_word_ngrams_lowercased():
    s = shingles("The quick, brown FOX jumps!", "en", word_n=3)
    assert s == {b"the quick brown", b"quick brown fox", b"brown fox jumps"}
    assert shingles("the   QUICK brown fox jumps", "en", word_n=3) == s


def test_shingles_short_text_gives_one_shingle():
    assert shingles("你好", "zh", char_n=5) == {"你好".encode()}
    assert shingles("你 好 呀", "zh", char_n=5) == {"你好呀".encode()}
    assert shingles("Hello there", "en", word_n=3) == {b"hello there"}
    assert shingles("Hi", "en") == {b"hi"}
    assert shingles("", "zh") == set() and shingles("   ", "en") == set()
    assert len(shingles("!!!", "en")) == 1


# --- MinHash signatures ----------------------------------------------------------------------

def _random_en(rng, n_words=200, vocab=5000):
    return " ".join(f"w{rng.randrange(vocab)}" for _ in range(n_words))


def test_config_validation():
    MinHashConfig(num_perm=64, bands=8, rows=8)
    with pytest.raises(ValueError):
        MinHashConfig(num_perm=128, bands=10, rows=8)


def test_signature_shape_dtype_and_determinism_across_instances():
    rng = random.Random(3)
    sets = [shingles(_random_en(rng), "en") for _ in range(20)] + [shingles(ZH_A, "zh"), shingles(ZH_B, "zh")]
    s1 = MinHasher(MinHashConfig()).signatures(sets)
    s2 = MinHasher(MinHashConfig()).signatures(sets)        # another "worker"
    assert s1.shape == (22, 128) and s1.dtype == np.uint64
    assert np.array_equal(s1, s2)
    # a document's signature does not depend on its batch or on the block size
    assert np.array_equal(MinHasher().signatures(sets[5:6])[0], s1[5])
    assert np.array_equal(MinHasher(chunk_elements=128 * 7).signatures(sets), s1)
    # another seed gives other permutations
    assert not np.array_equal(MinHasher(MinHashConfig(seed=2)).signatures(sets), s1)
    # order of shingles within a set does not matter
    assert np.array_equal(MinHasher().signature(sorted(sets[0])), s1[0])


def test_empty_inputs():
    mh = MinHasher()
    out = mh.signatures([])
    assert out.shape == (0, 128) and out.dtype == np.uint64
    sig = mh.signatures([set(), shingles("hello world again and again", "en"), set()])
    assert (sig[0] == EMPTY_VALUE).all() and (sig[2] == EMPTY_VALUE).all()
    assert not (sig[1] == EMPTY_VALUE).any()
    assert band_keys(out).shape == (0, 16)
    assert jaccard(set(), set()) == 1.0 and jaccard({b"a"}, set()) == 0.0


def test_estimated_jaccard_tracks_true_jaccard():
    rng = random.Random(11)
    mh = MinHasher()
    a_doc = _random_en(rng, 400)
    words = a_doc.split()
    near = words[:]
    for i in rng.sample(range(len(near)), 4):             # 1% of words changed
        near[i] = "typo"
    pairs = [
        (a_doc, a_doc),                                    # identical
        (a_doc, _random_en(rng, 400, vocab=10**6)),        # unrelated
        (a_doc, " ".join(near)),                           # near copy
        (a_doc, " ".join(words[:300])),                    # truncated copy, J ~ 0.75
        (a_doc, " ".join(words[:200] + _random_en(rng, 200, vocab=10**6).split())),  # half, J ~ 0.33
    ]
    sa = mh.signatures([shingles(a, "en") for a, _ in pairs])
    sb = mh.signatures([shingles(b, "en") for _, b in pairs])
    est = [estimated_jaccard(x, y) for x, y in zip(sa, sb)]
    true = [jaccard(shingles(a, "en"), shingles(b, "en")) for a, b in pairs]
    assert est[0] == 1.0 and true[0] == 1.0
    assert est[1] < 0.05 and true[1] == 0.0
    assert true[2] > 0.9 and est[2] > 0.85
    for e, t in zip(est, true):
        assert abs(e - t) <= 0.12, (est, true)


def test_estimate_accuracy_over_many_pairs_zh():
    rng = random.Random(5)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)]
    mh = MinHasher()
    a_sets, b_sets = [], []
    for _ in range(150):
        doc = [rng.choice(chars) for _ in range(300)]
        mut = [rng.choice(chars) if rng.random() < rng.choice([0.0, 0.01, 0.05, 0.1, 0.3]) else c for c in doc]
        a_sets.append(shingles("".join(doc), "zh"))
        b_sets.append(shingles("".join(mut), "zh"))
    err = np.abs((mh.signatures(a_sets) == mh.signatures(b_sets)).mean(axis=1)
                 - np.array([jaccard(a, b) for a, b in zip(a_sets, b_sets)]))
    assert err.mean() < 0.04
    assert np.mean(err <= 0.1) >= 0.94   # 0.1 is ~2.3 sigma at J=0.5 with 128 perms


# --- band keys -------------------------------------------------------------------------------

def test_band_keys_identical_and_unrelated():
    rng = random.Random(9)
    cfg = MinHashConfig()
    mh = MinHasher(cfg)
    docs = [_random_en(rng, 150, vocab=10**6) for _ in range(40)]
    sigs = mh.signatures([shingles(d, "en") for d in docs] + [shingles(docs[0], "en")])
    keys = band_keys(sigs, cfg)
    assert keys.shape == (41, cfg.bands) and keys.dtype == np.uint64
    assert (keys[0] == keys[40]).all()                    # identical docs share every band key
    assert (band_keys(sigs[:1], cfg)[0] == keys[0]).all() # single-row and batch agree
    same_rows = np.repeat(sigs[:1, :cfg.rows], cfg.bands, axis=0).reshape(1, -1)
    assert len(set(band_keys(same_rows, cfg)[0].tolist())) == cfg.bands   # band index is part of the key
    shared = sum(len(set(keys[i].tolist()) & set(keys[j].tolist())) for i in range(40) for j in range(i + 1, 40))
    assert shared == 0                                    # unrelated docs: no common band


def test_band_keys_near_copy_collides():
    rng = random.Random(2)
    words = _random_en(rng, 400).split()
    near = words[:]
    near[200] = "changed"
    sigs = MinHasher().signatures([shingles(" ".join(words), "en"), shingles(" ".join(near), "en")])
    k1, k2 = band_keys(sigs)
    assert int((k1 == k2).sum()) >= 8                    # J ~ 0.985 -> most bands equal


def test_all_identical_batch():
    mh = MinHasher()
    sigs = mh.signatures([shingles(ZH_A, "zh")] * 50)
    assert (sigs == sigs[0]).all()
    keys = band_keys(sigs)
    assert (keys == keys[0]).all()


def test_vectorised_shingle_hashes_match_the_shingle_sets():
    """The pipeline's numpy path hashes exactly the n-grams of `shingles` (one hash per distinct n-gram)."""
    from pipelines.text.minhash import batch_shingle_hashes, shingle_hashes
    rng = random.Random(4)
    texts = [ZH_A, ZH_A + ZH_A, "短", "", "  ", "Hello, World!", _random_en(rng, 50), "ＡＢＣ　ｄｅｆ ghi jkl", ZH_A[:40]]
    langs = ["zh", "zh", "zh", "zh", "en", "en", "en", "en", "zh"]
    batch = batch_shingle_hashes(texts, langs)
    for text, lang, hashes in zip(texts, langs, batch):
        single = shingle_hashes(text, lang)
        assert np.array_equal(np.unique(hashes), single)
        assert len(single) == len(shingles(text, lang))
    mh = MinHasher()
    sig_text = mh.text_signatures(texts, langs)
    sig_sets = mh.signatures([shingles(t, lang) for t, lang in zip(texts, langs)])
    both_empty = (sig_text == EMPTY_VALUE).all(axis=1) & (sig_sets == EMPTY_VALUE).all(axis=1)
    assert both_empty[3] and both_empty[4]
    # Different hash functions, same sets: estimated Jaccard between copies agrees.
    assert estimated_jaccard(sig_text[0], sig_text[1]) == pytest.approx(estimated_jaccard(sig_sets[0], sig_sets[1]), abs=0.15)
