import json
import pickle
from collections import Counter
import unicodedata

import numpy as np
import pytest

from pipelines.text import tfidf
from tests.conftest import SHARED, needs_shared
from pipelines.text.tfidf import (DocumentFrequencies, TfidfConfig, TfidfVectorizer, cosine, df_buckets,
                                  df_partial, token_df, tokens)

NB = 2**20


def b(text: str) -> set[int]:
    return set(df_buckets(text, NB).tolist())


def bigram(pair: str) -> int:
    (x,) = b(pair) - b(pair[0]) - b(pair[1])
    return x


def dense_df(texts, n_buckets=NB) -> DocumentFrequencies:
    return DocumentFrequencies.empty(n_buckets).add(*df_partial(texts, n_buckets))


# --- DF vocabulary ----------------------------------------------------------------------------

def test_df_buckets_sorted_unique_uint32():
    out = df_buckets("the cat saw the other cat 中国中国", NB)
    assert out.dtype == np.uint32
    assert np.all(np.diff(out.astype(np.int64)) > 0)
    assert len(out) == 4 + 4           # the, cat, saw, other + 中, 国, 中国, 国中
    assert len(df_buckets("中国中", NB)) == 4       # 中, 国, 中国, 国中
    assert len(df_buckets("", NB)) == 0
    assert len(df_buckets("，。！ ...", NB)) == 0


def test_df_vocabulary_han_unigrams_bigrams_and_words():
    assert len(b("中")) == 1
    assert len(b("中国")) == 3                               # two unigrams + one bigram
    assert b("中国人") == b("中国") | b("国人")
    assert b("中华人民共和国") == set().union(*(b(a + c) for a, c in zip("中华人民共和国", "华人民共和国")))
    # no bigram across a non-Han character (letter, space, punctuation)
    for sep in ("a", " ", "，", "1"):
        text = f"中{sep}国"
        assert bigram("中国") not in b(text)
        assert b("中") | b("国") <= b(text)
    assert b("中a国") == b("中") | b("国") | b("a")
    # words: maximal runs of letters/digits without Han; NFKC + casefold; '_' splits
    assert b("Hello, WORLD!") == b("hello world")
    assert b("ＨＥＬＬＯ ｗｏｒｌｄ２") == b("hello world2")
    assert b("hello_world") == b("hello world")
    assert b("abc中def") == b("abc") | b("中") | b("def")
    assert len(b("hello")) == 1 and b("hello") != b("hell") and b("ab") != b("ba")
    assert b("ok123") != b("ok") | b("123")


def test_df_namespaces_are_distinct():
    # the same code point as a unigram and inside a word / bigram must hash apart
    items = b("中") | b("中中") | b("x") | b("xx")
    assert len(items) == 4
    assert len(b("中国")) == 3


@pytest.mark.parametrize("text", ["豈更車 compatibility ideographs", "⼀⼆ kangxi", "Straße", "café", "cafe\u0301",
                                  "ﬁne İstanbul", "①② ㈱ ㍻", "ㄱㅏ 한국어", "カタカナ ｶﾀｶﾅ", "x\ud800y", "ΣΑΣ σας",
                                  "等等……然后", "a…b", "¸¨´ mojibake", "½ ℃ ™", "e\u0340x"])
