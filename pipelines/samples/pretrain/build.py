#!/usr/bin/env python3
"""Regenerate the bundled pretraining sample corpus.

Every sentence in this file was written for this sample; no text is taken
from any dataset.  The script is deterministic (fixed seeds, gzip mtime 0) and
rewrites, relative to this folder:

    zh_book/part-00000.jsonl        zh_web/part-00000.jsonl.gz
    zh_wiki/part-00000.jsonl        en_web/part-00000.jsonl
    en_wiki/part-00000.parquet      en_book/part-00000.jsonl
    web_html/part-00000.jsonl       expected.json      README.md

Usage:  python pipelines/samples/pretrain/build.py
Needs only the standard library, pyarrow and opencc.  sources.yaml is kept by
hand and must list the same files (the script checks that it mentions them).

Layout of this file: helpers (ids, noise, malformed lines, writers), then the
text material per source, then one build_<source>() function per source, then
expected.json / README.md and main().
"""
from __future__ import annotations

import gzip
import html
import json
import random
import re
from pathlib import Path
from urllib.parse import quote

import opencc
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent
# The hand-written prose the documents are made of lives beside this file, as data.
PROSE = json.loads((HERE / "prose.json").read_text(encoding="utf-8"))
SEED = 20240917
NOISE_FRACTION = 0.10

# name -> (lang, category, format, file relative to this folder)
SOURCES = {
    "zh_book": ("zh", "book", "jsonl", "zh_book/part-00000.jsonl"),
    "zh_web": ("zh", "web", "jsonl", "zh_web/part-00000.jsonl.gz"),
    "zh_wiki": ("zh", "wiki", "jsonl", "zh_wiki/part-00000.jsonl"),
    "en_web": ("en", "web", "jsonl", "en_web/part-00000.jsonl"),
    "en_wiki": ("en", "wiki", "parquet", "en_wiki/part-00000.parquet"),
    "en_book": ("en", "book", "jsonl", "en_book/part-00000.jsonl"),
    "web_html": ("en", "web", "html", "web_html/part-00000.jsonl"),
}


# --------------------------------------------------------------------------
# Small text helpers
# --------------------------------------------------------------------------

def fill(sentences, slots):
    """Substitutes {slot} placeholders in every sentence."""
    return [s.format(**slots) for s in sentences]


def draw_slots(rng, pools):
    return {name: rng.choice(values) for name, values in pools.items()}


def ordered_subset(rng, pool, k, keep_first=False):
    """k sentences of pool in their original order (narrative order is kept)."""
    k = max(1, min(k, len(pool)))
    if keep_first:
        rest = sorted(rng.sample(range(1, len(pool)), k - 1)) if k > 1 else []
        return [pool[0]] + [pool[i] for i in rest]
    return [pool[i] for i in sorted(rng.sample(range(len(pool)), k))]


def fit_length(rng, pool, k, join, lo, hi, keep_first=False):
    """An ordered subset of about k sentences whose joined length is within [lo, hi]."""
    k = max(1, min(k, len(pool)))
    chosen = set(rng.sample(range(1, len(pool)), k - 1)) | {0} if keep_first else set(rng.sample(range(len(pool)), k))
    spare = [i for i in range(len(pool)) if i not in chosen]
    rng.shuffle(spare)

    def text():
        return join([pool[i] for i in sorted(chosen)])

    while len(text()) < lo and spare:
        chosen.add(spare.pop())
    while len(text()) > hi and len(chosen) > 1:
        chosen.remove(max(chosen))
    return [pool[i] for i in sorted(chosen)]


class SubsetPicker:
    """Ordered sentence subsets that keep documents on the same topic apart.

    Two documents drawn for the same key share at most `limit` of their
    sentences (Jaccard over sentence indices) whenever the pool allows it, so
    the sample holds no accidental near-duplicates.
    """

    def __init__(self, limit):
        self.limit, self.seen = limit, {}

    def pick(self, rng, key, pool, lo, hi, keep_first=False, ok=None, tries=300):
        size, best, best_score = len(pool), None, 2.0
        for _ in range(tries):
            k = rng.randint(min(lo, size), min(hi, size))
            idx = ([0] + sorted(rng.sample(range(1, size), k - 1))) if keep_first else sorted(rng.sample(range(size), k))
            if ok is not None and not ok([pool[i] for i in idx]):
                continue
            chosen = set(idx)
            score = max((len(chosen & o) / len(chosen | o) for o in self.seen.get(key, [])), default=0.0)
            if score < best_score:
                best, best_score = idx, score
            if score <= self.limit:
                break
        best = best if best is not None else list(range(size))
        self.seen.setdefault(key, []).append(set(best))
        return [pool[i] for i in best]


def en_paragraphs(rng, sentences, lo=2, hi=4):
    paras, i = [], 0
    while i < len(sentences):
        n = rng.randint(lo, hi)
        paras.append(" ".join(sentences[i:i + n]))
        i += n
    return "\n\n".join(paras)


def zh_paragraphs(rng, sentences, lo=3, hi=6):
    paras, i = [], 0
    while i < len(sentences):
        n = rng.randint(lo, hi)
        paras.append("".join(sentences[i:i + n]))
        i += n
    return "\n".join(paras)


def slug(title):
    keep = "".join(c.lower() if c.isalnum() else "-" for c in title)
    return "-".join(p for p in keep.split("-") if p)


# --------------------------------------------------------------------------
# Noise: deliberately dirty ~10% of the clean documents of every text source
# --------------------------------------------------------------------------

NOISE_KINDS = ("zero_width", "bom", "soft_hyphen", "control_chars",
               "html_residue", "special_tokens", "extra_whitespace")
ZERO_WIDTH = ("\u200b", "\u200d")
CONTROL_CHARS = ("\u0007", "\u000b")
SPECIAL_TOKENS = ("<|endoftext|>", "</s>", "<pad>", "[PAD]", "<unk>", "<|im_start|>")
SENTENCE_ENDS = ("。", "！", "？", ". ", "? ", "! ")


