"""The bulk feature path of the quality model (hashed_features, a numpy MurmurHash3) against
sklearn's HashingVectorizer over ngram_features, which it replaces: same matrix, same scores."""
import json
import random
import re

import numpy as np
import pytest
from sklearn.utils import murmurhash3_32 as sk_murmurhash3_32

from pipelines.text.chinese import HAN
from pipelines.text.quality_model import (_BYTE, _HAN, _SPACE, MAX_CHARS, QualityModel, _columns, hashed_features,
                                          make_vectorizer, murmurhash3_32)
from tests.conftest import SHARED, needs_shared

WORD_31 = "abcdefghijklmnopqrstuvwxyzABCDE"

FIXED = [
    "", " ", "\n", "\x00", "'-'", "- -", "--x", "'quoted' words -- and a dash - here", "don't stop-me now",
    "北京是中华人民共和国的首都。", "中", "中文", "中文English混合text测试", "“你好”，世界！",
    "𠀀𠀁", "中𠀀文", "𠀀中", "𠀀", "字𪚥字", "\U0002FA1F\U0002FA20\U00030000中",
    "\u3400\u4dbf\u4dc0\u4e00\u9fff\ua000\uf900\ufaff\ufb00",
    "ひらがなとカタカナ 한국어", "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ", "café naïve résumé Ærø",
    "\u212a elvin \u212aelvin", "ſtraße İstanbul ıi", "e\u0301clair",
    WORD_31, WORD_31 + "x", WORD_31 * 2, WORD_31 * 2 + "y", "a" * 100, "a" * 31 + "'-b", "a" * 31 + "--", "a" * 30 + "'b",
    "-" * 50 + "a", "'" * 40, "x-" * 40, "a'" * 40 + " end",
    "lone \ud800 surrogate", "\udfff中文\ud800文字 word\udc00word", "\ud83d\ude00 pair as two", "emoji 😀 中😀文",
    "tabs\tand\r\nnewlines\n\nhere", "NUL\x00between\x00words", "digits 123abc a1b2 x9",
    "中" * 1200, "ab " * 400, "word " * 199 + "中文" + "x" * 10, "x" * 999 + "中文", "y" * 998 + "中文",
    "z " * 499 + "ab", "end with word", "start", "中文结尾", "开头",
]