def test_df_vocabulary_of_folded_text(text):
    """The fast per code point folding equals NFKC + casefold, what tokens() uses."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    assert b(text) == b(folded)
    assert b(text + " 中文") == b(folded + " 中文")


def test_df_partial_counts_documents_not_occurrences():
    texts = ["中国 中国 中国 apple apple", "中国", "美国 apple", ""]
    buckets, counts, n_docs = df_partial(texts, NB)
    assert n_docs == 4 and buckets.dtype == np.uint32 and counts.dtype == np.int64
    got = dict(zip(buckets.tolist(), counts.tolist()))
    assert got[bigram("中国")] == 2
    assert got[next(iter(b("国")))] == 3
    assert got[next(iter(b("apple")))] == 2
    assert got[bigram("美国")] == 1
    assert sum(counts) == sum(len(df_buckets(t, NB)) for t in texts)
    assert df_partial([], NB)[2] == 0


@pytest.mark.parametrize("n_buckets", [2**20, 1000, 2**30])
def test_df_partial_equals_per_document_count(monkeypatch, n_buckets):
    monkeypatch.setattr(tfidf, "_SUB_BATCH", 50)          # several internal batches
    texts = ARTICLES_ZH + ARTICLES_EN + ["中国 hello", "", "hello"]
    buckets, counts, n = df_partial(texts, n_buckets)       # 2**30: the sort path, not a dense count
    expected = Counter(x for t in texts for x in df_buckets(t, n_buckets).tolist())
    assert n == len(texts)
    assert buckets.tolist() == sorted(expected)
    assert counts.tolist() == [expected[x] for x in buckets.tolist()]
    assert buckets.max() < n_buckets


# --- accumulator ------------------------------------------------------------------------------

def test_accumulator_merge_equals_one_pass():
    texts = ARTICLES_ZH + ARTICLES_EN
    one = dense_df(texts)
    a = dense_df(texts[:5])
    c = DocumentFrequencies.empty(NB)
    for t in texts[5:]:
        c.add(*df_partial([t], NB))
    merged = DocumentFrequencies.merge(a, c)
    assert merged == one and merged.n_docs == len(texts)
    assert DocumentFrequencies.merge(DocumentFrequencies.empty(NB), one) == one
    assert one.df.shape == (NB,)


def test_accumulator_add_unsorted_duplicates_and_validation():
    acc = DocumentFrequencies.empty(10)
    acc.add(np.array([3, 1, 3], np.uint32), np.array([1, 2, 5]), 4)
    assert acc.df.tolist() == [0, 2, 0, 6, 0, 0, 0, 0, 0, 0] and acc.n_docs == 4
    with pytest.raises(ValueError):
        acc.add(np.array([10], np.uint32), np.array([1]), 1)
    with pytest.raises(ValueError):
        DocumentFrequencies.merge(acc, DocumentFrequencies.empty(11))
    with pytest.raises(ValueError):
        DocumentFrequencies.empty(0)


def test_accumulator_pickles_small_and_widens():
    acc = dense_df(ARTICLES_ZH)
    assert len(pickle.dumps(acc)) < 100_000                # sparse while mostly empty
    assert pickle.loads(pickle.dumps(acc)) == acc
    full = DocumentFrequencies(np.arange(1, 1001, dtype=np.int32), 1000)
    assert pickle.loads(pickle.dumps(full)) == full
    # A table mostly filled, as the global one of a real corpus is: compressed, and still writable.
    counts = np.random.default_rng(1).geometric(0.3, 1 << 20).astype(np.int32)
    filled = DocumentFrequencies(counts, 10**6)
    packed = pickle.dumps(filled)
    assert len(packed) < counts.nbytes / 3
    again = pickle.loads(packed)
    assert again == filled and again.merge(again, filled).df[0] == 2 * counts[0]
    assert pickle.loads(pickle.dumps(DocumentFrequencies.empty(NB))) == DocumentFrequencies.empty(NB)
    big = DocumentFrequencies.empty(4).add(np.array([1], np.uint32), np.array([2**31]), 2**31)
    assert big.df.dtype == np.int64 and big.df[1] == 2**31


# --- token DF ---------------------------------------------------------------------------------

def test_token_df_rules():
    docs = ["中华", "中华", "中华人", "华人民", "hello world", "hello", "abc"]
    acc = dense_df(docs)
    df = acc.df
    assert df[bigram("中华")] == 3 and df[bigram("华人")] == 2 and df[bigram("人民")] == 1
    assert token_df("中华", df, NB) == 3
    assert token_df("中华人", df, NB) == 2                   # min over its bigrams (3, 2)
    assert token_df("中华人民", df, NB) == 1                 # min(3, 2, 1)
    assert token_df("华", df, NB) == 4                       # single Han char: unigram df
    assert token_df("中", df, NB) == 3
    assert token_df("hello", df, NB) == 2                    # no Han: word df
    assert token_df("HELLO", df, NB) == 2                    # folded like tokens()
    assert token_df("world", df, NB) == 1
    assert token_df("unseen", df, NB) == 0
    assert token_df("hello中华", df, NB) == 3                # mixed: the Han rule
    assert token_df("abc华xyz", df, NB) == 4                 # mixed, no bigram: unigram
    v = TfidfVectorizer(df, acc.n_docs, NB)
    assert v.token_df("中华人") == 2
    # a multi-character word's df is bounded by each bigram's df (a document with the word has them all)
    for word in ("中华", "中华人", "华人民"):
        n_with_word = sum(word in d for d in docs)
        assert token_df(word, df, NB) >= n_with_word


# --- vectors and cosine -----------------------------------------------------------------------

def test_cosine_identical_disjoint_empty():
    i = np.array([1, 5, 9], np.uint32)
    v = np.array([0.2, 0.5, 0.3], np.float32)
    assert cosine(i, v, i, v) == pytest.approx(1.0)
    assert cosine(i, v, np.array([2, 4], np.uint32), np.array([1.0, 1.0], np.float32)) == 0.0
    assert cosine(i, v, np.empty(0, np.uint32), np.empty(0, np.float32)) == 0.0
    assert cosine(np.empty(0, np.uint32), np.empty(0, np.float32), i, v) == 0.0
    assert 0.0 < cosine(i, v, np.array([5], np.uint32), np.array([1.0], np.float32)) < 1.0
    assert cosine(i, v * 3, i, v) <= 1.0


def test_vector_shape_and_normalisation(vectorizer):
    idx, val = vectorizer.vector(ARTICLES_ZH[0], "zh")
    assert idx.dtype == np.uint32 and val.dtype == np.float32 and len(idx) == len(val) > 10
    assert np.all(np.diff(idx.astype(np.int64)) > 0) and idx.max() < vectorizer.dims
    assert float(np.sqrt((val.astype(np.float64) ** 2).sum())) == pytest.approx(1.0, abs=1e-5)
    assert cosine(idx, val, idx, val) == pytest.approx(1.0, abs=1e-6)
    small = TfidfVectorizer(vectorizer.df, vectorizer.n_docs, NB, dims=64)
    i2, v2 = small.vector(ARTICLES_EN[0], "en")                   # dims collisions add up
    assert len(i2) == len(np.unique(i2)) and i2.max() < 64


def test_empty_text(vectorizer):
    for text in ("", "   ", "，。！？……", "!!! ---"):
        for lang in ("zh", "en"):
            idx, val = vectorizer.vector(text, lang)
            assert len(idx) == 0 and len(val) == 0 and idx.dtype == np.uint32 and val.dtype == np.float32
    idx, val = vectorizer.vector("", "en")
    assert cosine(idx, val, *vectorizer.vector(ARTICLES_EN[0], "en")) == 0.0


def test_determinism_and_batch(corpus_df):
    v1 = TfidfVectorizer(corpus_df.df, corpus_df.n_docs, NB)
    v2 = TfidfVectorizer(corpus_df.df.copy(), corpus_df.n_docs, NB)
    texts = [ARTICLES_ZH[1], ARTICLES_EN[1], "", ARTICLES_ZH[2]]
    langs = ["zh", "en", "en", "zh"]
    batch = v1.vectors(texts, langs)
    for t, lang, (bi, bv) in zip(texts, langs, batch):
        i1, x1 = v1.vector(t, lang)
        i2, x2 = v2.vector(t, lang)
        assert np.array_equal(i1, i2) and np.array_equal(x1, x2)
        assert np.array_equal(bi, i1) and np.array_equal(bv, x1)


def test_vectorizer_validation(corpus_df):
    with pytest.raises(ValueError):
        TfidfVectorizer(corpus_df.df[:10], corpus_df.n_docs, NB)
    with pytest.raises(ValueError):
        TfidfVectorizer(corpus_df.df, -1, NB)
    with pytest.raises(ValueError):
        TfidfConfig(n_buckets=0)
    with pytest.raises(ValueError):
        TfidfVectorizer(corpus_df.df, 1, NB, dims=0)


def test_tokens_behaviour():
    assert tokens("Hello, WORLD! ｈｅｌｌｏ_x", "en") == ["hello", "world", "hello", "x"]
    zh = tokens("我们在北京大学学习，ＡＩ很有趣！", "zh")
    assert "北京大学" in zh and "ai" in zh and "，" not in zh and "！" not in zh
    assert tokens("", "zh") == [] and tokens("", "en") == []


@needs_shared
def test_chinese_words_are_jiebas():
    """rjieba (jieba-rs) stands in for Python jieba: the same words, HMM off, on real Chinese text
    with Latin, digits, full-width forms and symbols mixed in."""
    jieba = pytest.importorskip("jieba")
    path = SHARED / "data" / "pretrain_zh_hans_reviews" / "online_shopping_10_cats_stratified.jsonl"
    texts = [json.loads(line)["review"] for line in path.read_text(encoding="utf-8").splitlines()[:3000]]
    texts += ["C++和C#以及.NET 3.14% a-b_c", "\u3000全角　空格ＡＢＣ１２３", "繁體中文測試臺灣", "😀表情\t\n换行"]
    texts += ["中文\ud800测试 ab\udfffcd", "\ud83d"]          # lone surrogates, which rjieba cannot take
    for text in texts:
        folded = tfidf.casefold(text)
        assert tokens(text, "zh") == [t for t in jieba.lcut(folded, HMM=False) if tfidf._is_word_token(t)], text


# --- TF-IDF discounts boilerplate, keeps light edits ------------------------------------------

def test_boilerplate_pair_is_low(vectorizer, corpus_df):
    """Different articles sharing a 3-sentence footer that is in 9 of the 22 documents."""
    uniform = TfidfVectorizer(np.zeros(NB, np.int32), corpus_df.n_docs, NB)   # idf 1 everywhere
    for articles, footer, lang in ((ARTICLES_ZH, FOOTER_ZH, "zh"), (ARTICLES_EN, FOOTER_EN, "en")):
        with_footer = [a + footer for i, a in enumerate(articles) if i % 4]
        vecs = [vectorizer.vector(a, lang) for a in with_footer]
        for i in range(len(vecs)):
            for j in range(i + 1, len(vecs)):
                assert cosine(*vecs[i], *vecs[j]) < 0.5, (lang, i, j)
        a, c = with_footer[:2]
        cos = cosine(*vecs[0], *vecs[1])
        flat = cosine(*uniform.vector(a, lang), *uniform.vector(c, lang))
        assert flat > 0.55 and cos < flat - 0.2, (lang, cos, flat)       # the discount comes from idf
    # a one-sentence note under the same (longer) footer: still clearly discounted
    for notes, footer, lang in ((SHORT_ZH, FOOTER_ZH, "zh"), (SHORT_EN, FOOTER_EN, "en")):
        a, c = notes[0] + footer, notes[1] + footer
        cos = cosine(*vectorizer.vector(a, lang), *vectorizer.vector(c, lang))
        flat = cosine(*uniform.vector(a, lang), *uniform.vector(c, lang))
        assert cos < flat - 0.2 and cos < 0.7, (lang, cos, flat)


def test_light_edits_are_high(vectorizer):
    zh = ARTICLES_ZH[3]
    sent = zh.split("。")
    zh_edits = [
        zh.replace("博物馆", "博物官", 1).replace("参观", "参覌", 1),     # typos
        "。".join(sent[:2] + sent[3:]),                                 # one sentence dropped
        zh + FOOTER_ZH,                                                 # a boilerplate line added
        "。".join(sent[:2] + ["今天的天气非常好"] + sent[2:]),           # one sentence inserted
    ]
    en = ARTICLES_EN[3]
    sent = en.split(". ")
    en_edits = [
        en.replace("lighthouse", "lighthouce", 1).replace("keeper", "keepr", 1),
        ". ".join(sent[:2] + sent[3:]),
        en + FOOTER_EN,
        ". ".join(sent[:2] + ["The weather was pleasant that day"] + sent[2:]),
    ]
    for base, edits, lang in ((zh, zh_edits, "zh"), (en, en_edits, "en")):
        a = vectorizer.vector(base, lang)
        for e in edits:
            assert e != base
            cos = cosine(*a, *vectorizer.vector(e, lang))
            assert cos >= 0.8, (lang, e, cos)
    # and two different articles of the corpus are far apart
    assert cosine(*vectorizer.vector(ARTICLES_ZH[3], "zh"), *vectorizer.vector(ARTICLES_ZH[4], "zh")) < 0.3
    assert cosine(*vectorizer.vector(ARTICLES_EN[3], "en"), *vectorizer.vector(ARTICLES_EN[4], "en")) < 0.3


# --- corpus -----------------------------------------------------------------------------------

FOOTER_ZH = ("\n版权所有，本网站保留一切权利，未经书面授权禁止转载或镜像。"
             "欢迎关注我们的微信公众号，获取更多最新资讯和精彩内容。"
             "如有侵权请联系客服邮箱，我们将在第一时间处理。")
FOOTER_EN = ("\nCopyright Example Media Group. All rights reserved. Reproduction without written permission "
             "is prohibited. Follow us on social media and subscribe to our newsletter for the latest updates. "
             "Contact our support team if you believe any content infringes your rights.")

ARTICLES_ZH = [
    "春天来了，公园里的桃花和樱花都开了。许多市民带着孩子来到湖边散步。小朋友们在草地上放风筝，笑声传得很远。"
    "傍晚时分，夕阳把湖面染成了金黄色。",
    "这家面馆开在老街的拐角已经三十年了。老板每天凌晨四点起床熬制骨头汤。牛肉面的汤头浓郁，面条筋道有嚼劲。"
    "很多外地游客专程赶来品尝。",
    "研究人员发现，规律的睡眠有助于提高记忆力。实验让志愿者连续两周保持固定的作息时间。结果显示，他们在词汇测试中的成绩明显提升。"
    "专家建议成年人每晚睡足七到八个小时。",
    "周末我们一家人去参观了新开的自然历史博物馆。展厅里陈列着恐龙化石和各种矿石标本。讲解员详细介绍了地球生命的演化过程。"
    "孩子对巨大的霸王龙骨架特别着迷。离开前我们在纪念品商店买了一本关于化石的图画书。",
    "这款新手机采用了更大容量的电池。厂商表示，正常使用情况下可以坚持两天。摄像头支持夜景模式，暗光环境下拍照更清晰。"
    "不过，部分用户反映机身偏重。",
    "山区的村民开始尝试种植有机茶叶。合作社统一提供茶苗和技术培训。去年的收成不错，茶叶远销到沿海城市。"
    "年轻人也陆续回到家乡创业。",
    "图书馆推出了夜间自习室，开放到晚上十一点。每个座位都配有台灯和插座。考研的学生成了这里的常客。"
    "管理员说，周末常常一座难求。",
    "冬季马拉松比赛在海边的环形赛道举行。来自全国各地的两千多名选手参加了比赛。寒风中，志愿者为运动员递上热姜茶。"
    "最终冠军以两小时十五分的成绩冲过终点。",
]

ARTICLES_EN = [
    "The city council approved a plan to plant ten thousand trees along major avenues. Officials say the trees will "
    "lower summer temperatures and absorb traffic noise. Residents can request a sapling for their own street. "
    "Planting begins next spring.",
    "A small bakery on Elm Street has become famous for its sourdough bread. The owner feeds the starter every morning "
    "before sunrise. Customers line up around the block on Saturdays. The loaves usually sell out before noon.",
    "Astronomers detected a faint signal from a distant galaxy using a new radio telescope. The signal repeats every "
    "sixteen days. Researchers are still debating what could produce such a regular pattern. More observations are "
    "planned for the coming months.",
    "The old lighthouse on the northern cape was restored after decades of neglect. Volunteers repainted the tower "
    "and repaired the rusted iron stairs. A retired keeper shared stories about storms and shipwrecks. "
    "Visitors can now climb to the lantern room on weekends. The museum next door displays brass lenses and logbooks.",
    "Engineers unveiled an electric bus that charges in ten minutes at each terminal. The battery pack sits under the "
    "floor to keep the cabin spacious. Drivers praised the quiet ride and smooth acceleration. The transit agency "
    "plans to replace its diesel fleet within five years.",
    "Farmers in the valley are switching to drip irrigation to save water. The system delivers moisture directly to "
    "the roots of each plant. Yields of tomatoes and peppers improved during the dry summer. A regional grant covered "
    "half the installation cost.",
    "The public library launched a program that lends musical instruments. Patrons can borrow guitars, violins and "
    "keyboards for three weeks. Local teachers offer free beginner lessons on Sunday afternoons. The waiting list "
    "already has two hundred names.",
    "A chess tournament for high school students drew players from twelve districts. The final match lasted nearly "
    "four hours. The winner sacrificed a knight early to open an attack on the king. Both finalists received "
    "scholarships from a local foundation.",
]

SHORT_ZH = ["小区门口新开了一家花店，店主每天清晨去批发市场挑选鲜花。",
            "暴雨导致城西的地铁站临时关闭，乘客改乘公交车出行。"]
SHORT_EN = ["A stray cat adopted the fire station and now sleeps beside the engine.",
            "The river ferry resumed service after engineers replaced its damaged propeller."]


@pytest.fixture(scope="module")
def corpus_df() -> DocumentFrequencies:
    """Articles and short notes, most of them carrying the site footer, as a crawl would."""
    docs = []
    for i, a in enumerate(ARTICLES_ZH):
        docs.append(a + FOOTER_ZH if i % 4 else a)
    for i, a in enumerate(ARTICLES_EN):
        docs.append(a + FOOTER_EN if i % 4 else a)
    docs += [s + FOOTER_ZH for s in SHORT_ZH] + [s + FOOTER_EN for s in SHORT_EN]
    docs += [FOOTER_ZH.strip(), FOOTER_EN.strip()]
    return dense_df(docs)


@pytest.fixture(scope="module")
def vectorizer(corpus_df) -> TfidfVectorizer:
    return TfidfVectorizer(corpus_df.df, corpus_df.n_docs, NB)