class NoiseInjector:
    """Chooses the noisy documents and dirties them; one instance for the whole build.

    Kinds and special tokens are handed out in turn, so every kind and every
    token occurs somewhere in the corpus; positions come from a seeded rng.
    """

    def __init__(self, seed):
        self.rng = random.Random(f"noise:{seed}")
        self.kind_turn = 0
        self.token_turn = 0

    def choose(self, entries, fraction=NOISE_FRACTION):
        n = max(1, round(len(entries) * fraction))
        picked = set(self.rng.sample(range(len(entries)), n))
        return [e for i, e in enumerate(entries) if i in picked]

    def apply(self, text):
        kinds = [NOISE_KINDS[self.kind_turn % len(NOISE_KINDS)]]
        self.kind_turn += 1
        if self.rng.random() < 0.35:
            kinds.append(self.rng.choice([k for k in NOISE_KINDS if k != kinds[0]]))
        for kind in kinds:
            text = getattr(self, "_" + kind)(text)
        return text, kinds

    # positions -----------------------------------------------------------
    def _inside_word(self, text, n):
        """n positions between two letters/ideographs (so the noise splits a word)."""
        cands = [i for i in range(1, len(text)) if text[i - 1].isalnum() and text[i].isalnum()]
        return sorted(self.rng.sample(cands, min(n, len(cands))), reverse=True)

    def _boundaries(self, text):
        """Positions right after a sentence end."""
        out = []
        for i in range(len(text) - 2):
            for end in SENTENCE_ENDS:
                if text.startswith(end, i):
                    out.append(i + len(end))
        return out or [len(text)]

    def _insert(self, text, positions, pieces):
        for pos, piece in zip(positions, pieces):
            text = text[:pos] + piece + text[pos:]
        return text

    # kinds ---------------------------------------------------------------
    def _zero_width(self, text):
        pos = self._inside_word(text, self.rng.randint(3, 6))
        return self._insert(text, pos, [self.rng.choice(ZERO_WIDTH) for _ in pos])

    def _bom(self, text):
        if self.rng.random() < 0.5 and "\n" in text:
            i = text.index("\n") + 1
            text = text[:i] + "\ufeff" + text[i:]
        return "\ufeff" + text

    def _soft_hyphen(self, text):
        pos = self._inside_word(text, self.rng.randint(2, 5))
        return self._insert(text, pos, ["\u00ad"] * len(pos))

    def _control_chars(self, text):
        pos = self._inside_word(text, self.rng.randint(2, 4))
        return self._insert(text, pos, [CONTROL_CHARS[i % 2] for i in range(len(pos))])

    def _html_residue(self, text):
        lines = text.split("\n")
        first = next(i for i, line in enumerate(lines) if line.strip())
        lines[first] = "<p>" + lines[first] + "</p>"
        text = "\n".join(lines)
        bounds = self._boundaries(text)
        a, b = sorted(self.rng.sample(bounds, 2)) if len(bounds) > 1 else (bounds[0], bounds[0])
        text = text[:b] + "&nbsp;" + text[b:]
        text = text[:a] + "<br/>" + text[a:]
        if " and " in text:
            text = text.replace(" and ", " &amp; ", 1)
        else:
            c = self._boundaries(text)[-1]
            text = text[:c] + "&amp;" + text[c:]
        return text + "</div>"

    def _special_tokens(self, text):
        for _ in range(self.rng.randint(1, 2)):
            tok = SPECIAL_TOKENS[self.token_turn % len(SPECIAL_TOKENS)]
            self.token_turn += 1
            if tok == "<|im_start|>":
                text = tok + text
            elif tok in ("<pad>", "[PAD]"):
                text = text + tok * self.rng.randint(3, 8)
            elif tok == "<unk>":
                pos = self._inside_word(text, 1)
                text = self._insert(text, pos, [tok])
            else:  # <|endoftext|>, </s>: at the end or between two sentences
                pos = len(text) if self.rng.random() < 0.5 else self.rng.choice(self._boundaries(text))
                text = text[:pos] + tok + text[pos:]
        return text

    def _extra_whitespace(self, text):
        runs = ("  ", "   ", "\t", " \t ", "     ", "\u3000\u3000")
        spaces = [i for i, c in enumerate(text) if c == " "]
        if len(spaces) >= 3:
            for i in sorted(self.rng.sample(spaces, min(len(spaces), self.rng.randint(3, 6))), reverse=True):
                text = text[:i] + self.rng.choice(runs[:5]) + text[i + 1:]
        else:
            bounds = self._boundaries(text)
            for i in sorted(self.rng.sample(bounds, min(len(bounds), 3)), reverse=True):
                text = text[:i] + self.rng.choice(runs) + text[i:]
        if "\n" in text:
            text = text.replace("\n", "\n\n\n\n", 1)
        return "  " + text + "   \n\n"


# --------------------------------------------------------------------------
# Malformed lines (jsonl sources only).  Each kind is named after the dead-letter
# kind pipelines/core/records.py gives it.
# --------------------------------------------------------------------------

MALFORMED = {
    # kind: (what the line is, does the line parse as JSON?)
    "bad_json": ("truncated JSON object", False),
    "not_an_object": ("a JSON array instead of an object", True),
    "missing_text": ("an object without a 'text' field", True),
    "text_not_string": ("'text' is a number or null", True),
    "blank_text": ("'text' is only spaces", True),
    "invalid_utf8": ("line contains bytes that are not UTF-8", False),
    "nul_bytes": ("'text' contains a NUL character", True),
}


