"""compute_signals_batch: the same dicts as compute_signals, document by document (== on every value)."""
import json
import random

import numpy as np
import pytest

from tests.conftest import REPO

from pipelines.text import quality_signals as qs
from pipelines.text.quality_signals import NGRAM_WORD_CAP, SIGNAL_NAMES, compute_signals, compute_signals_batch

CORPUS = REPO / "bench" / "results" / "corpus-30mb-seed1" / "raw"
LANGS = ["zh", "en", "fr", "", None, "zh-Hant", "EN_us"]

EN = ("The history of the printing press is closely tied to the spread of literacy in Europe. "
      "Before Gutenberg, books were copied by hand, which made them expensive and rare.")
ZH = "北京是中华人民共和国的首都，也是全国的政治、文化和国际交往中心。这座城市有三千多年的建城史。"

HOSTILE = [
    "", " ", "\n", "\n\n", "\r\n", "\u3000", "a", "的", ".", "\ufffd",
    "same line\nsame line\nsame line\nother line",
    "重复的行\n重复的行\n\n  重复的行  \n不同的行",
    # repeated n-grams right at the end (the next document starts with the same words)
    "x y z w v u one two three four five six seven eight nine ten",
    "one two three four five six seven eight nine ten one two three four five six seven eight nine ten",
    "一二三四五六七八九十一二三四五六七八九十",
    "一二三四五六七八九十",
    "ten nine eight seven six five four three two one",
    "the the the the the the the the the the the the",
    "的的的的的的的的的的的的的",
    "我昨天用 iPhone 15 Pro 拍了几张照片，效果比 Samsung Galaxy 好很多。iPhone 15 Pro 的夜景 iPhone 15 Pro",
    "😀😀😀 😀 😀😀", "𠀀𠀁 ext-B 𠀀𠀁 ext-B 𠀀𠀁", "\ud800 lone surrogate \udce9 \ud800\udc00",
    "カタカナ ひらがな カタカナ ひらがな カタカナ", "ㄉㄉㄉ 他妈ㄉ",
    "Ã© cafÃ© itâs donât âThe SardÃ  Ãva â firstÂ  ä½ å¥ â€ ï¼",
    "Ã", "â", "aÃ", "Ãa", "itâ", "s", "Tomáš mâché São naïve",
    "• first\n- second\n* third\n1. one\n2) two\n(3) three\n一、甲\n（二）乙\na) x\nb. y\na.\nb)",
    "12.5 is not a bullet\n3、 is\n1.2.3",
    "line one…\nline two...\nline three.\n  indented!  \n\u3000全角空格。\u3000\n",
    "crlf line\r\ncrlf line\r\nlast\r\n",
    "\x1c\x1d sep \x85 next \u2028 ls \u2029 ps",
    "snake_case_words and under_scores __init__",
    "ÀÉÎÕÜ àéîõü ﬁ ﬂ ß SS ss Ǆ ǅ ǆ",
    "ＡＢＣ ａｂｃ １２３ full width",
    "#$%^&*|~<>{}[]=+_@\\`",
    "x" * 5000,
    "Ab " * 1500,
    "中文" * 1300 + " English words here and there " * 20,
    "word " * 10 + "\n" + "word " * 10,
    ZH, EN, ZH + "\n" + EN + "\n" + ZH,
    # the regex tokenizer and the numpy one differ on these: compute_signals alone
    "İstanbul İSTANBUL istanbul i̇stanbul İstanbul",
    "ΟΔΟΣ ΟΔΟΣ οδος οδοσ ΣΑΣ σας",
    "𐐀𐐨 𐐀𐐨 𐐨𐐨 Deseret",
    "\ufa6e\ufa6e\ufa6e unassigned",
]


def per_doc(texts, langs):
    return [compute_signals(t, l) for t, l in zip(texts, langs)]