def random_texts(n: int, seed: int = 0) -> list[str]:
    """Texts drawn from a mix of Han (BMP and astral), Latin, apostrophes, hyphens, spaces,
    punctuation, kana, accented and odd characters, of lengths up to past MAX_CHARS."""
    rng = random.Random(seed)
    alphabet = (list("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年") + ["𠀀", "𪚥", "\U0002A6D6"]
                + list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") * 2 + list("'-") * 3
                + list("  \n\t,.!?;:()“”，。！？、") + list("ひカ한éßİ\u212a\u017f0123456789") + ["\ud800", "\x00", "😀"])
    texts = []
    for _ in range(n):
        size = rng.choice([0, 1, 2, 5, 20, 80, 300, 999, 1000, 1001, 1500])
        if rng.random() < 0.3:          # long runs of one kind: Han, words, hyphenated chains
            unit = rng.choice(["中文", "word ", "ab-", "x", "a'"])
            texts.append(unit * (size // len(unit) + 1))
        else:
            texts.append("".join(rng.choice(alphabet) for _ in range(size)))
    return texts


def assert_same_matrix(texts: list[str], n_features: int) -> None:
    want = make_vectorizer(n_features).transform(texts)
    got = hashed_features(texts, n_features)
    assert got.shape == want.shape
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
    np.testing.assert_array_equal(got.data, want.data)       # exactly: same counts, same normalisation


@pytest.mark.parametrize("n_features", [2**16, 2**18, 1_000_003, 7, 2**24])
def test_bulk_matrix_equals_sklearn(n_features):
    # 2**24 with 300+ documents needs 64-bit (document, column) keys; 7 and 1_000_003 are not powers of two
    assert_same_matrix(FIXED + random_texts(300), n_features)


def test_bulk_matrix_per_batch_and_alone():
    texts = FIXED + random_texts(100, seed=1)
    for i in range(0, len(texts), 37):
        assert_same_matrix(texts[i:i + 37], 2**16)
    for text in FIXED:
        assert_same_matrix([text], 2**16)


def test_scores_equal_sklearn_path():
    rng = np.random.default_rng(0)
    model = QualityModel(coef=rng.normal(size=2**16), intercept=-0.3, n_features=2**16, meta={})
    texts = FIXED + random_texts(300, seed=2)
    z = make_vectorizer(model.n_features).transform(texts) @ model.coef + model.intercept
    np.testing.assert_array_equal(model.score(texts), 1.0 / (1.0 + np.exp(-z)))


def test_no_features_scores_the_intercept():
    model = QualityModel(coef=np.ones(2**10), intercept=0.5, n_features=2**10, meta={})
    assert model.score([]).shape == (0,)
    assert hashed_features([], 2**10).shape == (0, 2**10)
    scores = model.score(["", "123 !!!", "\ud800", "ひらがな"])
    np.testing.assert_array_equal(scores, np.full(4, 1.0 / (1.0 + np.exp(-0.5))))


def test_only_the_prefix_counts():
    tail = "完全不同的内容 entirely different words"
    assert_same_matrix(["x" * (MAX_CHARS - 1) + "中文", "中" * MAX_CHARS + tail], 2**16)
    x = hashed_features(["中" * MAX_CHARS, "中" * MAX_CHARS + tail], 2**16)
    assert (x[0] != x[1]).nnz == 0


def test_murmurhash_equals_sklearn():
    rng = np.random.default_rng(0)
    keys = [rng.integers(0, 256, size, dtype=np.uint8).tobytes() for size in range(71) for _ in range(5)]
    keys += [b"", b"\xff" * 70, "中文".encode(), "𠀀".encode()]
    # keys at odd offsets of one buffer, with junk between them
    buf, starts = bytearray(b"\x01\x02\x03"), []
    for key in keys:
        starts.append(len(buf))
        buf += key + bytes(rng.integers(0, 256, int(rng.integers(0, 5)), dtype=np.uint8))
    buf += bytes(4)
    got = murmurhash3_32(np.frombuffer(bytes(buf), dtype=np.uint8), np.array(starts), np.array([len(k) for k in keys]))
    want = [sk_murmurhash3_32(k, seed=0, positive=True) for k in keys]
    np.testing.assert_array_equal(got, np.array(want, dtype=np.uint32))


@pytest.mark.parametrize("n_features", [2**16, 1_000_003, 3])
def test_columns_as_sklearn(n_features):
    h = np.array([0, 1, 5, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xDEADBEEF], dtype=np.uint32)

    def sklearn_column(u):     # _hashing_fast.transform, with h a signed 32-bit int
        s = u - 2**32 if u >= 2**31 else u
        return (2147483647 - (n_features - 1)) % n_features if s == -2**31 else abs(s) % n_features
    np.testing.assert_array_equal(_columns(h, n_features), [sklearn_column(int(u)) for u in h])


def test_byte_table_matches_the_regexes():
    word = re.compile(r"[A-Za-z'-]")
    for c in list(range(0x30001)) + [0x30001, 0x10FFFF]:
        ch = chr(c)
        b = _BYTE[min(c, len(_BYTE) - 1)]
        if HAN.fullmatch(ch):
            assert b == _HAN, hex(c)
        elif word.fullmatch(ch):
            assert b == ord(ch.lower()), hex(c)
        else:
            assert b == _SPACE, hex(c)


def shared_pretrain_texts(per_dataset: int) -> list[str]:
    """The first texts (or raw HTML pages) of each pretraining data set under shared/data."""
    texts = []
    for folder in sorted((SHARED / "data").glob("pretrain_*")):
        found = []
        for path in sorted(folder.glob("*.jsonl")):
            with open(path, encoding="utf-8") as f:
                for line in f:
                    record = json.loads(line)
                    text = record.get("text", record.get("html"))
                    if isinstance(text, str) and len(found) < per_dataset:
                        found.append(text)
        texts += found
    return texts


@needs_shared
def test_bulk_matrix_on_real_pretraining_text():
    texts = shared_pretrain_texts(800)
    if not texts:
        pytest.skip("no pretraining text under shared/data")
    for i in range(0, len(texts), 500):
        assert_same_matrix(texts[i:i + 500], 2**16)