def malformed_line(kind, variant, rec_id, text):
    """The raw bytes of one intentionally malformed line."""
    if kind == "bad_json":
        full = json.dumps({"id": rec_id, "text": text}, ensure_ascii=False)
        return full[: len(full) * 2 // 3].encode("utf-8")
    if kind == "not_an_object":
        return json.dumps([rec_id, text], ensure_ascii=False).encode("utf-8")
    if kind == "missing_text":
        return json.dumps({"id": rec_id, "content": text}, ensure_ascii=False).encode("utf-8")
    if kind == "text_not_string":
        return json.dumps({"id": rec_id, "text": None if variant == "null" else 20240917}).encode("utf-8")
    if kind == "blank_text":
        return json.dumps({"id": rec_id, "text": "   "}).encode("utf-8")
    if kind == "invalid_utf8":
        cut = len(text) // 2
        marked = json.dumps({"id": rec_id, "text": text[:cut] + "@@BAD@@" + text[cut:]}, ensure_ascii=False)
        return marked.encode("utf-8").replace(b"@@BAD@@", b"caf\xe9 \xff\xfe\xc3(")
    if kind == "nul_bytes":
        cut = len(text) // 3
        return json.dumps({"id": rec_id, "text": text[:cut] + "\u0000\u0000" + text[cut:]}).encode("utf-8")
    raise ValueError(kind)


# --------------------------------------------------------------------------
# Assembling a source: ids, noise, malformed lines, serialization
# --------------------------------------------------------------------------

PUBLIC_KEYS = ("id", "url", "title", "text")


def assemble(source, docs, malformed, noise, copies=False):
    """docs: dicts with 'text' (+ url/title) and private '_' keys; malformed: (line index, kind, variant, text).

    Ids follow the line index (0-based), so an id says where its line is.
    copies: append an exact and a near copy of clean documents (for the dedupe stage).
    Returns the list of entries in file order.
    """
    entries = [dict(d) for d in docs]
    for pos, kind, variant, text in sorted(malformed, key=lambda m: m[0]):
        entries.insert(pos, {"_malformed": kind, "_variant": variant, "_text": text})
    for i, e in enumerate(entries):
        if not e.get("_noid"):
            e["id"] = f"{source}-{i:04d}"
    eligible = [e for e in entries if "_malformed" not in e and "_tag" not in e and "id" in e]
    for e in noise.choose(eligible):
        e["text"], e["_noise"] = noise.apply(e["text"])
    if copies:
        append_copies(source, entries)
    return entries


SENTENCE_END = re.compile(r"(?<=[。！？])|(?<=[.!?]) ")


def append_copies(source, entries):
    """Two copies at the end of the file (ids continue the line index): an exact copy that only
    differs in spacing and punctuation, and a near copy with one word (Chinese: character) changed."""
    rng = random.Random(f"{SEED}:{source}:copies")
    clean = [e for e in entries if "id" in e and not any(k in e for k in ("_malformed", "_tag", "_noise", "_trad"))]
    long_enough = [e for e in clean if len([s for s in SENTENCE_END.split(e["text"]) if s.strip()]) >= 4]
    exact_of, near_of = rng.sample(long_enough, 2)
    if source.startswith("zh"):
        exact = exact_of["text"].replace("，", ", ").replace("。", ". ")
        middle = len(near_of["text"]) // 2
        near = near_of["text"][:middle] + ("的" if near_of["text"][middle] != "的" else "了") + near_of["text"][middle + 1:]
    else:
        exact = exact_of["text"].replace(", ", " , ").replace(". ", ".  ")
        words = near_of["text"].split(" ")
        words[len(words) // 2] = "remarkably"
        near = " ".join(words)
    for text, original, kind in ((exact, exact_of, "exact"), (near, near_of, "near")):
        copy = {k: v for k, v in original.items() if not k.startswith("_")}
        copy.update(text=text, id=f"{source}-{len(entries):04d}", _copy_of=original["id"], _copy_kind=kind)
        entries.append(copy)


def public(entry):
    return {k: entry[k] for k in PUBLIC_KEYS if k in entry}


def render_line(entry):
    if "_malformed" in entry:
        return malformed_line(entry["_malformed"], entry["_variant"], entry["id"], entry["_text"])
    return json.dumps(public(entry), ensure_ascii=False).encode("utf-8")


def write_lines(rel, entries, render=render_line):
    path = HERE / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(render(e) + b"\n" for e in entries)
    if rel.endswith(".gz"):
        with open(path, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0) as g:
            g.write(data)
    else:
        path.write_bytes(data)


def write_parquet(rel, entries):
    path = HERE / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.table({
        "id": pa.array([e["id"] for e in entries], pa.string()),
        "text": pa.array([e["text"] for e in entries], pa.string()),
        "url": pa.array([e.get("url") for e in entries], pa.string()),
    })
    pq.write_table(table, path, compression="snappy")


def summarize(source, entries):
    """What expected.json says about one source."""
    lang, category, fmt, rel = SOURCES[source]
    malformed = [
        {"line": i + 1, "id": e["id"], "kind": e["_malformed"],
         "detail": MALFORMED[e["_malformed"]][0] + (f" ({e['_variant']})" if e["_variant"] else ""),
         "json_parses": MALFORMED[e["_malformed"]][1]}
        for i, e in enumerate(entries) if "_malformed" in e
    ]
    return {
        "lang": lang, "category": category, "format": fmt, "files": [rel],
        "records": len(entries),
        "malformed_lines": len(malformed),
        "valid_records": len(entries) - len(malformed),
        "malformed": malformed,
        "noisy_ids": [e["id"] for e in entries if "_noise" in e],
        "noise_kinds": {e["id"]: e["_noise"] for e in entries if "_noise" in e},
        "traditional_ids": [e["id"] for e in entries if e.get("_trad")],
        "other_language_ids": {e["id"]: e["_tag"].split(":", 1)[1] for e in entries
                               if e.get("_tag", "").startswith("lang:")},
        "junk_ids": [e["id"] for e in entries if e.get("_tag") == "junk"],
        "copies": {e["id"]: {"of": e["_copy_of"], "kind": e["_copy_kind"]} for e in entries if "_copy_of" in e},
        "no_id_lines": [i + 1 for i, e in enumerate(entries) if "id" not in e],
        "records_with_url": sum(1 for e in entries if e.get("url")),
    }


# ==========================================================================
# Material: zh_book (classical-style and modern prose, Simplified script)
# ==========================================================================

ZH_BOOK_TOPICS = PROSE["ZH_BOOK_TOPICS"]

# Topics that may share a document (an excerpt running over two or three essays of one book).
ZH_BOOK_FAMILIES = (
    ("山行", "江上"),
    ("书斋", "秋", "别友"),
    ("故乡", "祖母", "冬雪"),
    ("雨夜", "火车", "海边", "旧书店"),
)

ZH_BOOK_SLOTS = {
    "mountain": ["西山", "北山", "灵岩", "栖霞山", "天平山", "东山"],
    "city": ["江陵", "夔州", "巴东", "宜都"],
    "friend": ["陈君", "周君", "林生", "吴君", "许生", "沈君"],
    "town": ["青溪镇", "柳桥镇", "石埠镇", "白沙镇", "枫林镇", "杏湾镇"],
    "years": ["七", "十", "十二", "五", "八"],
}


# ==========================================================================
# Material: zh_web (reviews, forum posts, news, Q&A)
# ==========================================================================

ZH_REVIEW_PRODUCTS = PROSE["ZH_REVIEW_PRODUCTS"]

ZH_REVIEW_OPENERS = {
    "pos": ["收到货了，先说结论：值得买。", "这是第二次买这家的{product}了，质量一直很稳定。",
            "给爸妈买的{product}，他们用了一段时间说挺好。"],
    "mixed": ["用了{days}天才来评价，优点和缺点都有。", "冲着活动价买的，本来没抱太大期望，整体还行。",
              "对比了好几家才下单，说说真实感受。"],
    "neg": ["说实话有点失望，和宣传的差距比较大。", "用了不到一周就出了问题，来说一下。"],
}
ZH_REVIEW_EXTRAS = [
    "物流很快，隔天就到了，包装也很严实。", "快递有点慢，等了五天，不过客服一直在跟进。",
    "外箱有点压痕，好在里面的东西没坏。", "客服回复及时，问什么都答得很耐心。",
    "有个小问题联系了售后，很快给换了新的。", "联系客服半天没人回，体验不太好。",
]
ZH_REVIEW_CLOSERS = {
    "pos": ["总体来说性价比不错，推荐购买。", "会回购，也推荐给了同事。", "五星好评。"],
    "mixed": ["中规中矩，对得起这个价格。", "四星吧，扣一星是因为细节做得不够好。", "如果再便宜一点就更好了。"],
    "neg": ["不太满意，已经申请退货了。", "不推荐，大家谨慎购买。"],
}

ZH_FORUM_THREADS = PROSE["ZH_FORUM_THREADS"]

ZH_NEWS_STORIES = PROSE["ZH_NEWS_STORIES"]

ZH_NEWS_SLOTS = PROSE["ZH_NEWS_SLOTS"]

ZH_QA = PROSE["ZH_QA"]

ZH_WEB_JUNK = "点击关注，获取更多精彩内容！\n" * 40


# ==========================================================================
# Material: zh_wiki (encyclopedia style; written in Simplified, half converted)
# ==========================================================================

ZH_WIKI_ARTICLES = PROSE["ZH_WIKI_ARTICLES"]

# Stub articles about invented small places, filled from the pools below.
ZH_TOWN_STUB = PROSE["ZH_TOWN_STUB"]
ZH_RIVER_STUB = PROSE["ZH_RIVER_STUB"]
ZH_STUB_SLOTS = PROSE["ZH_STUB_SLOTS"]


# ==========================================================================
# Material: en_web (blog posts, how-tos, reviews)
# ==========================================================================

EN_WEB_TOPICS = PROSE["EN_WEB_TOPICS"]

EN_REVIEW_PRODUCTS = PROSE["EN_REVIEW_PRODUCTS"]
EN_REVIEW_OPENERS = PROSE["EN_REVIEW_OPENERS"]
EN_REVIEW_EXTRAS = [
    "Delivery was quick and the packaging was minimal, which I appreciated.",
    "The box arrived slightly dented, but the contents were fine.",
    "Customer support answered my question about the warranty within a day.",
]
EN_REVIEW_CLOSERS = PROSE["EN_REVIEW_CLOSERS"]
EN_REVIEW_STARS = {"pos": ["5", "5", "4"], "mixed": ["3", "4", "3"], "neg": ["1", "2"]}
EN_REVIEW_PERIODS = ["two weeks", "a month", "three months", "six months", "ten days"]

# Two documents in other languages, kept in en_web on purpose.
EN_WEB_FOREIGN = PROSE["EN_WEB_FOREIGN"]

EN_WEB_JUNK = [
    "!!!!!! ###### $$$$ %%%% ^^^^^ &&&& ***** ((((( ))))) ~~~~~ ===== +++++ |||||| ///// \\\\\\ ..... ;;;;; "
    ":::::: ????? <<<<< >>>>> @@@@@ ------ _____ ****** ###### !!!!!! $$$$ %%%% ^^^^^ &&&& ***** ~~~~~ =====",
    "Click here to subscribe to our newsletter!\n" * 40,
]


# ==========================================================================
# Material: en_wiki (encyclopedia style)
# ==========================================================================

EN_WIKI_ARTICLES = PROSE["EN_WIKI_ARTICLES"]

# Stub articles about invented places.
EN_VILLAGE_STUB = PROSE["EN_VILLAGE_STUB"]
EN_RIVER_STUB = PROSE["EN_RIVER_STUB"]
EN_STATION_STUB = PROSE["EN_STATION_STUB"]
EN_STUB_SLOTS = PROSE["EN_STUB_SLOTS"]


# ==========================================================================
# Material: en_book (narrative and essay prose; {slots} vary names per document)
# ==========================================================================

EN_BOOK_TOPICS = PROSE["EN_BOOK_TOPICS"]


# ==========================================================================
# Material: web_html (whole pages with navigation, ads and footers)
# Body blocks are ("p", text), ("h2", text) or ("ul", [items]).
# ==========================================================================

HTML_PAGES = PROSE["HTML_PAGES"]

HTML_BOILERPLATE = PROSE["HTML_BOILERPLATE"]


# ==========================================================================
# Builders: one per source.  Each takes its own rng (seeded by source name)
# and the shared NoiseInjector, writes its file and returns the entries.
# ==========================================================================

def zh_book_text(rng, family, picker, lo=300, hi=1500):
    """One to three essays of a family, each an ordered excerpt of its topic."""
    slots = draw_slots(rng, ZH_BOOK_SLOTS)
    topics = rng.sample(family, len(family))
    n = min(rng.choice([1, 1, 2, 2, 3]), len(topics))
    paras = []
    for topic in topics[:n]:
        pool = fill(ZH_BOOK_TOPICS[topic], slots)
        paras.append(zh_paragraphs(rng, picker.pick(rng, topic, pool, 7, 12)))
    for topic in topics[n:]:
        if len("\n".join(paras)) >= lo:
            break
        pool = fill(ZH_BOOK_TOPICS[topic], slots)
        paras.append(zh_paragraphs(rng, picker.pick(rng, topic, pool, 8, 12)))
    if len("\n".join(paras)) < lo:  # still short: take the first essay whole
        paras[0] = zh_paragraphs(rng, fill(ZH_BOOK_TOPICS[topics[0]], slots))
    while len("\n".join(paras)) > hi and len(paras) > 1:
        paras.pop()
    return "\n".join(paras)


def build_zh_book(rng, noise):
    picker = SubsetPicker(0.45)
    n_topics = sum(len(f) for f in ZH_BOOK_FAMILIES)  # 60 documents, shared out by family size: 10/15/15/20
    docs = [{"text": zh_book_text(rng, family, picker)}
            for family in ZH_BOOK_FAMILIES for _ in range(60 * len(family) // n_topics)]
    rng.shuffle(docs)
    malformed = [(17, "bad_json", None, zh_book_text(rng, ZH_BOOK_FAMILIES[0], SubsetPicker(1.0))),
                 (44, "text_not_string", "number", "")]
    entries = assemble("zh_book", docs, malformed, noise, copies=True)
    write_lines(SOURCES["zh_book"][3], entries)
    return entries


def zh_web_review(rng, j, picker=None):
    product = list(ZH_REVIEW_PRODUCTS)[j % len(ZH_REVIEW_PRODUCTS)]
    mood = rng.choice(["pos", "pos", "mixed", "mixed", "neg"])
    slots = {"product": product, "days": rng.choice(["七", "十", "二十", "三十"])}
    parts = [rng.choice(ZH_REVIEW_OPENERS[mood]).format(**slots)]
    specifics = ZH_REVIEW_PRODUCTS[product]
    picked = picker.pick(rng, ("review", product), specifics, 1, 3) if picker else rng.sample(specifics, 2)
    parts += rng.sample(picked, len(picked))  # reviewers list points in any order
    if rng.random() < 0.6:
        parts.append(rng.choice(ZH_REVIEW_EXTRAS))
    if len("".join(parts)) < 40:  # short reviews still say something about delivery or service
        parts.append(rng.choice(ZH_REVIEW_EXTRAS))
    parts.append(rng.choice(ZH_REVIEW_CLOSERS[mood]))
    doc = {"text": "".join(parts)}
    if rng.random() < 0.5:
        doc["url"] = f"https://shop.example.cn/item/{rng.randint(100000, 999999)}/reviews"
    return doc


def zh_web_forum(rng, j, picker):
    key = j % len(ZH_FORUM_THREADS)
    title, body, replies = ZH_FORUM_THREADS[key]
    post = "".join(picker.pick(rng, ("forum", key), body, 3, len(body) - 1))
    floors = "\n".join(f"{k + 2}楼：{r}" for k, r in enumerate(picker.pick(rng, ("reply", key), replies, 1, 3)))
    return {"text": f"{title}\n{post}\n\n{floors}",
            "url": f"https://bbs.example.cn/thread-{rng.randint(100000, 999999)}-1-1.html"}


def zh_web_news(rng, j, picker):
    key = j % len(ZH_NEWS_STORIES)
    story = fill(ZH_NEWS_STORIES[key], draw_slots(rng, ZH_NEWS_SLOTS))
    text = "".join(picker.pick(rng, ("news", key), story, 3, len(story) - 1, keep_first=True))
    return {"text": text, "url": f"https://news.example.cn/local/2024/{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}/"
                                 f"{rng.randint(10000, 99999)}.html"}


def zh_web_qa(rng, j, picker):
    key = j % len(ZH_QA)
    question, answers = ZH_QA[key]
    doc = {"text": f"问：{question}\n答：" + "".join(picker.pick(rng, ("qa", key), answers, 3, len(answers)))}
    if rng.random() < 0.5:
        doc["url"] = f"https://ask.example.cn/question/{rng.randint(1000000, 9999999)}"
    return doc


def build_zh_web(rng, noise):
    makers = {"review": zh_web_review, "forum": zh_web_forum, "news": zh_web_news, "qa": zh_web_qa}
    kinds = ["review"] * 25 + ["forum"] * 20 + ["news"] * 20 + ["qa"] * 14
    rng.shuffle(kinds)
    seen, docs, picker = {}, [], SubsetPicker(0.5)
    for kind in kinds:
        docs.append(makers[kind](rng, seen.get(kind, 0), picker))
        seen[kind] = seen.get(kind, 0) + 1
    docs.insert(50, {"text": ZH_WEB_JUNK, "_tag": "junk"})
    malformed = [(63, "bad_json", None, zh_web_review(rng, 3)["text"])]
    entries = assemble("zh_web", docs, malformed, noise)
    write_lines(SOURCES["zh_web"][3], entries)
    return entries


def stub_sentences(rng, template, slots, picker, key):
    """A stub: one variant of each lead sentence, then a few of the optional ones."""
    lead = [rng.choice(variants).format(**slots) for variants in template["lead"]]
    return lead + picker.pick(rng, key, fill(template["optional"], slots), 2, 5)


def zh_stub(rng, template, slots, picker, key):
    return "".join(stub_sentences(rng, template, slots, picker, key))


def stub_slots(rng, pools):
    slots = draw_slots(rng, pools)
    for a, b in (("dir2", "dir3"), ("county", "county2")):
        if b in pools:
            slots[b] = rng.choice([v for v in pools[b] if v != slots[a]])
    return slots


def build_zh_wiki(rng, noise):
    docs = []
    for title, sents in ZH_WIKI_ARTICLES.items():
        k = rng.randint(len(sents) - 2, len(sents))
        docs.append({"title": title, "text": "".join(ordered_subset(rng, sents, k, keep_first=True))})
    picker = SubsetPicker(0.4)
    for prefix in rng.sample(ZH_STUB_SLOTS["prefix"], 18):
        slots = {**stub_slots(rng, ZH_STUB_SLOTS), "name": prefix}
        docs.append({"title": prefix + "镇", "text": zh_stub(rng, ZH_TOWN_STUB, slots, picker, "town")})
    for prefix in rng.sample(ZH_STUB_SLOTS["prefix"], 12):
        slots = {**stub_slots(rng, ZH_STUB_SLOTS), "name": prefix + "河"}
        docs.append({"title": prefix + "河", "text": zh_stub(rng, ZH_RIVER_STUB, slots, picker, "river")})
    rng.shuffle(docs)
    to_traditional = opencc.OpenCC("s2t")
    for i in sorted(rng.sample(range(len(docs)), len(docs) // 2)):
        docs[i]["title"] = to_traditional.convert(docs[i]["title"])
        docs[i]["text"] = to_traditional.convert(docs[i]["text"])
        docs[i]["_trad"] = True
    for d in docs:
        host = "zh-hant.wiki.example.org" if d.get("_trad") else "zh.wiki.example.org"
        d["url"] = f"https://{host}/wiki/{quote(d['title'])}"
    malformed = [(9, "not_an_object", None, docs[0]["text"][:60]),
                 (33, "text_not_string", "null", "")]
    entries = assemble("zh_wiki", docs, malformed, noise, copies=True)
    write_lines(SOURCES["zh_wiki"][3], entries)
    return entries


EN_BLOG_HOSTS = ["quietdesk", "mudandgears", "smallhabits", "wanderingkitchen", "thelongway"]


def en_web_post(rng, topic, picker):
    t = EN_WEB_TOPICS[topic]
    sents = [rng.choice(t["intro"])] + picker.pick(rng, topic, t["body"], 4, 9)
    if rng.random() < 0.8:
        sents.append(rng.choice(t["outro"]))
    text, title = en_paragraphs(rng, sents), rng.choice(t["titles"])
    if rng.random() < 0.7:
        text = title + "\n\n" + text
    doc = {"text": text}
    if rng.random() < 0.6:
        doc["url"] = (f"https://{rng.choice(EN_BLOG_HOSTS)}.example.com/{rng.randint(2019, 2024)}/"
                      f"{rng.randint(1, 12):02d}/{slug(title)}/")
    return doc


def en_web_review(rng, j):
    product = list(EN_REVIEW_PRODUCTS)[j % len(EN_REVIEW_PRODUCTS)]
    models, specifics = EN_REVIEW_PRODUCTS[product]
    mood = rng.choice(["pos", "pos", "mixed", "mixed", "neg"])
    slots = {"model": rng.choice(models), "period": rng.choice(EN_REVIEW_PERIODS), "product": product}
    parts = [rng.choice(EN_REVIEW_OPENERS[mood])] + rng.sample(specifics, rng.randint(1, 4))
    if rng.random() < 0.5:
        parts.append(rng.choice(EN_REVIEW_EXTRAS))
    parts.append(rng.choice(EN_REVIEW_CLOSERS[mood]))
    doc = {"text": " ".join(fill(parts, slots)) + f"\n\nRating: {rng.choice(EN_REVIEW_STARS[mood])}/5"}
    if rng.random() < 0.5:
        doc["url"] = f"https://shop.example.com/reviews/{rng.randint(10000, 99999)}"
    return doc


def build_en_web(rng, noise):
    picker = SubsetPicker(0.35)
    docs = [en_web_post(rng, topic, picker) for topic in EN_WEB_TOPICS for _ in range(5)]
    docs += [en_web_review(rng, j) for j in range(20)]
    rng.shuffle(docs)
    docs.insert(23, {"text": EN_WEB_FOREIGN["fr"], "url": "https://www.example.fr/blog/le-marche-du-samedi", "_tag": "lang:fr"})
    docs.insert(40, {"text": EN_WEB_JUNK[0], "_tag": "junk"})
    docs.insert(61, {"text": EN_WEB_FOREIGN["de"], "url": "https://www.example.de/touren/herbstwanderung", "_tag": "lang:de"})
    docs.insert(75, {"text": EN_WEB_JUNK[1], "url": "https://spam.example.com/subscribe", "_tag": "junk"})
    malformed = [(14, "missing_text", None, en_web_post(rng, "camping", SubsetPicker(1.0))["text"]),
                 (52, "blank_text", None, "")]
    entries = assemble("en_web", docs, malformed, noise)
    write_lines(SOURCES["en_web"][3], entries)
    return entries


def en_stub(rng, template, slots, picker, key):
    return " ".join(stub_sentences(rng, template, slots, picker, key))


def build_en_wiki(rng, noise):
    docs = []
    for title, sents in EN_WIKI_ARTICLES.items():
        k = rng.randint(len(sents) - 2, len(sents))
        docs.append({"title": title, "text": en_paragraphs(rng, ordered_subset(rng, sents, k, keep_first=True), 2, 4)})
    combos = [a + b for a in EN_STUB_SLOTS["first"] for b in EN_STUB_SLOTS["second"]]
    names, picker = rng.sample(combos, 30), SubsetPicker(0.4)
    for name in names[:15]:
        slots = {**stub_slots(rng, EN_STUB_SLOTS), "name": name}
        docs.append({"title": name, "text": en_stub(rng, EN_VILLAGE_STUB, slots, picker, "village")})
    for name in names[15:23]:
        rname = rng.choice([f"River {name}", f"{name} Water", f"{name} Brook"])
        slots = {**stub_slots(rng, EN_STUB_SLOTS), "rname": rname}
        docs.append({"title": rname, "text": en_stub(rng, EN_RIVER_STUB, slots, picker, "river")})
    for name in names[23:]:
        slots = {**stub_slots(rng, EN_STUB_SLOTS), "name": name}
        docs.append({"title": f"{name} railway station", "text": en_stub(rng, EN_STATION_STUB, slots, picker, "station")})
    rng.shuffle(docs)
    for d in docs:
        d["url"] = "https://en.wiki.example.org/wiki/" + quote(d.pop("title").replace(" ", "_"))
    entries = assemble("en_wiki", docs, [], noise, copies=True)
    write_parquet(SOURCES["en_wiki"][3], entries)
    return entries


def en_book_text(rng, topic, picker):
    pools, sentences = EN_BOOK_TOPICS[topic]
    pool = fill(sentences, draw_slots(rng, pools))
    chosen = picker.pick(rng, topic, pool, 6, 15, keep_first=True, ok=lambda s: 520 <= len(" ".join(s)) <= 2900)
    return en_paragraphs(rng, chosen, 2, 5)


def build_en_book(rng, noise):
    picker = SubsetPicker(0.4)
    docs = [{"text": en_book_text(rng, topic, picker)} for topic in EN_BOOK_TOPICS for _ in range(4)]
    rng.shuffle(docs)
    for i in rng.sample(range(len(docs)), 5):
        docs[i]["_noid"] = True  # the pipeline must hash the content for these
    malformed = [(12, "invalid_utf8", None, en_book_text(rng, "garden", SubsetPicker(1.0))[:300]),
                 (29, "nul_bytes", None, en_book_text(rng, "walking", SubsetPicker(1.0)))]
    entries = assemble("en_book", docs, malformed, noise, copies=True)
    write_lines(SOURCES["en_book"][3], entries)
    return entries


def render_page(page, rng):
    """A whole page: head with scripts, cookie banner, header/nav, ads, article, comments, sidebar, footer."""
    b, e = HTML_BOILERPLATE[page["lang"]], (lambda s: html.escape(s, quote=False))
    semantic = rng.random() < 0.6
    main_open, main_close = ("<main id=\"main\">", "</main>") if semantic else ("<div id=\"main\" class=\"content-wrap\">", "</div>")
    art_open, art_close = ("<article class=\"post\">", "</article>") if semantic else ("<div class=\"post entry\">", "</div>")
    build_id = "%08x" % rng.getrandbits(32)
    nav = "\n".join(f'        <li><a href="/{quote(slug(x) or x)}/">{e(x)}</a></li>' for x in page["nav"])
    blocks = []
    for kind, value in page["body"]:
        if kind == "ul":
            blocks.append("<ul>\n" + "".join(f"          <li>{e(v)}</li>\n" for v in value) + "        </ul>")
        else:
            blocks.append(f"<{kind}>{e(value)}</{kind}>")
    if page["ad"]:
        blocks.insert(len(blocks) // 2, f'<div class="ad-slot inline-ad"><span class="ad-label">{b["ad_label"]}</span> '
                                        f'<a href="https://ads.example.net/click?c={rng.randint(1000, 9999)}" rel="sponsored">{e(page["ad"])}</a></div>')
    body = "\n        ".join(blocks)
    share = " | ".join(f'<a href="#" class="share-link">{s}</a>' for s in b["share"])
    comments = ""
    if page.get("comments"):
        items = "\n".join(f'        <li class="comment"><span class="author">{e(who)}</span> <time>{rng.randint(1, 23)}h</time>'
                          f'<p>{e(what)}</p><a href="#" class="reply">{b["reply"]}</a></li>' for who, what in page["comments"])
        comments = (f'\n    <section class="comments" id="comments">\n      <h3>{b["comments"]} ({len(page["comments"])})</h3>\n'
                    f'      <ol>\n{items}\n      </ol>\n    </section>')
    related = "\n".join(f'        <li><a href="/{quote(slug(r) or r)}/">{e(r)}</a></li>' for r in page["related"])
    ad_top = f'  <div class="ad-slot leaderboard" data-slot="top"><span class="ad-label">{b["ad_label"]}</span></div>\n' if page["ad"] else ""
    ad_side = (f'      <div class="ad-slot mpu"><span class="ad-label">{b["ad_label"]}</span><br>'
               f'<a href="https://ads.example.net/click?c={rng.randint(1000, 9999)}">{e(page["ad"])}</a></div>\n') if page["ad"] else ""
    footer_links = "\n".join(f'      <li><a href="/{quote(slug(x) or x)}/">{e(x)}</a></li>' for x in b["footer_links"])
    first_text = next(v for k, v in page["body"] if k == "p")
    lang_attr = "zh-CN" if page["lang"] == "zh" else "en"
    return f"""<!DOCTYPE html>
<html lang="{lang_attr}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{e(page["title"])} | {e(page["site"])}</title>
  <meta name="description" content="{html.escape(first_text[:120])}">
  <meta property="og:title" content="{html.escape(page["title"])}">
  <link rel="canonical" href="{page["url"]}">
  <link rel="stylesheet" href="/static/css/main.{build_id}.css">
  <style>.ad-slot{{background:#f3f3f3;padding:8px;font-size:12px}}.cookie-banner{{position:fixed;bottom:0;width:100%}}</style>
  <script async src="https://analytics.example.net/tag.js?id=site-{rng.randint(100, 999)}"></script>
  <script>window.dataLayer=window.dataLayer||[];function track(){{dataLayer.push(arguments);}}track('pageview',{{section:'{page["nav"][1]}'}});</script>
</head>
<body class="page-article">
  <a class="skip-link" href="#main">{b["skip"]}</a>
  <div id="cookie-banner" class="cookie-banner" role="dialog">
    <p>{b["cookie"]}</p>
    <button class="btn accept">{b["accept"]}</button> <button class="btn manage">{b["manage"]}</button>
  </div>
  <header class="site-header">
    <a class="logo" href="/">{e(page["site"])}</a>
    <button class="menu-toggle" aria-label="{b["menu"]}">&#9776;</button>
    <nav class="main-nav">
      <ul>
{nav}
      </ul>
    </nav>
    <form class="search" action="/search"><input type="search" name="q" placeholder="{b["search"]}"><button>{b["search"]}</button></form>
  </header>
{ad_top}  {main_open}
    <!-- article start -->
    {art_open}
      <div class="breadcrumb"><a href="/">{e(page["nav"][0])}</a> &rsaquo; <a href="/{quote(slug(page["nav"][1]) or page["nav"][1])}/">{e(page["nav"][1])}</a></div>
      <h1>{e(page["title"])}</h1>
      <p class="byline">{e(page["byline"])}</p>
      <div class="share-bar">{share}</div>
      <div class="article-body">
        {body}
      </div>
    {art_close}
    <!-- article end -->{comments}
  {main_close}
  <aside class="sidebar">
{ad_side}      <h3>{b["related"]}</h3>
      <ul class="related">
{related}
      </ul>
      <div class="newsletter">
        <h3>{b["newsletter"]}</h3>
        <p>{b["newsletter_sub"]}</p>
        <form action="/subscribe" method="post"><input type="email" placeholder="{b["email"]}"><button>{b["subscribe"]}</button></form>
      </div>
  </aside>
  <footer class="site-footer">
    <ul class="footer-links">
{footer_links}
    </ul>
    <p>&copy; 2024 {e(page["site"])}. {b["rights"]}</p>
    <a href="#top" class="to-top">{b["top"]}</a>
  </footer>
  <script src="/static/js/app.{build_id}.js" defer></script>
</body>
</html>
"""


def build_web_html(rng, noise):
    entries = [{"id": f"web_html-{i:04d}", "url": p["url"], "html": render_page(p, rng)} for i, p in enumerate(HTML_PAGES)]
    write_lines(SOURCES["web_html"][3], entries,
                render=lambda e: json.dumps({k: e[k] for k in ("id", "url", "html")}, ensure_ascii=False).encode("utf-8"))
    return entries


BUILDERS = {
    "zh_book": build_zh_book,
    "zh_web": build_zh_web,
    "zh_wiki": build_zh_wiki,
    "en_web": build_en_web,
    "en_wiki": build_en_wiki,
    "en_book": build_en_book,
    "web_html": build_web_html,
}


# ==========================================================================
# expected.json and README.md
# ==========================================================================

def write_expected(summaries):
    def union(key):
        return [x for s in summaries.values() for x in s[key]]

    other = {k: v for s in summaries.values() for k, v in s["other_language_ids"].items()}
    data = {
        "generator": "pipelines/samples/pretrain/build.py",
        "seed": SEED,
        "noise_fraction": NOISE_FRACTION,
        "noise_kinds": list(NOISE_KINDS),
        "special_tokens": list(SPECIAL_TOKENS),
        "malformed_kinds": {k: v[0] for k, v in MALFORMED.items()},
        "totals": {
            "records": sum(s["records"] for s in summaries.values()),
            "malformed_lines": sum(s["malformed_lines"] for s in summaries.values()),
            "valid_records": sum(s["valid_records"] for s in summaries.values()),
            "noisy_docs": len(union("noisy_ids")),
            "traditional_docs": len(union("traditional_ids")),
            "other_language_docs": len(other),
            "junk_docs": len(union("junk_ids")),
            "no_id_records": sum(len(s["no_id_lines"]) for s in summaries.values()),
            "html_pages": summaries["web_html"]["records"],
        },
        "noisy_ids": union("noisy_ids"),
        "traditional_ids": union("traditional_ids"),
        "other_language_ids": other,
        "junk_ids": union("junk_ids"),
        "copies": {k: v for s in summaries.values() for k, v in s["copies"].items()},
        "sources": summaries,
    }
    (HERE / "expected.json").write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return data


def write_readme(expected):
    rows, notes = [], []
    for name, s in expected["sources"].items():
        extra = []
        if s["junk_ids"]:
            extra.append(f"{len(s['junk_ids'])} junk")
        if s["other_language_ids"]:
            extra.append("other language: " + ", ".join(sorted(set(s["other_language_ids"].values()))))
        if s["no_id_lines"]:
            extra.append(f"{len(s['no_id_lines'])} without id")
        if name == "web_html":
            extra.append(f"{sum(1 for p in HTML_PAGES if p['lang'] == 'zh')} pages in Chinese")
        rows.append(f"| `{name}` | {s['lang']} | {s['category']} | {s['format']} | `{s['files'][0]}` | {s['records']} | "
                    f"{s['malformed_lines']} | {len(s['noisy_ids'])} | {len(s['traditional_ids'])} | {'; '.join(extra) or '-'} |")
        for m in s["malformed"]:
            notes.append(f"  - `{s['files'][0]}` line {m['line']} (`{m['id']}`): `{m['kind']}` - {m['detail']}")
    t = expected["totals"]
    size_kb = sum((HERE / s["files"][0]).stat().st_size for s in expected["sources"].values()) / 1024
    table = "\n".join(rows)
    malformed = "\n".join(notes)
    text = f"""# Pretraining sample corpus

A small bundled input for the pretraining pipeline and its tests: {len(expected['sources'])} sources,
{t['records']} records, about {size_kb:.0f} KB on disk. Listed in `sources.yaml` (hand-written).

**All text is original.** Every sentence was written for this sample and lives in `prose.json` (assembled by `build.py`)
(sentence pools and templates per source); nothing is copied from a dataset or web page. People,
places, products and sites are made up, and every URL uses an `example.*` domain.

Regenerate (deterministic, fixed seeds, gzip mtime 0):

    python pipelines/samples/pretrain/build.py

This rewrites the data files, `expected.json` and this README (the table below comes from the generator).

| source | lang | category | format | file | records | malformed lines | noisy docs | Traditional docs | other |
|---|---|---|---|---|---|---|---|---|---|
{table}
| **total** | | | | | **{t['records']}** | **{t['malformed_lines']}** | **{t['noisy_docs']}** | **{t['traditional_docs']}** | {t['junk_docs']} junk, {t['other_language_docs']} other-language, {t['no_id_records']} without id |

What is deliberately wrong in it:

- **Noise** in about 10% of the clean documents of each text source (`web_html` excluded): zero-width
  characters (U+200B, U+200D), BOM (U+FEFF), soft hyphens (U+00AD), control characters (U+0007, U+000B),
  leftover HTML (`<p>`, `</div>`, `<br/>`, `&nbsp;`, `&amp;`), special tokens
  (`<|endoftext|>`, `</s>`, `<pad>`, `[PAD]`, `<unk>`, `<|im_start|>`) and runs of extra whitespace.
  Which document got which kind: `expected.json` -> `sources.<name>.noise_kinds`.
- **Malformed lines** (kinds named after the dead-letter kinds in `pipelines/core/records.py`):
{malformed}
- **Junk documents** (a line of symbols; one line repeated 40 times) in `en_web` and `zh_web`.
- **Other languages**: one French and one German document in `en_web`.
- **Traditional script**: about half of `zh_wiki` (written in Simplified, converted with OpenCC `s2t`; not marked in the record).
- **No id**: {t['no_id_records']} records in `en_book` have no `id` (the pipeline must hash the content).
- **Copies**: the last two records of `zh_book`, `zh_wiki`, `en_wiki` and `en_book` copy earlier
  ones: an exact copy (spacing or punctuation changed) and a near copy (one word or character
  changed); `expected.json` -> `copies` says which. The dedupe stage keeps one of each pair.
- `web_html` holds whole pages (`{{"id", "url", "html"}}`) with navigation, cookie banners, ads,
  comments and footers; two of them are Chinese.

Ids are `<source>-<line index, 0-based>`, so an id also says where its line is. Some web records
carry a `url`; `zh_wiki` records also carry a `title`.

`expected.json` holds what the generator knows, for tests: per source the record count (malformed
lines included), the malformed lines (line, id, kind), the ids of noisy, Traditional, junk and
other-language documents, and the line numbers of records without an id.
"""
    (HERE / "README.md").write_text(text, encoding="utf-8")


def check_manifest():
    """sources.yaml is hand-written; make sure it names every file this script writes."""
    manifest = HERE / "sources.yaml"
    text = manifest.read_text(encoding="utf-8") if manifest.exists() else ""
    missing = [rel for *_, rel in SOURCES.values() if rel not in text]
    if missing:
        print(f"warning: sources.yaml does not mention {', '.join(missing)}")


def main():
    noise = NoiseInjector(SEED)
    summaries = {}
    for name, build in BUILDERS.items():
        entries = build(random.Random(f"{SEED}:{name}"), noise)
        summaries[name] = summarize(name, entries)
    expected = write_expected(summaries)
    write_readme(expected)
    check_manifest()
    for name, s in summaries.items():
        print(f"{name:9s} records={s['records']:3d} malformed={s['malformed_lines']} noisy={len(s['noisy_ids'])} "
              f"traditional={len(s['traditional_ids'])}  {s['files'][0]}")
    t = expected["totals"]
    print(f"total     records={t['records']} malformed={t['malformed_lines']} noisy={t['noisy_docs']} "
          f"traditional={t['traditional_docs']}")


if __name__ == "__main__":
    main()