def assert_same(texts, langs):
    got = compute_signals_batch(texts, langs)
    want = per_doc(texts, langs)
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert list(g) == list(SIGNAL_NAMES), i
        assert all(type(v) is float for v in g.values()), i
        if g != w:
            diff = {k: (w[k], g[k]) for k in w if g[k] != w[k]}
            raise AssertionError(f"document {i} ({langs[i]!r}, {texts[i][:60]!r}): (per document, batch) {diff}")


def test_empty_batch():
    assert compute_signals_batch([], []) == []


def test_texts_and_langs_must_pair():
    with pytest.raises(ValueError, match="2 texts but 1 langs"):
        compute_signals_batch(["a", "b"], ["en"])


@pytest.mark.parametrize("lang", LANGS)
def test_hostile_cases_in_one_batch(lang):
    assert_same(HOSTILE, [lang] * len(HOSTILE))


@pytest.mark.parametrize("text", HOSTILE[:12] + ["İ", "Σ", "𐐀"])
def test_one_document_batches(text):
    for lang in ("zh", "en", None):
        assert_same([text], [lang])


def test_repeats_do_not_run_into_the_next_document():
    # alone, no document repeats an n-gram; read on into the next document, each first
    # one would ("x y" twice, "a b ... j" twice), and equal documents would share n-grams
    ten = "a b c d e f g h i j"
    texts = ["x y x", "y z", "一二一", "二三", ten + " a", ten[2:], ten, ten,
             "一二三四五六七八九十一", "二三四五六七八九十"]
    langs = ["en", "en", "zh", "zh", "en", "en", "en", "en", "zh", "zh"]
    got = compute_signals_batch(texts, langs)
    assert got == per_doc(texts, langs)
    assert all(g[k] == 0.0 for g in got for k in qs._NGRAM_KEYS)


def test_the_unsafe_characters_go_through_compute_signals_alone():
    texts = ["İstanbul İSTANBUL", "ΟΔΟΣ οδος", "𐐀 𐐨", "\ufa6e word", "Istanbul", "İstanbul " * 500]
    out = qs._signals_chunk(texts, ["en"] * len(texts))
    assert [s is None for s in out] == [True, True, True, True, False, False]   # 4,500 characters: numpy in both
    assert_same(texts, ["en"] * len(texts))


def test_without_the_fallback_the_unsafe_characters_would_differ(monkeypatch):
    """The fallback is needed: read with the numpy tokenizer, these come out different."""
    qs._batch_classes(np.zeros(1, dtype=np.uint32))
    monkeypatch.setattr(qs, "_batch_table", qs._batch_table & ~np.uint8(qs._UNSAFE_BIT))
    monkeypatch.setattr(qs, "_batch_astral", {})
    monkeypatch.setattr(qs, "_py_unsafe_char", lambda code: False)
    for text in ("İstanbul İSTANBUL istanbul i̇stanbul İstanbul", "ΟΔΟΣ ΟΔΟΣ οδος οδοσ ΣΑΣ σας",
                 "𐐀𐐨 𐐀𐐨 𐐨𐐨 Deseret", "\ufa6e\ufa6e\ufa6e unassigned"):
        assert qs._signals_chunk([text], ["en"])[0] != compute_signals(text, "en"), text


def test_unsafe_table_matches_the_predicate():
    qs._batch_classes(np.zeros(1, dtype=np.uint32))          # builds the table
    table = (qs._batch_table & qs._UNSAFE_BIT) > 0
    want = np.array([not 0xD800 <= c <= 0xDFFF and qs._py_unsafe_char(c) for c in range(0x10000)])
    assert np.flatnonzero(table != want).tolist() == []
    assert table[0x130] and table[0x3A3] and not table[ord("a")] and not table[ord("中")]


def _token_partition(words):
    ids: dict = {}
    return [ids.setdefault(w, len(ids)) for w in words]


def test_unflagged_characters_tokenize_alike():
    """For every BMP character the batch does not flag (and some astral ones), the regex
    tokenizer over text.lower() and _tokens_np find the same words: same lengths, same
    equalities."""
    qs._batch_classes(np.zeros(1, dtype=np.uint32))
    unsafe = (qs._batch_table & qs._UNSAFE_BIT) > 0
    codes = [c for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF and not unsafe[c] and c != 10]
    codes += [c for c in (*range(0x1F600, 0x1F650), *range(0x20000, 0x20040), *range(0x1D400, 0x1D440),
                          *range(0x10400, 0x10460), *range(0x1E900, 0x1E960)) if not qs._py_unsafe_char(c)]
    safe = set(codes)
    pieces = []
    for c in codes:
        ch = chr(c)
        up = ch.upper()                  # with its upper case, where that is unflagged too
        up = up if all(ord(u) in safe or ord(u) < 0x80 for u in up) else ""
        pieces.append(f"{ch} {ch}{ch} a{ch}b {up}{ch} {up} ")
    text = "".join(pieces)
    step = 3000
    for i in range(0, len(text), step):
        chunk = text[i:i + step]
        words = qs._WORD.findall(chunk.lower())
        cp = qs._codes(chunk)
        toks, lens, _ = qs._tokens_np(cp, qs._classes(cp))
        assert list(map(len, words)) == lens.tolist(), ascii(chunk[:200])
        assert _token_partition(words) == _token_partition(toks.tolist()), ascii(chunk[:200])


def test_random_mixes_of_hostile_pieces():
    rng = random.Random(7)
    seps = ["", " ", "\n", "\r\n", "\u3000", "\n\n", "。"]
    for _ in range(6):
        texts, langs = [], []
        for _ in range(rng.randint(1, 60)):
            parts = rng.choices(HOSTILE, k=rng.randint(0, 4))
            text = rng.choice(seps).join(parts)
            if rng.random() < 0.3:                           # repeats inside and across documents
                text = text + rng.choice(seps) + text[: rng.randint(0, len(text))]
            texts.append(text)
            langs.append(rng.choice(LANGS))
        assert_same(texts, langs)
        order = list(range(len(texts)))
        rng.shuffle(order)
        assert_same([texts[i] for i in order], [langs[i] for i in order])


def test_long_documents_and_the_word_cap():
    assert qs._BATCH_DOC_MAX_CHARS < NGRAM_WORD_CAP       # the batch never needs the cap: words <= characters
    capped = "alpha beta gamma " * (NGRAM_WORD_CAP // 3 + 10) + "delta epsilon"
    texts = ["short one", capped, "一二三四五六七八九十" * 2500, "short one"]
    langs = ["en", "en", "zh", "en"]
    assert_same(texts, langs)


def test_small_chunks(monkeypatch):
    monkeypatch.setattr(qs, "_BATCH_CHUNK_CHARS", 50)       # many pieces, one document each or a few
    texts = HOSTILE[:30]
    assert_same(texts, ["en", "zh", None] * 10)


def _corpus_records(per_file=500):
    """The first `per_file` records of each part file (book, web, wiki; zh and en)."""
    records = []
    for path in sorted(CORPUS.glob("*/*.jsonl")):
        lang = path.parent.name.split("_")[0]
        kept = 0
        with open(path, "rb") as f:
            for line in f:
                try:
                    rec = json.loads(line.decode("utf-8", "surrogateescape"))   # bad UTF-8: lone surrogates
                except ValueError:
                    continue
                text = rec.get("text") if isinstance(rec, dict) else None
                if isinstance(text, str):
                    records.append((text, rec.get("lang") or lang))
                    kept += 1
                    if kept == per_file:
                        break
    return records


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the benchmark corpus (bench/results/corpus-30mb-seed1) is not present")
def test_benchmark_corpus_records():
    records = _corpus_records()
    assert records
    for i in range(0, len(records), 500):
        batch = records[i:i + 500]
        assert_same([r[0] for r in batch], [r[1] for r in batch])
