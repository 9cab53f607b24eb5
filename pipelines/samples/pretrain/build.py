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
# kind pipelines/records.py gives it.
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

ZH_BOOK_TOPICS = {
    # ---- classical-style ----
    "山行": [
        "余少好游，尝以暮春之月，独携一杖，入{mountain}。",
        "山径盘曲，松柏夹道，行数里而不见人烟。",
        "时有鸟鸣于深林之中，其声清越，闻之令人忘倦。",
        "循涧而上，水声渐大，至一崖下，乃见飞瀑自石隙出。",
        "瀑下有潭，深不可测，其色如碧玉，游鱼可数。",
        "余坐石上，解衣濯足，凉气透骨，俗虑顿消。",
        "日既西斜，山色由青转紫，岚气渐生于谷中。",
        "樵者负薪而下，问以前路，但笑指云深之处。",
        "又行半里，得一古寺，墙垣颓圮，惟钟楼尚存。",
        "寺僧年可七十，煮茶相待，言此山旧多虎，今已绝迹。",
        "夜宿寺中，月出东岭，松影满地，如水中藻荇。",
        "夜半风起，万壑齐鸣，若有千军过于岭外。",
        "晨起视之，则四山皆没于云海，惟峰顶数点如岛屿。",
        "嗟夫！山之胜，非亲至者不能知也。",
        "世人多慕名山，而不知近郊之山亦自有可观者。",
        "归而记之，以俟他日重游焉。",
    ],
    "江上": [
        "是岁秋八月，余自{city}买舟东下。",
        "舟子三人，皆习水性，操楫如飞。",
        "两岸青山相对，猿声时断时续，舟行其间，如在画中。",
        "江流至此而急，浪高数尺，舟人皆屏息不语。",
        "既过险滩，水势稍缓，江面开阔，远帆点点。",
        "日暮泊于沙洲，渔火三五，与星光相映。",
        "舟子取鱼烹之，佐以村酒，余亦饮数杯而醺然。",
        "有老渔父鼓枻而过，唱其乡曲，音调苍凉。",
        "问其年，曰七十有三，自少至老未尝离此江。",
        "余感其言，因思人生之行役，何异于此江之东流。",
        "中夜月明如昼，江水不波，唯闻橹声欸乃。",
        "天将晓，雾起江上，咫尺不辨，舟遂停泊以待。",
        "雾散之后，忽见层城出于东岸，则已至郡治矣。",
        "盖水行七日，历州县者五，所见风物各不相同。",
    ],
    "书斋": [
        "余之书斋在宅之东隅，广不过丈许，而藏书数千卷。",
        "窗外植竹十余竿，风过则萧萧有声。",
        "每日课罢，辄闭门独坐，取古人之书读之。",
        "读至会心处，或掩卷长思，或起而绕室行。",
        "冬夜苦寒，则拥炉而读，漏尽而不自知。",
        "客或笑余曰：书中之事，与今何干？",
        "余应之曰：古今虽异，人情则一，读其书可以知其人。",
        "家贫不能多购书，则借于友人，手自抄录。",
        "抄毕归还，不敢逾期，故人皆乐以书相假。",
        "积十余年，所抄之书亦盈一箧矣。",
        "读书之法，贵在专一，不可东翻西阅而无所得。",
        "又当有疑，疑而后问，问而后知。",
        "余性迟钝，一书往往三复而后能通其大意。",
        "然迟则迟矣，所得者较速读者为固。",
        "老而目昏，犹令童子诵之，倚杖而听，亦一乐也。",
    ],
    "秋": [
        "秋气初至，庭中梧桐先落一叶。",
        "晨起推窗，白露满阶，寒意侵衣。",
        "园中菊始有花，黄白相间，香气淡远。",
        "邻家晒谷于场，孩童逐雀，笑语喧然。",
        "远山经雨，颜色愈深，如新染之黛。",
        "夕阳在西，雁阵南飞，其声哀而不乱。",
        "古人悲秋，以为万物凋零之候。",
        "余独以为不然，秋者，成也，万物至此而实。",
        "田家于是刈稻，果园于是收橘，一岁之劳，于斯得报。",
        "夜来风雨，晨视则落叶满径，扫之复积。",
        "取新酿之酒，与二三邻叟共饮于篱下。",
        "酒酣，各言其少年事，或笑或叹。",
        "及月上东墙，始散去，犹闻巷中咳唾之声。",
        "四时之中，余最爱秋，以其清而不寒，明而不燥也。",
    ],
    "别友": [
        "吾友{friend}，与余同里而居，少时同学于乡塾。",
        "其为人也，寡言而笃实，遇事必尽其力。",
        "后余游学于外，{friend}留乡里，躬耕以养亲。",
        "每岁归省，必先过其家，剪烛夜话，至鸡鸣乃已。",
        "今年春，{friend}将赴远方，余送之于城南驿亭。",
        "柳色初青，春水方生，行人往来不绝。",
        "执手相看，欲言者甚多，及至临别，竟无一语。",
        "{friend}笑曰：男儿志在四方，何必作儿女之态？",
        "余亦强笑，而目中泪已盈眶。",
        "车既行，余伫立良久，至尘埃不见而后返。",
        "归而坐于旧日同读之窗下，怅然若有所失。",
        "夫聚散者，人之常也，然情之所钟，不能自已。",
        "但愿他日重逢，彼此皆无恙，则今日之别亦不足悲矣。",
        "因作此文，寄之远方，以志不忘。",
    ],
    # ---- modern prose ----
    "故乡": [
        "我的故乡是{town}，一个被河水绕了大半圈的小镇。",
        "镇子不大，从东头走到西头，一支烟的工夫就够了。",
        "河上有三座石桥，最老的那座据说已经有两百多年，桥面被人踩得发亮。",
        "小时候，我常趴在桥栏上看船从桥洞底下穿过去，船工的吆喝声在水面上荡开很远。",
        "街两边是木板门的铺子，卖酱油的、打铁的、修钟表的，一家挨着一家。",
        "每到逢集的日子，四乡八里的人都挑着担子来，街上挤得转不过身。",
        "我最喜欢的是街角那家烧饼铺，炉子里的火整天不熄，芝麻的香味能飘出半条街。",
        "镇上的人说话带着一种软软的腔调，尾音总要往上挑一下。",
        "后来镇上修了公路，年轻人一个个去了城里，老街渐渐冷清下来。",
        "前年我回去过一次，铺子大多关了门，门板上贴着褪色的招租启事。",
        "只有那座老石桥还在，桥下的水也还是那样慢慢地流着。",
        "我在桥上站了很久，想找回一点小时候的感觉，却发现自己连河对岸那几户人家的姓都记不清了。",
        "在外面待久了，我的口音早已变了，可一听见乡音，心里还是会猛地一热。",
        "人们常说故乡是回不去的地方，我以前不信，现在信了。",
        "可是每当夜里睡不着，闭上眼睛，那条河、那座桥，还是清清楚楚地在那里。",
        "也许故乡本来就不在地图上，而在一个人的记忆里。",
    ],
    "祖母": [
        "祖母的厨房在院子的西边，是一间低矮的砖房。",
        "屋里砌着一个大灶台，灶口黑黢黢的，墙上挂着几串干辣椒和蒜头。",
        "天不亮，祖母就起来生火，柴草噼啪作响，烟从烟囱里慢慢升起来。",
        "她做饭从来不用秤，盐放多少、水添几瓢，全凭一双手。",
        "我小时候最爱蹲在灶膛前帮她添柴，脸被火烤得红通通的。",
        "过年前的那几天，厨房是全家最热闹的地方。",
        "祖母要蒸馒头、炸丸子、做腊肉，常常一忙就是一整天。",
        "她一边干活一边给我讲以前的事，说她年轻时一年到头也吃不上几回白面。",
        "那些故事我当时听得似懂非懂，只记得她说话时手上的活一刻也没停。",
        "后来家里装了煤气灶，那口大灶就很少用了。",
        "祖母却总说，煤气灶做出来的饭没有柴火的味道。",
        "她去世以后，老屋一直空着，厨房的门上落了一把锈锁。",
        "有一年清明回去，我推开那扇门，灶台上还摆着她用过的那只粗瓷碗。",
        "那一刻，我仿佛又闻到了柴火和米饭混在一起的香气。",
        "我这才明白，有些味道是会跟着人走一辈子的。",
    ],
    "冬雪": [
        "那年冬天的第一场雪，是在夜里悄悄落下的。",
        "早上醒来，窗户上结了一层薄薄的冰花，外面白茫茫一片。",
        "院子里的老槐树换了一身银装，枝条压得弯弯的。",
        "我和弟弟顾不上吃早饭，穿上棉鞋就冲了出去。",
        "雪很厚，一脚踩下去，能没过脚踝，发出咯吱咯吱的声音。",
        "我们堆了一个大雪人，用煤球做眼睛，用胡萝卜做鼻子。",
        "父亲站在门口笑着看我们，嘴里呼出一团一团的白气。",
        "中午，母亲煮了一锅热腾腾的饺子，我们吃得满头大汗。",
        "下午雪停了，太阳出来，屋檐下挂满了亮晶晶的冰凌。",
        "村里的孩子们聚在河边的冰面上，打陀螺，滑冰车，笑声传得很远。",
        "傍晚，天边烧起一片橘红色的晚霞，把雪地也染成了淡淡的粉色。",
        "如今我住在南方，好些年没见过那样大的雪了。",
        "偶尔看到北方下雪的新闻，心里就会想起那个早晨，和那个歪着脑袋的雪人。",
        "雪会化，人会长大，可是有些冬天永远留在了心里。",
    ],
    "雨夜": [
        "这座城市的雨总是来得没有预兆。",
        "傍晚下班的时候，天还只是阴着，等我走出地铁站，雨已经下得很大了。",
        "街上的行人纷纷躲进便利店和公交站的雨棚下面，像被赶进圈里的羊。",
        "我没有带伞，只好站在一家面馆的屋檐下，看雨水顺着檐口连成一道帘子。",
        "路灯一盏一盏亮起来，灯光落在湿漉漉的柏油路上，碎成一片一片的金色。",
        "出租车从面前驶过，溅起的水花打湿了我的裤脚。",
        "面馆里热气腾腾，老板隔着玻璃朝我招手，示意我进去坐。",
        "我要了一碗牛肉面，坐在靠窗的位置，听雨点敲打着玻璃。",
        "邻桌是两个刚下晚自习的中学生，正小声争论一道数学题。",
        "在这样的夜晚，城市忽然变得很安静，好像所有的喧嚣都被雨水冲走了。",
        "我想起刚来这里的那一年，也是这样的雨夜，我拖着箱子找了三个小时才找到租的房子。",
        "那时候觉得这座城市又大又冷，没有一盏灯是为我亮的。",
        "如今我已经在这里住了{years}年，知道哪条巷子可以抄近路，哪家店的面最实在。",
        "雨渐渐小了，我付了钱，推开门，夜风带着一股泥土和树叶的气味扑过来。",
        "我没有打车，就这样慢慢地走回家去。",
    ],
    "火车": [
        "我一直喜欢坐慢车。",
        "绿皮火车一站一站地停，停下来的时候，能听见站台上有人叫卖煮玉米和茶叶蛋。",
        "车厢里的人来自四面八方，说着各种各样的方言。",
        "对面坐着一位抱孩子的年轻母亲，孩子睡着了，小手还攥着一块饼干。",
        "窗外的风景慢慢变换，先是平原，然后是丘陵，再后来是连绵不断的大山。",
        "火车钻进隧道，车厢里突然暗下来，过了好一会儿才重新见到光亮。",
        "有个老人从包里拿出一副象棋，很快就有人围过去，七嘴八舌地出主意。",
        "夜里车厢的灯调暗了，只有车轮撞击铁轨的声音，咣当咣当，像一首没有尽头的歌。",
        "我睡不着，就看着窗外偶尔闪过的灯火，猜测那里住着什么样的人家。",
        "天亮的时候，火车停在一个不知名的小站，雾气还没有散。",
        "站台上只有一个穿制服的工作人员，举着小旗，向司机示意。",
        "现在的高铁又快又稳，几个小时就能跨越过去要走两天的路程。",
        "可我还是怀念那些漫长的旅途，它让人有时间发呆，有时间想一些平时顾不上想的事情。",
        "也许旅行的意义，本来就不全在目的地。",
    ],
    "海边": [
        "我第一次看见海，是在十九岁那年的夏天。",
        "火车在清晨到达海边的小城，我放下行李就往海滩跑。",
        "海比我想象的还要大，灰蓝色的海面一直铺到天边，分不清哪里是水，哪里是天。",
        "海风带着咸味，吹得人睁不开眼睛。",
        "潮水一阵一阵地涌上来，又退下去，在沙滩上留下一道道弯曲的痕迹。",
        "我脱了鞋，赤脚踩在湿沙上，凉意从脚底一直传到心里。",
        "远处有几条渔船，随着波浪一起一伏，像几片漂着的树叶。",
        "退潮以后，礁石缝里露出许多小螃蟹，横着身子飞快地跑来跑去。",
        "当地的孩子提着小桶在滩涂上挖蛤蜊，一会儿就装了小半桶。",
        "傍晚，太阳沉进海里，海面上铺满了碎金，渐渐又暗成一片深蓝。",
        "夜里躺在旅馆的床上，还能听见海浪一遍一遍拍打着岸边。",
        "那声音单调而又耐听，像一个老人在反复讲述同一个故事。",
        "后来我又去过很多地方的海，却再也没有那一次的激动。",
        "人生里的很多第一次，大概都是这样，只有一次，也只需要一次。",
    ],
    "旧书店": [
        "老街的尽头有一家旧书店，门脸很窄，招牌上的字已经看不太清楚。",
        "店里光线昏暗，书架一直顶到天花板，空气里弥漫着纸张和灰尘的味道。",
        "店主是个戴老花镜的中年人，总是坐在柜台后面，低头修补一本破损的书。",
        "他很少主动招呼客人，由着你在书架之间慢慢翻找。",
        "我在那里淘到过一本几十年前的旧字典，扉页上还有前主人用毛笔写的名字。",
        "也买到过一本翻译小说，书页之间夹着一张电影票根，日期是三十多年前。",
        "我常常想，这些书在到我手里之前，曾经陪伴过什么样的人。",
        "有时候我去了并不买书，只是在店里待上一个下午，听窗外的人声渐渐稀落。",
        "店主知道我的习惯，有了好书会特意留着，等我来了再拿出来。",
        "去年夏天，书店贴出告示，说房租涨了，要搬到更远的地方去。",
        "最后一天，我帮店主把一捆一捆的书搬上小货车。",
        "他送了我一本诗集，说留个念想。",
        "现在那间铺面开了一家奶茶店，门口总是排着长队。",
        "每次路过，我都会下意识地放慢脚步，好像还能闻到旧书的气味。",
    ],
}

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

ZH_REVIEW_PRODUCTS = {
    "电饭煲": [
        "煮出来的米饭软硬适中，粒粒分明，家里老人也说好吃。",
        "内胆有点轻，涂层不知道能用多久，先观察一段时间。",
        "预约功能很实用，晚上放好米，早上起来就能喝上热粥。",
        "按键提示音有点大，半夜用的时候怕吵醒孩子。",
        "三四个人吃刚好，容量比想象中大一点。",
    ],
    "蓝牙耳机": [
        "连接很快，打开盒子就自动配对了，没遇到断连的情况。",
        "低音比较足，听流行歌挺带劲，但人声稍微有点靠后。",
        "戴久了耳朵会有点胀，可能是我耳道比较小。",
        "降噪效果一般，地铁里还是能听到报站的声音。",
        "充满电能用五个多小时，配合充电盒通勤一周没问题。",
    ],
    "空气炸锅": [
        "炸薯条几乎不用放油，外脆里软，孩子很喜欢。",
        "容量有点小，一次只能做两个人的量。",
        "清洗方便，炸篮是不粘涂层，用水冲一下就干净了。",
        "工作的时候有点吵，像吹风机的声音。",
        "烤鸡翅二十分钟就好，比烤箱省事多了。",
    ],
    "跑步鞋": [
        "鞋底很软，跑五公里下来脚不累。",
        "尺码偏小，建议买大半码。",
        "透气性不错，夏天穿也不闷脚。",
        "鞋面设计好看，平时配牛仔裤也可以。",
        "跑了一个月，鞋底磨损不明显。",
    ],
    "保温杯": [
        "早上装的热水，到晚上还是烫的。",
        "杯盖密封很好，放包里倒过来也不漏。",
        "容量刚好，一天喝两杯就够了。",
        "外壁有点容易留指纹。",
        "杯口有点小，放冰块不太方便。",
    ],
    "机械键盘": [
        "青轴手感清脆，打字很有节奏感。",
        "声音确实比较大，在办公室用要注意。",
        "灯光可以调，晚上用很好看。",
        "键帽有点打油，用了两个月就开始发亮。",
        "有线连接很稳定，打游戏没有延迟。",
    ],
    "台灯": [
        "光线柔和，不刺眼，孩子写作业用正合适。",
        "亮度和色温都能调节，基本能满足各种需要。",
        "底座很稳，不会轻易碰倒。",
        "触摸按键有时候不太灵敏。",
        "灯臂可以折叠，不用的时候不占地方。",
    ],
    "行李箱": [
        "轮子很顺滑，推起来几乎没有声音。",
        "箱体比较轻，装满了也不费劲。",
        "拉杆有点晃，不知道能用多久。",
        "内部隔层设计合理，衣服和鞋子可以分开放。",
        "托运了一次，外壳有些划痕，但不影响使用。",
    ],
}

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

ZH_FORUM_THREADS = [
    ("【求助】笔记本开机越来越慢怎么办？",
     ["笔记本买了三年多，最近开机要等将近两分钟。", "进了桌面以后也很卡，打开浏览器要转半天圈。",
      "已经卸载了几个不常用的软件，但效果不明显。", "是不是该换固态硬盘了？还是重装系统就行？",
      "预算不多，希望各位给点建议，先谢过了。"],
     ["先看看开机启动项，很多软件会偷偷设置自启动。", "三年前的机器如果还是机械硬盘，换固态提升非常明显。",
      "重装系统治标不治本，用一段时间又会慢。", "顺便清一下风扇的灰，温度高了也会卡。"]),
    ("【新手求助】第一次养猫，需要准备些什么？",
     ["下周要从朋友那里接一只三个月大的小橘猫回家，之前完全没有养过猫。", "目前只买了猫砂盆和一袋猫粮，不知道还缺什么。",
      "听说小猫刚到新环境会躲起来不吃东西，这种情况要怎么处理？", "还有疫苗和驱虫应该什么时候做？",
      "家里是木地板，担心猫会乱抓，有没有好办法？", "希望有经验的朋友多多指点。"],
     ["猫抓板一定要多买几个，放在它喜欢的地方，比家具好抓它就不抓家具了。", "刚接回家先给它一个安静的小房间，别急着抱，让它自己出来。",
      "疫苗一般要打好几针，间隔多久听宠物医院的安排。", "体内外驱虫要定期做，别忘了。",
      "猫粮别频繁换，要换也要慢慢掺着换，不然容易拉肚子。"]),
    ("分享一下这几年租房踩过的坑",
     ["毕业五年，搬了四次家，总结一点经验给刚工作的朋友参考。", "看房一定要白天晚上各去一次，白天看采光，晚上听噪音。",
      "签合同前把屋里所有的家具家电都拍照留底，退租时能省很多麻烦。", "押金怎么退、维修费谁出，最好都在合同里写清楚。",
      "别只看租金便宜，通勤时间也是成本。", "遇到要求先交一年房租的要多留个心眼。"],
     ["太实用了，收藏了。", "补充一条：看看水压和热水器，洗澡体验很重要。",
      "我就是没拍照，退租时被扣了一半押金。", "还有楼上楼下邻居也很重要，可惜看房时很难知道。"]),
    ("二战上岸，说说我的复习节奏",
     ["去年差三分没过线，今年终于上岸了，来还愿。", "第一年的问题是前松后紧，九月以后才真正开始做题。",
      "今年我从三月开始每天固定学习八小时，周日下午休息。", "数学以课本和真题为主，真题至少刷了两遍。",
      "英语每天背单词，阅读按年份做，错题都会重新分析一遍。", "专业课找了学长的笔记，按照考纲自己整理框架。",
      "最后一个月心态最重要，别和别人比进度。"],
     ["恭喜楼主！请问政治是什么时候开始的？", "同二战，看完有信心了。",
      "作息规律真的很关键，熬夜效率反而低。", "想问下专业课笔记是怎么整理的，有没有模板？"]),
    ("国庆自驾七天，路线和花费分享",
     ["今年国庆和家人开车出去玩了七天，全程大概一千八百公里。", "为了避开高峰，我们提前一天出发，第一天基本没堵车。",
      "住宿都是提前半个月订的，价格比节日当天便宜不少。", "中间有两天走的是山路，弯多坡陡，建议新手谨慎。",
      "油费加过路费一共两千出头，吃住另算。", "最大的感受是别把行程排得太满，留点时间随便走走。"],
     ["求具体路线！", "山路开夜车太危险了，楼主做得对。", "带老人出行确实要放慢节奏。", "看得我也想出发了。"]),
    ("装修完住了一年，这些钱花得值和不值",
     ["房子装修完入住一年，来说说真实感受。", "最值的是厨房多做了几个插座，现在小家电再多也够用。",
      "卫生间做了干湿分离，打扫起来轻松很多。", "最后悔的是客厅做了复杂的吊顶，落灰难清理，还显得层高更低。",
      "开放式厨房看着漂亮，但是炒菜的油烟味会跑到客厅。", "另外，储物空间永远不嫌多，能做柜子的地方尽量做。"],
     ["插座这个太对了，我家就是不够用，到处拉插线板。", "同意吊顶的问题，简单点最好。",
      "请问干湿分离用的是玻璃隔断还是浴帘？", "收藏了，正准备装修。"]),
    ("跑步半年，最近膝盖外侧疼，有人遇到过吗？",
     ["今年开始跑步，一周三次，每次五到八公里。", "最近两周跑到三公里左右，膝盖外侧就开始隐隐作痛。",
      "休息两天会好一些，但一跑又疼。", "鞋子是去年买的，已经跑了大概六百公里。",
      "想问问大家是跑姿的问题还是需要换鞋，要不要去医院看看？"],
     ["建议先停跑，去医院看看比较放心。", "六百公里的鞋确实该换了，缓震会下降。",
      "平时多做臀部和大腿的力量训练，对膝盖有帮助。", "别硬撑，我就是硬撑结果休息了三个月。"]),
    ("工作以后开始学做饭，分享几道零失败的家常菜",
     ["以前一直点外卖，今年开始自己做饭，省钱又健康。", "番茄炒蛋是入门首选，鸡蛋先炒好盛出来，再炒番茄，最后一起翻炒。",
      "土豆丝切得细一点，下锅前泡水去掉淀粉，炒出来更脆。", "可乐鸡翅几乎不会失败，鸡翅煎到两面金黄后倒可乐收汁就行。",
      "清炒时蔬火要大，动作要快，盐最后放。", "刚开始不用追求复杂，把几道简单的菜做熟练最重要。"],
     ["可乐鸡翅确实简单，我第一次做就成功了。", "土豆丝泡水这个技巧学到了。",
      "楼主有没有推荐的锅？我家的锅总是粘。", "坚持下来真不容易，点赞。"]),
    ("带两岁宝宝坐飞机，有哪些需要注意的？",
     ["下个月要带两岁的女儿坐飞机回老家，单程三个小时左右。", "第一次带这么小的孩子坐飞机，心里有点没底。",
      "担心她在飞机上哭闹影响别人，也担心起降的时候耳朵难受。", "需要提前准备哪些东西？婴儿车能不能带上飞机？",
      "有经验的家长分享一下吧，谢谢。"],
     ["起飞和降落的时候让孩子喝水或者吃点东西，能缓解耳朵不适。", "带几个新玩具和绘本，关键时刻能顶一阵。",
      "婴儿车能不能带、怎么托运，具体问一下航空公司。", "尽量选孩子平时睡觉的时间段的航班，能睡一路最好。"]),
    ("工作三年想转行做数据分析，现实吗？",
     ["本科学的是市场营销，毕业后一直做运营，工作了三年。", "最近对数据分析很感兴趣，业余时间自学了一些表格和数据库的知识。",
      "但是身边的人都说转行风险太大，现在的岗位也挺稳定的。", "想问问过来人，零基础转行的话，大概需要准备多久？",
      "是先在现在的岗位上多做数据相关的工作，还是直接辞职去学？"],
     ["千万别裸辞，先在现在的岗位上找机会用数据说话。", "运营转数据分析挺常见的，你的业务经验其实是优势。",
      "先做几个完整的小项目放到简历上，比证书有用。", "我就是从运营转过来的，前后准备了大半年。"]),
    ("家里攒了好几部旧手机，大家都是怎么处理的？",
     ["抽屉里翻出来四部旧手机，最老的一部已经十年了。", "直接扔掉觉得可惜，也担心里面的照片和聊天记录泄露。",
      "卖给回收的又不知道价格是否合理。", "有没有安全又方便的处理办法？", "顺便问一下，旧手机的电池要单独处理吗？"],
     ["先恢复出厂设置，重要的数据提前备份好。", "有些品牌的官方渠道可以以旧换新，价格还算公道。",
      "太老的可以拿来当闹钟或者监控摄像头用。", "电池鼓包的一定要注意，别放在高温的地方。"]),
    ("新手入坑钓鱼，求推荐入门装备",
     ["最近跟朋友去水库钓了两次鱼，感觉挺有意思的。", "现在用的是朋友借我的鱼竿，想自己买一套。",
      "预算一千以内，主要在附近的河边和水库钓鲫鱼。", "鱼竿、鱼线和浮漂应该怎么选？需要买很贵的吗？",
      "另外夏天钓鱼有什么要注意的？"],
     ["新手不用买太贵的，一根四米五左右的竿子就够用了。", "浮漂和线组比竿子更重要，可以多备几套。",
      "别忘了买个好一点的遮阳帽和折叠椅。", "钓鱼最重要的是耐心，装备是其次。"]),
    ("科目二挂了两次，心态有点崩",
     ["科目二考了两次都没过，第一次挂在倒车入库，第二次挂在坡道定点。", "平时练车的时候明明都挺顺利的，一到考场就紧张。",
      "教练说我技术没问题，主要是心态。", "下周就要考第三次了，大家有什么调整心态的办法吗？",
      "现在一想到考试就睡不着觉。"],
     ["考前多去考场模拟几次，熟悉环境会好很多。", "上车后先深呼吸，调好座椅和后视镜再开始。",
      "我也是第三次才过的，放轻松。", "别想着结果，就当是平时练车。"]),
    ("宽带明明是三百兆，为什么卧室里网速这么慢？",
     ["家里办的是三百兆宽带，路由器放在客厅。", "客厅测速能跑到两百多兆，可是卧室只有二三十兆，看视频经常卡。",
      "中间隔了两堵墙，是不是信号被挡住了？", "应该换一个更好的路由器，还是买个信号放大器？",
      "路由器是五六年前买的，一直没换过。"],
     ["墙对无线信号的衰减很大，可以考虑组网。", "有条件的话在卧室拉一根网线，最稳定。",
      "放大器效果一般，不如换成支持组网的路由器。", "先看看路由器是不是太旧了，老路由器不支持新的无线标准。"]),
]

ZH_NEWS_STORIES = [
    ["记者从{city}轨道交通集团获悉，地铁{line}号线一期工程将于本月{day}日正式开通运营。",
     "该线路全长约{km}公里，共设车站{stations}座，连接城市东部居住区与中心商务区。",
     "开通初期，列车运营时间为早六点至晚十一点，高峰时段最小行车间隔约{gap}分钟。",
     "线路开通后，沿线居民前往市中心的通勤时间预计可缩短二十分钟左右。",
     "运营方提醒，开通首周客流较大，请乘客合理安排出行时间，文明有序乘车。",
     "据介绍，二期工程目前正在进行前期准备工作。"],
    ["为方便市民阅读，{city}图书馆自下月起延长开放时间，每天开放至晚上九点。",
     "此次调整后，周末和节假日也将照常开放。",
     "图书馆相关负责人表示，近年来晚间到馆读者明显增多，延长开放时间是对读者需求的回应。",
     "与此同时，馆内新增了一百多个自习座位，并对照明和空调系统进行了改造。",
     "读者可通过图书馆公众号提前预约座位。",
     "今年以来，该馆已举办各类公益讲座和阅读活动{events}场。"],
    ["眼下正值秋收时节，{city}下辖的{county}{mu}万亩水稻陆续进入收割期。",
     "田野里，收割机来回穿梭，金黄的稻谷被源源不断地装车运走。",
     "当地农业部门介绍，今年全县推广了新品种和机械化插秧，预计亩产比去年有所提高。",
     "种粮大户老张告诉记者，今年雨水调匀，没有遇到大的病虫害，收成让人满意。",
     "为了确保颗粒归仓，县里还组织了农机服务队，帮助缺少劳动力的农户及时收割。",
     "新收的稻谷经过烘干后，将进入粮库储存或直接销售给加工企业。"],
    ["{city}马拉松于昨日上午鸣枪开跑，来自全国各地的{runners}名跑者参加了比赛。",
     "本次比赛设全程马拉松、半程马拉松和健康跑三个项目。",
     "赛道途经城市主要景观带，沿途有不少市民自发为选手加油助威。",
     "组委会在沿线设置了补给站和医疗点，并安排了志愿者提供服务。",
     "经过激烈角逐，男子和女子全程冠军均打破了赛会纪录。",
     "赛后，不少跑者表示赛道平坦、组织有序，明年还会再来。"],
    ["昨天上午，{city}人民医院的十余名医生走进{district}社区，为居民开展义诊活动。",
     "活动现场设置了内科、眼科、口腔科等多个咨询台，前来问诊的居民排起了长队。",
     "医生们为居民测量血压和血糖，并耐心解答用药和日常保健方面的问题。",
     "一位七十多岁的居民说，在家门口就能见到大医院的专家，感觉很方便。",
     "活动还发放了健康宣传资料，提醒居民注意季节变化带来的健康风险。",
     "据悉，此类义诊活动将每月举办一次。"],
    ["{city}气象台今天上午发布暴雨黄色预警信号，预计未来十二小时内全市大部分地区将出现大到暴雨。",
     "局部地区可能伴有短时强降水和雷暴大风。",
     "气象部门提醒，市民应尽量减少外出，远离河道、低洼地带和地下通道。",
     "驾车出行时要注意积水路段，不要冒险涉水通过。",
     "相关部门已提前对城区排水设施进行了检查和疏通，并安排抢险人员二十四小时值守。",
     "中小学校将根据预警变化，适时调整上课安排。"],
    ["{city}博物馆新推出的“{theme}”主题展览于本周六向公众开放。",
     "展览共展出文物和展品{items}余件，其中不少是首次公开亮相。",
     "展览分为四个单元，通过实物、图片和多媒体互动，展现了这一主题的历史脉络。",
     "为了吸引青少年观众，展厅还设置了动手体验区。",
     "博物馆实行免费预约参观，观众可通过官方网站或公众号预约。",
     "展览将持续至明年三月。"],
    ["{city}今年高校毕业生专场招聘会昨日在会展中心举行，共有{firms}家企业到场招聘。",
     "招聘岗位涉及信息技术、智能制造、金融、教育等多个领域。",
     "现场人头攒动，不少毕业生带着简历在展位间来回咨询。",
     "一家软件公司的招聘负责人说，他们今年计划招收三十名应届生，重点看重学习能力和团队合作。",
     "主办方还设置了简历诊断和职业规划咨询区，帮助毕业生更好地求职。",
     "据统计，当天初步达成就业意向的毕业生超过一千人。"],
    ["经过半年的提升改造，{city}{park}公园于近日重新向市民开放。",
     "此次改造新增了环湖步道和儿童游乐区，并对园内的老旧设施进行了更新。",
     "公园管理处负责人介绍，改造过程中保留了园内原有的大树，并补种了多种本地花木。",
     "不少市民一早就来到公园散步、晨练，对改造后的环境赞不绝口。",
     "为方便周边居民，公园还增设了两个出入口和一处非机动车停放点。",
     "管理处提醒游客爱护公共设施，不要随意攀折花木。"],
    ["为了激发消费活力，{city}首个特色夜市于本周五晚在老城区步行街开市。",
     "夜市汇集了一百多个摊位，涵盖地方小吃、文创产品和手工艺品。",
     "开市当晚，街区人流如织，烤串、糖水和米粉摊位前排起了长队。",
     "摊主小李说，第一晚的营业额比预想的高出不少，准备再多进一些货。",
     "城管和市场监管部门安排专人值守，加强食品安全检查和秩序维护。",
     "据介绍，夜市将在每周五至周日晚上开放，持续到十月底。"],
    ["{city}今年起在全市推行生活垃圾分类新规，目前已有超过八成的居民小区完成设施改造。",
     "新规将生活垃圾分为可回收物、有害垃圾、厨余垃圾和其他垃圾四类。",
     "在{district}的一个小区，记者看到分类投放点旁有志愿者在引导居民正确投放。",
     "小区居民表示，刚开始有些不习惯，现在已经慢慢养成了分类的习惯。",
     "相关部门表示，下一步将加强对分类运输和处理环节的监管，避免“先分后混”。",
     "对于拒不分类的单位和个人，将依法进行劝导和处罚。"],
    ["受副热带高压影响，{city}近一周持续出现高温天气，最高气温接近四十摄氏度。",
     "气象部门已连续发布高温橙色预警，提醒市民做好防暑降温工作。",
     "全市用电负荷连创新高，供电部门加强了设备巡查，确保电网安全运行。",
     "一些户外作业单位调整了工作时间，避开中午最热的时段。",
     "医生提醒，老人、儿童和慢性病患者要尽量减少外出，多补充水分。",
     "预计下周中后期，随着一股冷空气南下，高温天气将有所缓解。"],
    ["在{city}{county}的一个小山村，村民们正忙着把刚采摘的猕猴桃装箱发货。",
     "近两年，村里依托电商平台打开了销路，农产品可以直接卖到全国各地。",
     "村党支部书记介绍，村里成立了合作社，统一品牌、统一包装，价格比以前卖给收购商高出不少。",
     "一些在外打工的年轻人也回到村里，专门负责网店运营和直播带货。",
     "县里还在村口修建了冷库和快递收发点，解决了保鲜和物流的难题。",
     "今年，全村猕猴桃的销售额预计将比去年增长三成。"],
    ["昨日，{city}中心血站在市中心广场举办无偿献血宣传活动，吸引了数百名市民参与。",
     "活动现场，工作人员向市民讲解献血知识，解答大家关心的问题。",
     "一名大学生说，这是他第三次献血，希望能帮助到需要的人。",
     "据介绍，夏季是献血淡季，而临床用血需求却有所增加，血站库存一度偏紧。",
     "血站呼吁符合条件的市民积极参与无偿献血。",
     "工作人员提醒，献血后要注意休息，当天避免剧烈运动。"],
]

ZH_NEWS_SLOTS = {
    "city": ["临江市", "南岭市", "东川市", "清河市", "云港市"],
    "line": ["3", "5", "6", "9"], "day": ["18", "26", "28", "30"], "km": ["21.4", "28.6", "33.2"],
    "stations": ["15", "19", "24"], "gap": ["4", "5", "6"], "events": ["120", "86", "150"],
    "county": ["禾丰县", "望川县", "兰泽县"], "mu": ["12", "18", "25"],
    "runners": ["两万", "一万五千", "三万"], "district": ["东湖", "南园", "杨柳湾", "北门"],
    "theme": ["江南水乡生活", "古代纺织技艺", "城市百年变迁", "陶瓷之路"], "items": ["300", "450", "200"],
    "firms": ["320", "260", "410"], "park": ["滨河", "人民", "西山", "东湖"],
}

ZH_QA = [
    ("水壶里的水垢怎么去除？",
     ["最简单的办法是用白醋。", "在水壶里倒入适量白醋，加水稀释后烧开，再浸泡一两个小时。",
      "然后把水倒掉，用清水冲洗几遍就可以了。", "也可以用柠檬酸，效果差不多，而且没有醋的气味。",
      "水垢比较厚的话，可以多重复几次。", "平时每隔一两个月清理一次，就不容易积累太多。"]),
    ("绿萝的叶子发黄是什么原因？",
     ["绿萝叶子发黄最常见的原因是浇水太多。", "盆土长期过湿，根系容易腐烂，叶子就会变黄。",
      "建议等盆土表面干了再浇水，冬天要更少浇。", "如果是老叶偶尔发黄，属于正常的新陈代谢，剪掉就行。",
      "另外，长期放在光线太暗的地方，叶子也会变黄、变薄。", "可以把它挪到有散射光的窗边，但别让太阳直晒。"]),
    ("手机电池怎么用才能更耐用？",
     ["尽量避免把电量用到完全没电再充。", "电量保持在百分之二十到百分之八十之间对电池比较友好。",
      "充电时最好别玩大型游戏，发热对电池伤害很大。", "夏天不要把手机放在车里暴晒。",
      "尽量使用原装或者质量可靠的充电器。", "如果电池已经明显老化，及时到正规售后更换更安全。"]),
    ("米饭总是煮得太硬或太软怎么办？",
     ["关键在于米和水的比例。", "一般来说，大米和水的比例大约是一比一点二，新米可以少放一点水。",
      "淘米时不要用力搓，淘两三遍就够了。", "煮之前让米泡二十分钟左右，口感会更好。",
      "煮好后不要马上开盖，再焖十分钟。", "不同品种的米吸水性不同，多试几次就能找到合适的比例。"]),
    ("第一次办护照需要准备什么？",
     ["一般需要带上本人身份证，到出入境管理部门的办证窗口办理。", "现在很多地方可以现场拍照，不用自己准备照片。",
      "有的地方支持网上预约，提前预约可以少排队。", "填写申请表、采集指纹以后，交费就可以了。",
      "具体材料各地可能有差异，去之前最好打电话或者上网确认一下。", "办好以后可以选择邮寄到家，也可以自己去取。"]),
    ("孩子不爱吃饭怎么办？",
     ["先看看孩子是不是零食吃得太多，两餐之间吃零食很影响正餐的胃口。", "吃饭时间要固定，到点就吃，过了时间就收掉。",
      "可以让孩子参与买菜和做饭，他们对自己动手做的东西往往更有兴趣。", "饭桌上不要追着喂，也别用看动画片当条件。",
      "饭菜的颜色和形状可以多些变化。", "如果长期食欲差、体重不增，还是要去医院检查一下。"]),
    ("晚上总是睡不着，有什么办法？",
     ["首先尽量固定作息，每天同一时间上床和起床，周末也别差太多。", "睡前一小时放下手机，屏幕的光会影响入睡。",
      "下午以后少喝咖啡和浓茶。", "卧室保持安静、黑暗和适宜的温度。",
      "白天适当运动有助于晚上入睡，但睡前别做剧烈运动。", "如果长期失眠，影响到白天的工作和生活，建议去看医生。"]),
    ("多肉植物多久浇一次水？",
     ["多肉比较耐旱，宁干勿湿是基本原则。", "春秋生长季，可以等盆土完全干透以后再浇透。",
      "夏天高温时很多多肉会休眠，要少浇水，并注意通风。", "冬天温度很低的时候，基本要断水。",
      "叶片发软、出现皱纹，说明它缺水了。", "如果叶片变得透明、发黑，多半是浇水太多导致的烂根。"]),
    ("衣服上的油渍怎么洗掉？",
     ["先用纸巾把多余的油吸掉，别用力擦，以免油渍扩散。", "在油渍处挤上一点洗洁精，轻轻揉搓几分钟。",
      "然后用温水清洗，油渍一般就能去掉大半。", "如果是陈旧的油渍，可以先浸泡半小时再洗。",
      "真丝和羊毛等面料比较娇贵，最好送去专业干洗店。", "洗完后先检查一下，确认干净了再烘干，否则高温会让油渍更难去除。"]),
    ("新买的铁锅怎么开锅？",
     ["先用清水和洗洁精把锅里的防锈油洗干净。", "把锅放在火上烧干水分，直到锅面颜色微微发蓝。",
      "关小火，用一块肥猪肉或者厨房纸蘸油，把锅的内壁反复擦一遍。", "擦过的油会变黑，倒掉后用清水冲洗，再重复两三次。",
      "开好锅以后，每次用完要擦干，再薄薄涂一层油，防止生锈。", "尽量不要用铁锅长时间煮酸性的汤汁。"]),
    ("家里有蟑螂怎么办？",
     ["先找到蟑螂经常出没的地方，一般是厨房和卫生间的缝隙。", "保持厨房干燥整洁，食物和垃圾要及时密封处理。",
      "可以在角落里放一些蟑螂胶饵，效果比喷雾持久。", "墙上和柜子的缝隙可以用胶封住，减少它们藏身的地方。",
      "如果情况比较严重，可以请专业的除虫公司处理。", "定期检查，坚持一段时间就能明显减少。"]),
    ("如何让鲜花插瓶保持得更久？",
     ["买回来以后先把花茎斜着剪掉一小段，增大吸水面积。", "泡在水里的叶子要摘掉，否则容易腐烂让水变质。",
      "花瓶要洗干净，水每隔一两天换一次。", "可以在水里加一点点糖或者专用的保鲜剂。",
      "花瓶别放在阳光直射或者靠近暖气的地方。", "每次换水时再把花茎剪短一点，效果会更好。"]),
    ("长时间看电脑眼睛干涩怎么缓解？",
     ["每用眼二十分钟左右，抬头看看远处，让眼睛休息一下。", "有意识地多眨眼，盯着屏幕时眨眼次数会明显减少。",
      "屏幕亮度要和周围环境的光线相协调，不要太亮也不要太暗。", "屏幕最好略低于视线，距离眼睛一臂左右。",
      "空调房里比较干燥，可以放一台加湿器。", "如果症状一直不缓解，建议去医院眼科检查。"]),
    ("冰箱里有异味怎么去除？",
     ["先把冰箱里过期和变质的食物清理掉，这是异味的主要来源。", "断电后用温水加少量小苏打擦洗内壁和隔板。",
      "放一小碗咖啡渣或者活性炭，可以吸附异味。", "熟食和生食要分开存放，并用保鲜盒或保鲜膜密封。",
      "定期清理排水孔，防止积水发臭。", "平时注意不要把冰箱塞得太满，冷气流通更好。"]),
]

ZH_WEB_JUNK = "点击关注，获取更多精彩内容！\n" * 40


# ==========================================================================
# Material: zh_wiki (encyclopedia style; written in Simplified, half converted)
# ==========================================================================

ZH_WIKI_ARTICLES = {
    "茶": [
        "茶是以茶树的嫩叶和芽为原料加工而成的饮品原料，也泛指用其冲泡的饮料。",
        "茶树属山茶科山茶属，为常绿灌木或小乔木，喜温暖湿润的气候和酸性土壤。",
        "中国是最早发现和利用茶的国家之一，饮茶习俗已有数千年的历史。",
        "根据加工工艺和发酵程度的不同，茶通常分为绿茶、白茶、黄茶、青茶、红茶和黑茶六大类。",
        "绿茶不经发酵，保留了较多的天然成分，汤色清绿；红茶经过充分发酵，汤色红亮。",
        "唐代陆羽著有《茶经》，系统总结了茶的种植、制作和饮用方法，被视为世界上第一部茶学专著。",
        "茶叶中含有茶多酚、咖啡碱、氨基酸等成分，适量饮用有提神的作用。",
        "茶后来经由陆路和海路传播到世界各地，成为全球最广泛饮用的饮品之一。",
    ],
    "竹": [
        "竹是禾本科竹亚科植物的统称，多为多年生常绿植物。",
        "竹的茎称为竹竿，中空而有节，质地坚韧。",
        "某些竹种生长极快，在适宜条件下一天可以长高数十厘米。",
        "竹主要分布在热带和亚热带地区，亚洲是竹类资源最丰富的地区之一。",
        "竹的用途十分广泛，可用于建筑、造纸、编织家具和制作乐器。",
        "竹笋是竹的嫩芽，可以食用，是许多地方的传统菜肴。",
        "在中国传统文化中，竹与梅、兰、菊并称“四君子”，象征虚心和气节。",
        "许多竹种一生只开一次花，开花结实后整片竹林往往会枯死。",
    ],
    "长江": [
        "长江是中国第一长河，也是亚洲第一长河，全长约6300千米。",
        "长江发源于青藏高原唐古拉山脉主峰各拉丹冬雪山的西南侧。",
        "干流流经青海、西藏、四川、云南、重庆、湖北、湖南、江西、安徽、江苏和上海，最后注入东海。",
        "长江通常以湖北宜昌和江西湖口为界，分为上游、中游和下游三段。",
        "长江流域气候温和，雨量充沛，是中国重要的农业区和经济区。",
        "长江干流航道是中国内河航运最繁忙的水道之一，素有“黄金水道”之称。",
        "流域内分布着洞庭湖、鄱阳湖、太湖等大型湖泊。",
        "三峡工程位于长江上游与中游的交界地带，是一座具有防洪、发电和航运等综合效益的大型水利枢纽。",
    ],
    "造纸术": [
        "造纸术是中国古代的重要发明之一，与指南针、火药和印刷术并称为“四大发明”。",
        "考古发现表明，西汉时期已经出现了用麻类纤维制成的纸。",
        "东汉时期，蔡伦总结前人经验，改进了造纸工艺，用树皮、麻头、破布和旧渔网等原料造纸。",
        "这种纸原料易得、成本低廉，大大促进了纸的推广和使用。",
        "传统造纸的基本步骤包括原料浸泡、蒸煮、舂捣、抄纸和晾干等。",
        "造纸术后来传入朝鲜半岛和日本，又经中亚传入阿拉伯世界，再传到欧洲。",
        "纸的普及使书籍的复制和知识的传播变得更加便捷。",
        "宣纸是中国传统名纸之一，质地柔韧、吸墨性好，常用于书法和绘画。",
    ],
    "光合作用": [
        "光合作用是指绿色植物、藻类和某些细菌利用光能，把二氧化碳和水转化为有机物并释放氧气的过程。",
        "在植物中，光合作用主要在叶片细胞的叶绿体内进行。",
        "叶绿素能够吸收红光和蓝紫光，而对绿光的吸收较少，因此植物的叶子通常呈现绿色。",
        "光合作用一般分为光反应和暗反应两个阶段。",
        "光反应在类囊体膜上进行，把光能转化为化学能，同时分解水并释放氧气。",
        "暗反应又称卡尔文循环，在叶绿体基质中进行，利用光反应的产物固定二氧化碳，合成糖类。",
        "光照强度、温度和二氧化碳浓度都会影响光合作用的速率。",
        "光合作用为地球上绝大多数生物提供了能量来源，也维持了大气中氧气的含量。",
    ],
    "水循环": [
        "水循环是指地球上的水在大气、陆地和海洋之间不断运动和转化的过程。",
        "太阳辐射使海洋、湖泊和陆地表面的水蒸发，植物也通过蒸腾作用向大气输送水汽。",
        "水汽上升后遇冷凝结，形成云，在一定条件下以雨、雪、冰雹等形式降落到地面。",
        "降落到陆地上的水，一部分形成地表径流汇入河流，一部分下渗成为地下水。",
        "河流和地下水最终大多流回海洋，从而完成一次循环。",
        "根据发生的范围，水循环可以分为海陆间循环、陆地内循环和海上内循环。",
        "水循环不断更新陆地上的淡水资源，对气候和生态系统有着重要影响。",
        "人类活动，例如修建水库和大量抽取地下水，也会在局部改变水循环的过程。",
    ],
    "大熊猫": [
        "大熊猫是一种哺乳动物，属食肉目熊科，是中国特有的物种。",
        "大熊猫体型肥圆，毛色黑白相间，眼周、耳朵和四肢为黑色。",
        "野生大熊猫主要分布在中国四川、陕西和甘肃的山区。",
        "虽然在分类上属于食肉目，但大熊猫的食物绝大部分是竹子。",
        "由于竹子的营养价值较低，大熊猫每天需要花很长时间进食。",
        "大熊猫的繁殖率较低，雌性通常每胎产一至两仔。",
        "为了保护大熊猫及其栖息地，中国建立了多个自然保护区，并开展了人工繁育研究。",
        "大熊猫性情温顺，形象可爱，常被视为中国的象征之一。",
    ],
    "活字印刷术": [
        "活字印刷术是一种先制成单个字模，再按需要排版印刷的方法。",
        "据北宋沈括《梦溪笔谈》记载，平民毕昇发明了胶泥活字印刷术。",
        "毕昇用胶泥刻字，每字一印，用火烧硬后即成活字。",
        "印刷时，把活字排在带框的铁板上，用药剂加热固定，便可涂墨印刷。",
        "印完后再加热使药剂熔化，活字便可取下重复使用。",
        "与雕版印刷相比，活字印刷省时省料，尤其适合印刷多种不同的书籍。",
        "后世又出现了木活字、铜活字等多种形式。",
        "活字印刷术的发明是印刷史上的一次重大革新。",
    ],
    "月球": [
        "月球是地球唯一的天然卫星，也是距离地球最近的天体。",
        "月球与地球的平均距离约为38万千米，直径约为3474千米。",
        "月球本身不发光，我们看到的月光是它反射的太阳光。",
        "由于月球、地球和太阳的相对位置不断变化，从地球上看，月亮会呈现出圆缺变化，即月相。",
        "月球绕地球公转一周约需27.3天，自转周期与公转周期相同，因此它总是以同一面朝向地球。",
        "月球表面布满了大小不一的撞击坑，较暗的平坦区域被称为月海。",
        "月球几乎没有大气，昼夜温差极大。",
        "1969年，美国阿波罗11号任务首次实现了人类登月。",
    ],
    "围棋": [
        "围棋是一种两人对弈的策略性棋类游戏，起源于中国，古代称为“弈”。",
        "标准棋盘由纵横各19条线组成，共有361个交叉点。",
        "对局双方分别执黑子和白子，轮流在交叉点上落子，通常由黑方先行。",
        "棋子落下后不再移动，但被对方完全包围的棋子会被提走。",
        "对局结束时，以占据地盘的多少决定胜负。",
        "围棋规则简单，但变化极其复杂，被认为是最具深度的棋类游戏之一。",
        "围棋很早就传入朝鲜半岛和日本，如今在东亚各地都十分流行。",
        "2016年，计算机程序阿尔法围棋战胜了职业棋手李世石，引起广泛关注。",
    ],
    "算盘": [
        "算盘是一种传统的手动计算工具，由框架、横梁和穿在档上的算珠组成。",
        "常见的算盘横梁上方每档有两颗珠，下方每档有五颗珠，也有上一下四的样式。",
        "使用算盘进行计算的方法称为珠算，需要按照口诀拨动算珠。",
        "熟练的珠算者可以很快地完成加减乘除运算。",
        "在电子计算器普及之前，算盘曾长期是商店和账房中必不可少的工具。",
        "2013年，中国珠算被列入联合国教科文组织人类非物质文化遗产代表作名录。",
        "如今，一些学校仍把珠算作为训练心算能力的方法。",
    ],
    "二十四节气": [
        "二十四节气是中国古代用来指导农事的历法补充，根据太阳在黄道上的位置划分。",
        "太阳在黄道上每运行15度为一个节气，一年共有二十四个节气。",
        "节气从立春开始，依次包括雨水、惊蛰、春分、清明、谷雨等，直到大寒结束。",
        "每个节气都反映了相应时期的气候变化和物候特点。",
        "农民根据节气安排播种、管理和收获，民间流传着许多与节气相关的农谚。",
        "一些节气同时也是传统节日，例如清明既是节气，也是祭祖扫墓的日子。",
        "2016年，二十四节气被列入联合国教科文组织人类非物质文化遗产代表作名录。",
    ],
    "珠穆朗玛峰": [
        "珠穆朗玛峰是喜马拉雅山脉的主峰，也是世界海拔最高的山峰。",
        "珠穆朗玛峰位于中国与尼泊尔边境线上，北坡在中国西藏境内。",
        "2020年，中国和尼泊尔两国共同宣布珠穆朗玛峰的最新高程为8848.86米。",
        "山峰终年积雪，冰川广布，气候极其严寒，空气稀薄。",
        "1953年，新西兰人希拉里和尼泊尔向导丹增·诺尔盖首次从南坡登顶。",
        "1960年，中国登山队首次从北坡登上峰顶。",
        "每年春季的短暂窗口期是攀登珠峰的主要季节。",
        "近年来，登山活动带来的垃圾问题引起了人们对高山环境保护的关注。",
    ],
    "黄河": [
        "黄河是中国第二长河，全长约5464千米。",
        "黄河发源于青海省巴颜喀拉山脉北麓，最后在山东省注入渤海。",
        "黄河中游流经黄土高原，携带大量泥沙，因而河水呈黄色，黄河也由此得名。",
        "由于泥沙淤积，黄河下游部分河段河床高出两岸地面，形成“地上河”。",
        "历史上黄河多次决口和改道，给沿岸地区带来严重灾害。",
        "黄河流域是中华文明的重要发祥地之一，被称为中华民族的“母亲河”。",
        "二十世纪以来，黄河上修建了多座水利枢纽，并开展了大规模的水土保持工作。",
    ],
    "丝绸之路": [
        "丝绸之路是古代连接亚洲、非洲和欧洲的商贸通道的统称。",
        "西汉时期，张骞奉命出使西域，为这条通道的开通奠定了基础。",
        "中国的丝绸、瓷器和茶叶经由这条道路运往西方，西方的香料、玻璃器和良马等也传入中国。",
        "除了货物交换，丝绸之路还促进了宗教、艺术和科学技术的交流。",
        "“丝绸之路”这一名称是19世纪德国地理学家李希霍芬提出的。",
        "除陆上丝绸之路外，还有经由海路连接各地港口的海上丝绸之路。",
        "2014年，“丝绸之路：长安－天山廊道的路网”被列入世界遗产名录。",
    ],
    "火山": [
        "火山是地下岩浆及其伴随的气体和碎屑喷出地表后形成的地质构造。",
        "火山通常由火山口、火山锥和火山通道等部分组成。",
        "按照活动情况，火山可以分为活火山、休眠火山和死火山。",
        "火山喷发可能带来熔岩流、火山灰和有毒气体，对周边地区造成严重危害。",
        "火山灰会影响航空安全，大规模喷发甚至可能在短时间内影响全球气候。",
        "另一方面，火山灰风化形成的土壤往往十分肥沃。",
        "世界上的火山大多分布在板块交界地带，环太平洋火山带是火山最集中的区域。",
        "地热能和温泉资源也常与火山活动有关。",
    ],
    "蜜蜂": [
        "蜜蜂是膜翅目蜜蜂科的昆虫，以采集花蜜和花粉为食。",
        "蜜蜂是典型的社会性昆虫，一个蜂群通常由蜂王、工蜂和雄蜂组成。",
        "蜂王负责产卵，工蜂承担采蜜、筑巢、哺育幼虫和守卫蜂巢等工作。",
        "工蜂发现蜜源后，会通过特定的舞蹈向同伴传递蜜源的方向和距离。",
        "蜜蜂在采蜜的同时为植物传粉，对农业生产和生态系统都十分重要。",
        "人类饲养蜜蜂的历史非常悠久，主要获取蜂蜜、蜂蜡和蜂王浆等产品。",
        "近年来，多个地区报告了蜂群数量减少的现象，引起了科学界的关注。",
    ],
    "豆腐": [
        "豆腐是以大豆为主要原料制成的食品，起源于中国。",
        "制作豆腐时，先将大豆浸泡、磨浆、煮沸，再加入盐卤或石膏使豆浆凝固。",
        "凝固后的豆花经过压制、去除多余水分，便成为豆腐。",
        "根据含水量和工艺的不同，豆腐可分为嫩豆腐、老豆腐等多个品种。",
        "豆腐富含植物蛋白，口感柔软，可以煎、炸、炖、凉拌等多种方式烹调。",
        "以豆腐为原料还可以制成豆腐干、腐竹、豆腐乳等制品。",
        "豆腐后来传入日本、朝鲜半岛和东南亚，如今在世界许多地方都能见到。",
    ],
    "指南针": [
        "指南针是利用磁针在地磁场中指示南北方向的仪器。",
        "中国古代很早就发现了磁石吸铁和指示方向的特性。",
        "古代文献中已有被称为“司南”的指向工具的相关记载。",
        "北宋时期，人们掌握了人工磁化的方法，制成了指南鱼和指南针。",
        "北宋沈括在《梦溪笔谈》中记载了指南针的几种装置方法，并指出磁针所指方向略有偏差，即磁偏角。",
        "指南针应用于航海以后，大大促进了远洋航行的发展。",
        "现代的罗盘和许多导航设备都是在这一原理基础上发展起来的。",
    ],
    "风筝": [
        "风筝是一种借助风力升空的器具，由骨架、蒙面和提线等部分组成。",
        "传统风筝多用竹条做骨架，用纸或绢做蒙面。",
        "风筝在中国有悠久的历史，古代曾被用于传递信息。",
        "后来风筝逐渐成为民间娱乐活动，每逢春季，人们常到郊外放风筝。",
        "山东潍坊是著名的风筝产地，当地每年举办国际风筝节。",
        "风筝的造型丰富多样，有燕子、蝴蝶、蜈蚣等多种样式。",
        "放风筝需要选择空旷的场地，并远离高压电线。",
    ],
}

# Stub articles about invented small places, filled from the pools below.
ZH_TOWN_STUB = {
    "lead": [["{name}镇是{county}下辖的一个镇，位于县境{dir}部，距县城约{km}千米。",
              "{name}镇隶属于{county}，地处县境{dir}部，镇政府驻地距县城约{km}千米。"],
             ["全镇总面积约{area}平方千米，户籍人口约{pop}人，下辖{villages}个行政村和{communities}个社区。",
              "镇域面积{area}平方千米，辖{villages}个行政村、{communities}个社区，户籍人口约{pop}人。"]],
    "optional": [
        "镇境地势{terrain}，{river}自{dir2}向{dir3}流经镇域。",
        "{name}一带很早就有人居住，{year}年设乡，{year2}年撤乡建镇。",
        "当地经济以{crops}种植为主，近年来发展了{industry}。",
        "镇内有省道和县道经过，交通较为便利。",
        "镇上有中心小学和初级中学各一所，另有卫生院一所。",
        "主要名胜有{sight}。",
        "{name}镇气候属亚热带季风气候，四季分明，年平均气温约{temp}摄氏度。",
    ],
}
ZH_RIVER_STUB = {
    "lead": [["{name}是{main}的一条支流，发源于{mountain}{slope}，全长约{length}千米，流域面积约{area}平方千米。",
              "{name}为{main}支流，源出{mountain}{slope}，干流长约{length}千米，流域面积约{area}平方千米。"],
             ["河流自{dir2}向{dir3}流经{county}、{county2}等地，在{town}附近汇入{main}。",
              "{name}大致由{dir2}向{dir3}流，经{county}和{county2}，于{town}一带注入{main}。"]],
    "optional": [
        "{name}上游河道狭窄，多峡谷和险滩；下游地势平坦，河道宽阔。",
        "河流多年平均流量约{flow}立方米每秒，汛期集中在{months}月。",
        "沿岸建有数座小型水电站和多处灌溉引水工程。",
        "{name}流域盛产{fish}，历史上曾是当地重要的水运通道。",
        "近年来，沿岸各地开展了河道整治和生态修复工作，水质有所改善。",
    ],
}
ZH_STUB_SLOTS = {
    "prefix": ["青石", "柳溪", "白沙", "枫林", "桃源", "石门", "云岭", "清泉", "双河", "红岩",
               "金滩", "杏花", "龙潭", "松坡", "梅岗", "长塘", "新桥", "马鞍", "芦湾", "鹤鸣"],
    "county": ["青平县", "禾丰县", "云溪县", "望川县", "兰泽县", "丰宁县"],
    "county2": ["青平县", "禾丰县", "云溪县", "望川县", "兰泽县", "丰宁县"],
    "dir": ["东", "南", "西", "北", "东北", "西南", "东南", "西北"],
    "dir2": ["东", "南", "西", "北"], "dir3": ["东", "南", "西", "北"],
    "km": ["12", "18", "25", "31", "40", "9"], "area": ["86", "112.5", "143", "67.8", "205", "98"],
    "pop": ["1.2万", "2.6万", "8900", "3.4万", "1.8万"], "villages": ["8", "11", "14", "19", "6"],
    "communities": ["1", "2", "3"], "terrain": ["西高东低", "北高南低", "以丘陵为主", "平坦开阔"],
    "river": ["小溪河", "白水河", "清江支流", "长乐河"], "year": ["1950", "1956", "1961"],
    "year2": ["1985", "1992", "2001"], "crops": ["水稻和油菜", "茶叶", "柑橘", "玉米和红薯", "蔬菜"],
    "industry": ["乡村旅游和农产品加工", "竹木加工", "淡水养殖", "电子商务"],
    "sight": ["古樟树群和清代石拱桥", "观音岩和千年银杏", "古戏台和老街", "龙潭瀑布"],
    "temp": ["16.8", "17.5", "15.9", "18.2"],
    "main": ["大川江", "清水江", "乌溪江", "沅川"], "mountain": ["黄茅岭", "云雾山", "石牛山", "凤凰岭"],
    "slope": ["南麓", "北麓", "东坡", "西坡"], "length": ["46", "73", "118", "59", "92"],
    "town": ["渡口镇", "河口镇", "三江镇", "合水镇"], "flow": ["12.6", "31.4", "48", "7.9"],
    "months": ["四至九", "五至八", "三至七"], "fish": ["鲫鱼、鲤鱼和青虾", "鳜鱼和黄颡鱼", "石斑鱼和溪虾"],
}


# ==========================================================================
# Material: en_web (blog posts, how-tos, reviews)
# ==========================================================================

EN_WEB_TOPICS = {
    "sourdough": {
        "titles": ["How I Finally Got My Sourdough Starter to Work", "A Beginner's Guide to Sourdough Starter",
                   "Sourdough Starter: What Nobody Told Me"],
        "intro": [
            "I killed three sourdough starters before the fourth one survived, so take this advice from someone who has made every mistake.",
            "A starter is nothing more than flour and water that has been colonised by wild yeast and bacteria, but keeping it happy takes a little patience.",
            "If you have been meaning to bake your own bread, building a starter from scratch is the first step, and it costs almost nothing.",
        ],
        "body": [
            "Start with equal weights of whole wheat flour and lukewarm water, about fifty grams of each, in a clean glass jar.",
            "Stir it well, cover the jar loosely, and leave it somewhere that stays between twenty and twenty-six degrees Celsius.",
            "For the first two days you may see a burst of bubbles, followed by a quiet period that convinces many beginners their starter has died.",
            "It has not died; the early bubbles usually come from bacteria that fade as the mixture becomes more acidic.",
            "From the third day on, discard about half the starter and feed it with fresh flour and water once a day.",
            "Switching from whole wheat to plain white flour after the first week gives a milder flavour and a more predictable rise.",
            "A healthy starter should roughly double in size within four to eight hours of a feeding.",
            "If a grey liquid collects on top, it simply means the yeast is hungry, and you can pour it off or stir it back in.",
            "A rubber band around the jar at the level of the fresh starter makes it easy to see how much it has risen.",
            "Chlorinated tap water can slow things down, so let the water stand overnight or use filtered water.",
            "Once the starter is reliable, you can keep it in the fridge and feed it just once a week.",
            "Take it out the night before you bake and give it one or two feedings at room temperature to wake it up.",
            "The float test, dropping a spoonful into water to see whether it floats, is a useful hint but not a perfect rule.",
            "Do not throw away the discard; it makes excellent pancakes, crackers, and flatbreads.",
        ],
        "outro": [
            "Give it two weeks before you judge it, and your patience will be rewarded with your first loaf.",
            "Every starter develops its own character, so do not worry if yours smells different from the one in a video.",
            "Let me know in the comments how your starter is doing, and I will try to help with any questions.",
        ],
    },
    "running": {
        "titles": ["Couch to 5K: What I Learned in Nine Weeks", "Running for Beginners: An Honest Account",
                   "How I Started Running After Forty"],
        "intro": [
            "A year ago I could not run for the bus without stopping to catch my breath, and last weekend I finished my first five-kilometre race.",
            "I am not an athlete and never have been, so if I can build a running habit, I genuinely believe most people can.",
            "This is not a training plan written by a coach; it is just an honest account of what worked for me and what did not.",
        ],
        "body": [
            "The most important thing I did was start slower than felt necessary, alternating one minute of jogging with ninety seconds of walking.",
            "Running three times a week, with a rest day between sessions, gave my legs time to adapt.",
            "For the first month my calves ached constantly, and I learned that a short walk on rest days helped more than sitting still.",
            "I bought proper running shoes from a shop that watched me jog on a treadmill, and the difference was enormous.",
            "It turns out that most beginners run too fast, and slowing down to a pace where you can still talk makes everything easier.",
            "Music helped on some days, but on others I preferred to listen to my breathing and the sound of my feet.",
            "Rain was less of a problem than I expected; once you are wet, you stop caring.",
            "Hills were a different story, and I still walk the steepest one on my usual route.",
            "Tracking my runs in a simple notebook kept me motivated far better than any app.",
            "Around week six I hit a wall where every run felt heavy, and I repeated a week of the plan instead of pushing on.",
            "Stretching gently after a run, rather than before, seemed to make my knees happier.",
            "Joining a free weekly community run gave me people to chat with and a reason to get out of bed on Saturday mornings.",
            "On race day I started near the back, ignored everyone who shot off ahead, and passed several of them in the final kilometre.",
        ],
        "outro": [
            "If you are thinking about starting, pick a plan, be patient with your body, and do not compare yourself to anyone else.",
            "Next on my list is a ten-kilometre race in the autumn, and I will report back on how the training goes.",
            "The hardest part is the first step out of the door; everything after that gets a little easier each week.",
        ],
    },
    "home_office": {
        "titles": ["Setting Up a Home Office That Does Not Hurt Your Back", "My Home Office Setup After Two Years of Remote Work",
                   "Small Space, Big Productivity: A Home Office Guide"],
        "intro": [
            "When I first started working from home, my office was a kitchen chair and a laptop balanced on a pile of cookbooks.",
            "After two years of trial and error, I have finally arrived at a setup that lets me work a full day without aching.",
            "You do not need a spare room or a big budget to work comfortably at home, but you do need to think about a few basics.",
        ],
        "body": [
            "The single most important change was raising my screen so that the top edge sat roughly at eye level.",
            "If you work on a laptop, a cheap stand and a separate keyboard and mouse will do more for your neck than any expensive chair.",
            "A chair with adjustable height and decent lower-back support is worth the investment, even if you buy it second hand.",
            "Your feet should rest flat on the floor, and a small box or footrest solves the problem if your desk is too high.",
            "Natural light makes a huge difference to my mood, but I keep the window to the side of my screen to avoid glare.",
            "A warm desk lamp for the evenings has saved my eyes from the harsh overhead light.",
            "I use a pair of closed-back headphones for calls, which stops the echo that bare walls create.",
            "A rug and a few bookshelves also help to soften the sound in a small room.",
            "Cable clips and a power strip fixed under the desk keep the floor clear and the space feeling calm.",
            "I keep a notepad and pen within reach, because some ideas are faster on paper than on a screen.",
            "A plant on the windowsill is a small thing, but it makes the room feel like a place rather than a workstation.",
            "Setting a timer to stand up and move every forty-five minutes has done more for my back than anything I bought.",
            "At the end of the day I close the laptop and put it in a drawer, which helps me switch off.",
        ],
        "outro": [
            "Start with the screen height and the chair, then improve the rest a little at a time as you notice what bothers you.",
            "Everyone's space is different, so treat this as a list of ideas rather than a set of rules.",
            "If you have a trick that made your home office better, I would love to hear about it.",
        ],
    },
    "houseplants": {
        "titles": ["Five Houseplants That Are Hard to Kill", "Why Your Houseplants Keep Dying (and How to Fix It)",
                   "A Lazy Gardener's Guide to Indoor Plants"],
        "intro": [
            "I used to be the person who killed every plant I was given, usually within a month.",
            "Houseplants have a reputation for being fussy, but most problems come down to a handful of simple mistakes.",
            "If you want a greener home without a lot of effort, the secret is choosing the right plants for your conditions.",
        ],
        "body": [
            "Overwatering kills more houseplants than neglect, because roots sitting in soggy soil cannot breathe and begin to rot.",
            "Before watering, push a finger a few centimetres into the soil; if it still feels damp, wait a few more days.",
            "Pots without drainage holes are pretty, but they make overwatering almost inevitable.",
            "A pothos will tolerate low light, irregular watering, and general neglect, and it grows long trailing stems that look lovely on a shelf.",
            "Snake plants store water in their thick leaves and can go weeks without a drink, especially in winter.",
            "The ZZ plant has glossy leaves and is almost indestructible, which makes it ideal for offices and dark corners.",
            "Spider plants produce little offshoots that can be potted up and given away to friends.",
            "Most flowering plants, on the other hand, need bright light to bloom and are better left until you have gained some confidence.",
            "Yellowing lower leaves usually point to too much water, while crispy brown tips often mean the air is very dry.",
            "Turning pots a quarter turn every week keeps plants from leaning toward the window.",
            "Plants grow slowly in winter, so they need less water and no fertiliser until spring.",
            "Dusting the leaves with a damp cloth helps them absorb light and keeps pests at bay.",
            "Repot only when roots start circling the bottom of the pot or growing out of the drainage holes.",
        ],
        "outro": [
            "Start with one or two easy plants, learn their habits, and expand your collection from there.",
            "Above all, remember that a drooping plant is trying to tell you something, and it is usually asking for less attention, not more.",
            "My windowsill is now crowded, and I have not killed a plant in over a year, which I consider a personal triumph.",
        ],
    },
    "budget_travel": {
        "titles": ["How to Spend a Weekend in a New City Without Spending a Fortune", "Budget Travel Tips I Wish I Had Known Sooner",
                   "Travelling on a Shoestring: Lessons from a Decade on the Road"],
        "intro": [
            "I have been travelling on a tight budget for about ten years, and I have made most of the expensive mistakes so you do not have to.",
            "A short city break does not have to cost a month's salary if you plan a little and stay flexible.",
            "Cheap travel is less about finding secret deals and more about a handful of habits that add up.",
        ],
        "body": [
            "Travelling outside school holidays and avoiding Friday evening departures can cut transport prices dramatically.",
            "I always compare the train and the bus before booking a flight, because the journey to and from the airport often erases the savings.",
            "Guesthouses and small family-run hotels are often cheaper than chains and far more interesting.",
            "Booking a room with a small kitchen lets me make breakfast and pack lunch, which saves a surprising amount of money.",
            "Many cities have free walking tours, and although you are expected to tip, they are a great introduction to a new place.",
            "Museums often have one free evening a week or a discounted ticket late in the afternoon.",
            "I eat my main meal at lunchtime, when many restaurants offer set menus at a fraction of the dinner price.",
            "Markets are the best places to find cheap, good food and to see how local people actually live.",
            "Public transport day passes usually pay for themselves after three or four journeys.",
            "Walking is free, and it is also the best way to discover streets that no guidebook mentions.",
            "I carry a refillable water bottle and a small snack so that hunger does not push me into an overpriced cafe.",
            "Paying in the local currency rather than letting the card machine convert it avoids a hidden fee.",
            "Travel insurance is the one thing I never skip, however short the trip.",
        ],
        "outro": [
            "None of these tips is revolutionary, but together they can halve the cost of a trip.",
            "The best travel memories rarely come from the most expensive experiences anyway.",
            "Where are you heading next? Tell me in the comments and I will share any tips I have for that city.",
        ],
    },
    "bike_chain": {
        "titles": ["How to Clean and Lubricate Your Bike Chain", "Bike Maintenance Basics: The Chain",
                   "A Five-Minute Chain Routine That Will Save You Money"],
        "intro": [
            "A clean, well-lubricated chain makes riding quieter, smoother, and cheaper, because it slows the wear on your gears.",
            "Chain care is the easiest piece of bike maintenance to learn and the one that makes the most difference.",
            "You do not need a workshop or special skills to keep your chain in good shape, only a rag, some degreaser, and a bottle of lube.",
        ],
        "body": [
            "Start by shifting onto the smallest rear cog so the chain is under as little tension as possible.",
            "Hold a rag loosely around the lower run of the chain and turn the pedals backward to wipe off the surface grime.",
            "If the chain is very dirty, apply a bike-specific degreaser with an old toothbrush, working on both sides of each link.",
            "Rinse gently with water rather than a pressure washer, which can force dirt into the bearings.",
            "Let the chain dry completely before applying any lubricant, or the water will be trapped under the oil.",
            "Apply one small drop of lube to the top of each roller while slowly turning the cranks.",
            "Leave it for a few minutes so the lube can work its way into the pins and rollers.",
            "Then wipe off the excess thoroughly, because oil on the outside of the chain only attracts more dirt.",
            "Dry lubes suit dusty summer conditions, while wet lubes last longer in rain and mud.",
            "A chain checker tool, which costs very little, tells you when the chain has stretched and needs replacing.",
            "Replacing a worn chain early is much cheaper than replacing the cassette and chainrings it would otherwise wear out.",
            "If you ride every day, a quick wipe and re-lube once a week is usually enough.",
            "Squeaking is a sure sign that the chain is dry, while a gritty sound means it needs a proper clean.",
        ],
        "outro": [
            "Once you have done it a couple of times, the whole routine takes about five minutes.",
            "Your bike will shift better, run quieter, and last longer, and you will feel a small glow of satisfaction every time you ride.",
            "Next time I will cover adjusting gears, which is less scary than it looks.",
        ],
    },
    "pour_over": {
        "titles": ["Pour-Over Coffee at Home: A Simple Method", "Brewing Better Coffee Without Expensive Gear",
                   "My Morning Pour-Over Routine"],
        "intro": [
            "Pour-over coffee sounds fussy, but once you understand a few variables it becomes a calm and rewarding morning ritual.",
            "You can make coffee at home that rivals a good cafe with nothing more than a cone, a paper filter, and a kettle.",
            "I switched from a pod machine to pour-over last winter and have not looked back.",
        ],
        "body": [
            "Start with fresh beans, ideally roasted within the last few weeks, and grind them just before brewing.",
            "A burr grinder gives a much more even grind than a blade grinder, and evenness is the key to a balanced cup.",
            "For one large mug I use about fifteen grams of coffee to two hundred and fifty grams of water.",
            "Water just off the boil, around ninety-three degrees Celsius, extracts flavour well without scorching the grounds.",
            "Rinse the paper filter with hot water first to remove any papery taste and to warm the cone and cup.",
            "Pour a small amount of water over the grounds and wait thirty seconds; this bloom lets trapped carbon dioxide escape.",
            "Then pour slowly in gentle circles, keeping the water level steady rather than flooding the cone.",
            "The whole brew should take around three minutes from the first pour to the last drip.",
            "If the coffee tastes sour or thin, grind a little finer; if it tastes bitter or harsh, grind a little coarser.",
            "A cheap kitchen scale makes results repeatable, which matters more than any fancy kettle.",
            "Filtered water can noticeably improve flavour if your tap water is hard.",
            "Store beans in an airtight container away from light, and avoid the fridge, where they can absorb odours.",
            "Change only one variable at a time, or you will never know what made the difference.",
        ],
        "outro": [
            "Give it a week of practice and you will be surprised how quickly your palate develops.",
            "It takes me about five minutes each morning, and they are some of the calmest minutes of my day.",
            "Happy brewing, and let me know which beans you are enjoying at the moment.",
        ],
    },
    "language_learning": {
        "titles": ["Learning a Language as an Adult: What Actually Worked", "Two Years of Learning Spanish in My Spare Time",
                   "Why I Stopped Chasing Fluency and Started Enjoying Language Learning"],
        "intro": [
            "I started learning Spanish at thirty-five, with a full-time job, two children, and a memory that is not what it used to be.",
            "Adults are often told that they are too old to learn a new language, but my experience suggests otherwise.",
            "After two years of study in short daily sessions, I can hold a real conversation, and I want to share what helped.",
        ],
        "body": [
            "Consistency mattered far more than intensity; fifteen minutes every day beat two hours on a Sunday.",
            "I used a flashcard app with spaced repetition for vocabulary, reviewing cards on the bus and while waiting for the kettle.",
            "Learning whole phrases rather than isolated words made it much easier to speak without freezing.",
            "Listening to podcasts made for learners helped me tune my ear to the rhythm of the language.",
            "Watching television with subtitles in the target language, not my own, was hard at first but paid off enormously.",
            "Grammar books were useful as a reference, but I learned more by noticing patterns in things I actually read.",
            "Weekly conversation sessions with a tutor online forced me to use what I knew, however badly.",
            "Making mistakes out loud was embarrassing for the first few months and then, gradually, it stopped bothering me.",
            "I kept a small diary in Spanish, writing three or four sentences each evening about my day.",
            "Reading children's books and graded readers built my confidence before I tackled novels.",
            "Setting concrete goals, such as ordering a meal or asking for directions, kept me motivated when progress felt slow.",
            "A trip abroad after a year of study showed me both how far I had come and how much I still had to learn.",
            "Plateaus are normal, and pushing through them usually means changing the kind of practice rather than doing more of it.",
        ],
        "outro": [
            "I am far from fluent, but I enjoy the process now, and that seems like the most important thing.",
            "If you are thinking of starting, choose materials you enjoy and forgive yourself for every mistake.",
            "My next goal is to read a full novel without a dictionary, and I will let you know how it goes.",
        ],
    },
    "git_tips": {
        "titles": ["Ten Git Habits That Will Save You Headaches", "Git Tips for People Who Only Know Commit and Push",
                   "Cleaning Up Your Git Workflow"],
        "intro": [
            "Most developers learn just enough Git to get by and then live in quiet fear of the commands they do not understand.",
            "Git is a powerful tool, but a few small habits make it far less intimidating.",
            "These are the Git practices I wish someone had shown me in my first year as a developer.",
        ],
        "body": [
            "Commit small, focused changes with messages that explain why the change was made, not just what changed.",
            "Run git status often; it is the quickest way to understand what Git thinks is going on.",
            "Use git diff --staged before committing to review exactly what will go into the commit.",
            "Create a new branch for every feature or fix, even small ones, so that the main branch stays deployable.",
            "Pull with rebase on personal branches to keep history linear and easier to read.",
            "Never rewrite history that other people have already pulled, unless everyone agrees and knows what to expect.",
            "Git stash is handy for setting aside unfinished work when you need to switch branches quickly.",
            "If you make a mess, git reflog shows where your branch pointed before, and it can rescue commits you thought were lost.",
            "A good .gitignore file keeps build artefacts, secrets, and editor settings out of the repository.",
            "Aliases for common commands save typing, but learn the full commands first so you know what the aliases do.",
            "Interactive rebase lets you squash fixup commits before opening a pull request, which makes reviews easier.",
            "Use git blame to understand why a line exists, not to find someone to blame.",
            "Tag releases so that you can always find the exact code that was deployed.",
        ],
        "outro": [
            "None of these habits is complicated, but together they make Git feel like a safety net rather than a minefield.",
            "Pick one or two to adopt this week and add the rest as they become second nature.",
            "What is your favourite Git trick? Share it below and I will add the best ones to this list.",
        ],
    },
    "camping": {
        "titles": ["A First-Timer's Camping Checklist", "What to Pack for a Weekend of Camping",
                   "Camping Lessons from a Very Wet Weekend"],
        "intro": [
            "My first camping trip was a lesson in everything I had forgotten to pack, starting with the tent pegs.",
            "A weekend under canvas can be wonderful or miserable, and the difference usually comes down to preparation.",
            "Here is the checklist I now use for every trip, refined over a dozen weekends in all kinds of weather.",
        ],
        "body": [
            "Pitch your tent at home before the trip to make sure every pole, peg, and guy line is present.",
            "A sleeping mat matters as much as the sleeping bag, because the cold ground steals heat all night.",
            "Check the temperature rating of your sleeping bag and remember that nights can be cold even in summer.",
            "Pack a head torch rather than a handheld one, so that your hands are free for cooking and setting up.",
            "A small gas stove, a pan, a lighter, and a spare lighter cover most cooking needs.",
            "Plan simple meals that need one pot and little washing up, such as pasta or a hearty stew.",
            "Bring more water than you think you need, or make sure there is a reliable tap at the site.",
            "Layers are better than one thick coat, and a waterproof jacket is essential whatever the forecast says.",
            "Dry socks are a luxury you will appreciate more than you can imagine.",
            "A few bin bags are useful for rubbish, wet clothes, and keeping gear dry inside the tent.",
            "Arrive with plenty of daylight left, because pitching a tent in the dark is frustrating.",
            "Choose a flat pitch that is slightly raised, so that rain drains away rather than pooling under you.",
            "Leave the site as you found it, taking all rubbish home and leaving no trace of your stay.",
        ],
        "outro": [
            "With the basics covered, you can relax and enjoy the real point of camping: the quiet, the stars, and the campfire conversation.",
            "Print the list, tick things off as you pack, and you will be ready for almost anything.",
            "Even a wet weekend can be fun if you are warm, dry, and well fed.",
        ],
    },
    "meal_prep": {
        "titles": ["Meal Prep for People Who Hate Meal Prep", "How I Cook Once and Eat All Week",
                   "A Simple Sunday Meal Prep Routine"],
        "intro": [
            "I resisted meal prep for years because the photos online made it look like a full-time job involving dozens of identical boxes.",
            "Cooking every evening after work was wearing me down, so I started spending an hour or two on Sunday getting ahead.",
            "Meal prep does not have to mean eating the same chicken and rice for five days in a row.",
        ],
        "body": [
            "Instead of preparing complete meals, I cook a few components that can be combined in different ways.",
            "A big tray of roasted vegetables keeps for four days and goes into salads, wraps, pasta, and grain bowls.",
            "I cook a pot of rice or another grain and cool it quickly before putting it in the fridge.",
            "One protein, such as baked tofu, lentils, or shredded chicken, is usually enough for most of the week.",
            "A jar of homemade dressing makes even a simple lunch feel like a proper meal.",
            "Washing and chopping salad leaves and herbs in advance removes the main excuse for not eating them.",
            "Soups and stews freeze beautifully, so I double the recipe and freeze half in individual portions.",
            "Labelling containers with the date avoids the mystery-box problem at the back of the fridge.",
            "Glass containers are heavier but easier to clean and safe to reheat.",
            "I keep a simple list on the fridge door of what is ready, which stops food from being forgotten.",
            "Planning around what is already in the cupboard reduces waste and saves money.",
            "I leave one or two evenings free for cooking something fresh or eating out, which keeps the week from feeling rigid.",
            "Putting on music or a podcast turns the Sunday session into something I actually look forward to.",
        ],
        "outro": [
            "It took a few weeks to find a rhythm, but now my weekday evenings feel far less rushed.",
            "Start small, with just one or two components, and build from there.",
            "If you have a favourite dish that reheats well, please share it, because I am always looking for new ideas.",
        ],
    },
    "budgeting": {
        "titles": ["A Simple Budget That Actually Works", "How I Paid Off My Credit Card in Eighteen Months",
                   "Budgeting Without Spreadsheets"],
        "intro": [
            "For most of my twenties I had no idea where my money went; it simply disappeared somewhere between one payday and the next.",
            "Budgeting has a reputation for being tedious, but a simple system can take less than half an hour a month.",
            "I am not a financial adviser, just someone who finally got a grip on their spending, and this is what worked for me.",
        ],
        "body": [
            "The first step was tracking every expense for a month, without judging or changing anything.",
            "Seeing the numbers written down was uncomfortable, especially the total spent on takeaway coffee and food delivery.",
            "I then divided my spending into essentials, goals, and everything else.",
            "Setting up an automatic transfer to a savings account on payday meant I saved before I had a chance to spend.",
            "An emergency fund of even a few hundred pounds stopped small surprises from going straight onto the credit card.",
            "I paid off the card with the highest interest rate first while making minimum payments on everything else.",
            "Cancelling subscriptions I had forgotten about freed up more money than I expected.",
            "Cash envelopes for groceries and fun money made overspending obvious in a way that card payments never did.",
            "I allowed myself a small amount each month to spend on anything at all, which made the budget feel less like a punishment.",
            "Reviewing the budget at the end of each month helped me adjust categories that were unrealistic.",
            "Big annual costs, such as car insurance, became less painful once I set aside a little for them every month.",
            "Talking openly about money with my partner removed a lot of tension from our household.",
            "Progress was slow at first, but each small win made it easier to keep going.",
        ],
        "outro": [
            "A budget is a plan, not a cage, and it should change as your life changes.",
            "Start with tracking, be honest with yourself, and give the system a few months before you judge it.",
            "If you have questions about getting started, leave a comment and I will do my best to answer.",
        ],
    },
}

EN_REVIEW_PRODUCTS = {
    "wireless headphones": (["Arlo Q3", "Sonora Flex", "Tern 700"], [
        "The noise cancelling is genuinely impressive and blocks out most of the rumble on my train commute.",
        "Battery life is excellent; I charge them roughly once a week with daily use.",
        "The ear cushions get warm after an hour or so, which is my main complaint.",
        "Call quality is fine indoors but struggles when it is windy.",
        "The companion app is cluttered, but you can ignore it once the settings are how you like them.",
        "They fold flat into a slim case that fits in my bag without any trouble.",
    ]),
    "budget laptop": (["Kestrel 14", "Pando Book S", "Larkspur Air"], [
        "The screen is bright and sharp enough for documents and streaming, though colours look a little washed out.",
        "It handles web browsing, email, and office work without any trouble.",
        "The fan becomes noticeable when I have many browser tabs open.",
        "The keyboard is comfortable, with decent key travel for a machine at this price.",
        "Battery life is around seven hours of real use, which gets me through most working days.",
        "It came with a lot of preinstalled software that I had to spend an hour removing.",
    ]),
    "blender": (["Vortex 900", "Kitchen Pal Pro"], [
        "It crushes ice easily and makes smooth smoothies in well under a minute.",
        "The jug is heavy and feels sturdy, but it is awkward to clean around the blades.",
        "It is loud, loud enough that I avoid using it early in the morning.",
        "The pulse button gives good control when making salsa or chopping nuts.",
        "The motor base is compact and fits under my kitchen cabinets.",
        "After six months of almost daily use it still works as well as it did on the first day.",
    ]),
    "hiking backpack": (["Ridgeline 30", "Fellpack Day"], [
        "The hip belt carries the weight well, and my shoulders were fine after a full day on the trail.",
        "There are plenty of pockets, perhaps too many, and I keep forgetting where I put things.",
        "The rain cover tucked into the base is a thoughtful touch.",
        "The back panel has good ventilation, so I sweat less than with my old pack.",
        "One of the zip pulls snapped after a few weeks, although the zip itself still works.",
        "At thirty litres it is perfect for day hikes and just about big enough for a light overnight trip.",
    ]),
    "e-reader": (["Pagewise 6", "Inkleaf Mini"], [
        "The screen is easy on the eyes, and I can read for hours without the strain I get from a tablet.",
        "The adjustable warm light is great for reading in bed.",
        "Page turns are quick, although there is still a brief flash now and then.",
        "The battery lasts for weeks, which makes it ideal for travelling.",
        "Organising books into collections is clumsy and could be much better.",
        "It is waterproof, so I no longer worry about reading in the bath or at the beach.",
    ]),
    "office chair": (["Postura One", "Deskmate Mesh"], [
        "Assembly took about twenty minutes and all the parts were clearly labelled.",
        "The lumbar support is adjustable and has made a real difference to my lower back.",
        "The seat cushion is firm at first but softens after a couple of weeks.",
        "The armrests wobble slightly, which is a little annoying during long calls.",
        "The mesh back keeps me cool in summer.",
        "The wheels roll smoothly on hard floors but struggle on thick carpet.",
    ]),
    "electric kettle": (["Brewhaus K2", "Tealight 1.7"], [
        "It boils a full litre in a little over two minutes.",
        "The temperature settings are perfect for green tea and pour-over coffee.",
        "The handle stays cool, and the lid opens with a button, so I never touch the hot steel.",
        "It keeps water warm for half an hour, which is handy on busy mornings.",
        "The limescale filter is hard to remove for cleaning.",
        "It is quieter than my old kettle, though it still clicks loudly when it switches off.",
    ]),
}
EN_REVIEW_OPENERS = {
    "pos": ["I have been using the {model} for {period} now, and I am very happy with it.",
            "I bought the {model} after reading a lot of reviews, and it has lived up to expectations.",
            "Short version: the {model} is excellent value and I would buy it again."],
    "mixed": ["I have mixed feelings about the {model} after {period} of use.",
              "The {model} does most things well, but it is not perfect.",
              "I wanted to like the {model} more than I do."],
    "neg": ["Unfortunately the {model} has been a disappointment.",
            "I returned the {model} after {period}, and here is why."],
}
EN_REVIEW_EXTRAS = [
    "Delivery was quick and the packaging was minimal, which I appreciated.",
    "The box arrived slightly dented, but the contents were fine.",
    "Customer support answered my question about the warranty within a day.",
]
EN_REVIEW_CLOSERS = {
    "pos": ["Highly recommended if you are looking for a {product} in this price range.", "Five stars from me.",
            "My partner liked it so much that we bought a second one."],
    "mixed": ["Good, but not great; worth it if you can find it on sale.", "Three and a half stars, rounded up.",
              "I would probably look at other options next time."],
    "neg": ["I cannot recommend it at this price.", "Two stars, and that is being generous.",
            "Save your money and look elsewhere."],
}
EN_REVIEW_STARS = {"pos": ["5", "5", "4"], "mixed": ["3", "4", "3"], "neg": ["1", "2"]}
EN_REVIEW_PERIODS = ["two weeks", "a month", "three months", "six months", "ten days"]

# Two documents in other languages, kept in en_web on purpose.
EN_WEB_FOREIGN = {
    "fr": ("Chaque samedi matin, le petit marché de la place s'anime dès sept heures. Les maraîchers installent "
           "leurs étals sous les platanes, et l'air se remplit de l'odeur des fraises, du pain chaud et du café. "
           "Je commence toujours par le stand de Mme Lefèvre, qui vend les légumes de son jardin et connaît le "
           "prénom de tous ses clients. Elle me conseille les tomates anciennes, un peu biscornues mais pleines de "
           "goût. Plus loin, un fromager propose de goûter un comté affiné pendant dix-huit mois.\n\n"
           "Les enfants courent entre les stands pendant que les parents discutent du temps et des nouvelles du "
           "quartier. Vers midi, les marchands commencent à ranger, et la place retrouve peu à peu son calme. Je "
           "rentre chez moi avec un panier trop lourd et l'impression d'avoir passé une excellente matinée."),
    "de": ("Am Sonntag sind wir früh aufgebrochen, um den Rundweg über den Kamm zu gehen. Der Nebel lag noch im "
           "Tal, aber oben schien schon die Sonne, und die Buchen leuchteten in Gelb und Orange. Der Weg ist gut "
           "markiert und führt zunächst steil durch den Wald, dann aber gemütlich über offene Wiesen.\n\n"
           "Unterwegs haben wir an einer kleinen Hütte Rast gemacht, wo es Apfelkuchen und heißen Tee gab. Von der "
           "Aussichtsplattform konnte man bei klarem Wetter weit über das Land sehen. Insgesamt waren wir etwa fünf "
           "Stunden unterwegs, mit Pausen. Die Strecke ist auch für Familien mit älteren Kindern geeignet, festes "
           "Schuhwerk ist allerdings zu empfehlen. Wir kommen bestimmt im Frühling wieder, wenn die Wiesen blühen."),
}

EN_WEB_JUNK = [
    "!!!!!! ###### $$$$ %%%% ^^^^^ &&&& ***** ((((( ))))) ~~~~~ ===== +++++ |||||| ///// \\\\\\ ..... ;;;;; "
    ":::::: ????? <<<<< >>>>> @@@@@ ------ _____ ****** ###### !!!!!! $$$$ %%%% ^^^^^ &&&& ***** ~~~~~ =====",
    "Click here to subscribe to our newsletter!\n" * 40,
]


# ==========================================================================
# Material: en_wiki (encyclopedia style)
# ==========================================================================

EN_WIKI_ARTICLES = {
    "Lighthouse": [
        "A lighthouse is a tower or other structure that carries a light to help ships navigate near coasts, reefs, and harbour entrances.",
        "Lighthouses mark dangerous coastlines, shoals, and safe entries to harbours, and they can also help sailors determine their position.",
        "Early lights were open fires burning on hilltops or on raised platforms, later replaced by candles and oil lamps.",
        "The Fresnel lens, developed by the French physicist Augustin-Jean Fresnel in the 1820s, greatly increased the distance at which a light could be seen.",
        "Each lighthouse usually has a distinctive pattern of flashes, called its characteristic, so that sailors can tell one light from another at night.",
        "During the day, towers are often painted with bands or other markings, known as daymarks, for the same purpose.",
        "For most of their history lighthouses were staffed by keepers, who trimmed wicks, wound clockwork mechanisms, and kept the lenses clean.",
        "Most lighthouses today are automated and monitored remotely, and many former keepers' houses have become museums or holiday lodgings.",
        "Satellite navigation has reduced their importance, but lighthouses remain in use as a backup and as a visual reference for small craft.",
    ],
    "Abacus": [
        "An abacus is a calculating tool that uses beads sliding on rods or wires set in a frame.",
        "Counting devices of this kind were used in many ancient societies long before written numerals were widely used for arithmetic.",
        "The Chinese suanpan typically has two beads above a horizontal bar and five below on each rod, while the Japanese soroban usually has one above and four below.",
        "Each rod represents a decimal place, and beads are counted when they are moved toward the bar.",
        "Skilled users can add, subtract, multiply, and divide rapidly, and some can also extract square roots.",
        "The abacus remained common in shops and offices in parts of Asia until electronic calculators became cheap in the late twentieth century.",
        "In some schools it is still taught as a way to build number sense, and experienced users often learn to calculate by imagining the beads.",
        "Special versions with beads that are easy to feel have been designed for blind users.",
    ],
    "Windmill": [
        "A windmill is a structure that converts the energy of wind into rotational energy by means of vanes called sails or blades.",
        "Windmills were traditionally used to grind grain, pump water, and saw wood.",
        "Horizontal windmills with vertical shafts were used in Persia many centuries ago, and vertical windmills appeared in north-western Europe in the twelfth century.",
        "In a post mill the whole body of the mill turns on a large upright post to face the wind, while in a tower mill only the cap at the top rotates.",
        "In the Netherlands, large drainage mills helped pump water out of low-lying land so that it could be farmed.",
        "Many windmills fell out of use after the spread of steam engines and, later, electric motors.",
        "The modern wind turbine, which generates electricity, is a descendant of the windmill, though its design is very different.",
        "Surviving historic mills are often protected as landmarks, and some are still operated by volunteers.",
    ],
    "Honey bee": [
        "Honey bees are social insects of the genus Apis, best known for producing honey and beeswax and for pollinating crops.",
        "A colony typically contains a single queen, many thousands of female workers, and, in warmer months, a smaller number of male drones.",
        "Workers perform different tasks as they age, beginning with cleaning cells and feeding larvae and later foraging outside the hive.",
        "Foragers communicate the direction and distance of food sources to nestmates through a movement known as the waggle dance.",
        "Honey is made from flower nectar that bees collect, process, and store in wax cells, where it thickens as water evaporates.",
        "The western honey bee has been kept by people for thousands of years and has been introduced to every continent except Antarctica.",
        "Colonies face threats from parasitic mites, diseases, pesticide exposure, and loss of flowering habitat.",
        "When a colony becomes crowded, the old queen may leave with a large group of workers in a process called swarming.",
    ],
    "Glacier": [
        "A glacier is a persistent body of dense ice that moves slowly under its own weight.",
        "Glaciers form where the accumulation of snow over many years exceeds its melting, so that the snow is gradually compressed into ice.",
        "They are found mainly in high mountains and in polar regions.",
        "As glaciers move, they erode the underlying rock and carry sediment, shaping landforms such as U-shaped valleys, cirques, and moraines.",
        "Ice sheets are the largest glaciers; today they cover most of Antarctica and Greenland.",
        "Glaciers store a large share of the world's fresh water, and meltwater from mountain glaciers feeds many rivers during dry seasons.",
        "Most glaciers have been retreating since the nineteenth century, a trend that has accelerated in recent decades.",
        "Scientists study layers in glacier ice to learn about past climates and the composition of the ancient atmosphere.",
    ],
    "Tide": [
        "Tides are the regular rise and fall of sea level caused mainly by the gravitational pull of the Moon and the Sun together with the rotation of the Earth.",
        "Many coastlines experience two high tides and two low tides roughly every twenty-four hours and fifty minutes.",
        "When the Sun, Moon, and Earth are aligned, near new moon and full moon, the tidal range is larger; these are called spring tides.",
        "When the Sun and Moon are at right angles relative to the Earth, the range is smaller, producing neap tides.",
        "The shape of coastlines and the depth of the sea floor strongly affect local tides, which is why the tidal range varies greatly from place to place.",
        "Some bays and estuaries have a tidal range of more than ten metres.",
        "Tide tables, which predict the times and heights of high and low water, are essential for shipping, fishing, and coastal activities.",
        "Tidal energy can be harnessed to generate electricity using barrages or underwater turbines.",
    ],
    "Compass": [
        "A compass is an instrument that shows direction relative to the geographic cardinal points.",
        "The magnetic compass contains a magnetised needle that aligns itself with the Earth's magnetic field and points approximately toward magnetic north.",
        "Magnetic direction-finding devices are described in Chinese texts of the Song dynasty, and the compass was in use for navigation at sea by the twelfth century.",
        "The difference between magnetic north and true north is called magnetic declination, and it varies with location and over time.",
        "A baseplate compass, commonly used for hiking, is transparent so that it can be placed on a map.",
        "Ships and aircraft rely largely on gyrocompasses and satellite navigation, but magnetic compasses are still carried as backups.",
        "Nearby iron objects and electrical equipment can disturb a compass reading, an effect known as deviation.",
    ],
    "Printing press": [
        "A printing press is a mechanical device that applies pressure to an inked surface resting on paper or cloth, transferring the ink to it.",
        "Around 1440, Johannes Gutenberg developed a printing system in Mainz that combined movable metal type, oil-based ink, and a wooden screw press.",
        "Printing spread rapidly across Europe, and by 1500 presses were operating in more than two hundred cities.",
        "The press made books far cheaper and more plentiful than hand-copied manuscripts.",
        "Historians link the spread of printing to changes in religion, science, and education, since identical texts could circulate widely.",
        "Earlier forms of printing existed in East Asia, including woodblock printing and movable type made of ceramic, wood, and metal.",
        "In the nineteenth century, steam-powered rotary presses enabled the mass production of newspapers.",
        "Today offset lithography and digital printing have replaced most letterpress work, though hand presses are still used by artists.",
    ],
    "Volcano": [
        "A volcano is an opening in a planet's crust through which molten rock, ash, and gases escape from below the surface.",
        "On Earth, most volcanoes occur along the boundaries of tectonic plates, where plates are pulling apart or one plate sinks beneath another.",
        "Some, such as those of Hawaii, form over hotspots far from plate boundaries.",
        "Volcanoes are often classified by shape, including broad shield volcanoes, steep stratovolcanoes, and small cinder cones.",
        "Eruptions range from gentle outpourings of lava to violent explosions that send ash high into the atmosphere.",
        "Large explosive eruptions can lower global temperatures for a year or more by injecting sulfur gases into the stratosphere.",
        "Volcanic soils are frequently fertile, which is one reason many people live near active volcanoes.",
        "Scientists monitor volcanoes by measuring earthquakes, ground deformation, and gas emissions in order to forecast eruptions.",
    ],
    "Photosynthesis": [
        "Photosynthesis is the process by which plants, algae, and some bacteria convert light energy into chemical energy stored in sugars.",
        "In plants it takes place mainly in the chloroplasts of leaf cells, which contain the green pigment chlorophyll.",
        "The overall reaction uses carbon dioxide and water and releases oxygen as a by-product.",
        "The light-dependent reactions capture energy from sunlight and split water molecules, producing oxygen, ATP, and NADPH.",
        "In the Calvin cycle, the energy carriers produced by the light reactions are used to fix carbon dioxide into organic molecules.",
        "Photosynthesis is the source of almost all the oxygen in Earth's atmosphere and of the organic matter at the base of most food chains.",
        "The rate of photosynthesis depends on light intensity, carbon dioxide concentration, temperature, and the availability of water.",
        "Some plants in hot, dry environments use specialised pathways, known as C4 and CAM photosynthesis, to reduce water loss.",
    ],
    "Coral reef": [
        "A coral reef is an underwater ecosystem built by colonies of tiny animals called coral polyps, which secrete skeletons of calcium carbonate.",
        "Most reef-building corals live in warm, shallow, clear tropical waters and depend on symbiotic algae that live inside their tissues.",
        "Although reefs cover a very small fraction of the ocean floor, they support a large share of all known marine species.",
        "Reefs protect coastlines from waves and storms and provide food and income for millions of people through fishing and tourism.",
        "Common reef types include fringing reefs, barrier reefs, and atolls.",
        "When water becomes too warm, corals may expel their algae and turn white, a phenomenon known as coral bleaching.",
        "Pollution, overfishing, and ocean acidification are further threats to reef health.",
        "The Great Barrier Reef off the coast of Queensland, Australia, is the largest coral reef system in the world.",
    ],
    "Origami": [
        "Origami is the art of folding paper into shapes and figures, usually without cutting or gluing.",
        "The word comes from Japanese, combining words meaning to fold and paper.",
        "Paper folding developed in Japan over many centuries and was used for ceremonial purposes before becoming a popular pastime.",
        "A traditional model is the crane, which many people fold in large numbers as a symbol of hope.",
        "Modern origami designers create highly complex models of insects, animals, and geometric forms, often planned with the help of mathematics.",
        "Wet-folding, a technique in which the paper is slightly dampened, allows artists to create rounded, sculptural shapes.",
        "Principles of origami have been applied in engineering, for example to fold solar panels and medical devices into compact shapes.",
    ],
    "Bicycle": [
        "A bicycle is a human-powered vehicle with two wheels attached to a frame, one behind the other, propelled by pedals.",
        "An early ancestor, the running machine built by Karl Drais in 1817, had no pedals and was pushed along with the feet.",
        "Pedals attached to the front wheel appeared in the 1860s, leading to the high-wheeled bicycles of the following decade.",
        "The safety bicycle of the 1880s, with two wheels of similar size and a chain drive to the rear wheel, established the basic shape still used today.",
        "Pneumatic tyres, introduced soon afterwards, made riding far more comfortable.",
        "Bicycles are used for transport, recreation, exercise, and sport throughout the world.",
        "Common types include road bikes, mountain bikes, hybrid bikes, and cargo bikes, and electric-assist models have become increasingly popular.",
        "Many cities have built dedicated cycle lanes and bicycle-sharing schemes to encourage cycling.",
    ],
    "Chess": [
        "Chess is a board game for two players played on a square board of sixty-four squares arranged in an eight-by-eight grid.",
        "Each player begins with sixteen pieces: one king, one queen, two rooks, two bishops, two knights, and eight pawns.",
        "The object of the game is to checkmate the opponent's king, placing it under attack with no legal way to escape.",
        "The game is believed to have developed from an Indian game called chaturanga, which spread to Persia and later to Europe.",
        "The modern rules, including the more powerful movement of the queen, took shape in southern Europe in the late fifteenth century.",
        "Competitive chess is organised by national federations and by FIDE, the international chess federation, which awards titles such as grandmaster.",
        "Computers have played a major role in the game since the 1990s, and chess engines now far exceed the strength of human players.",
        "Many variants exist, including faster time controls such as blitz and bullet, and versions with different starting positions.",
    ],
    "Fermentation": [
        "Fermentation is a metabolic process in which microorganisms such as yeasts and bacteria break down sugars in the absence of oxygen.",
        "People have used fermentation for thousands of years to make bread, beer, wine, yogurt, cheese, and many other foods.",
        "In alcoholic fermentation, yeasts convert sugars into ethanol and carbon dioxide; the gas is what makes bread dough rise.",
        "Lactic acid fermentation, carried out by certain bacteria, produces the sour taste of yogurt, sauerkraut, and kimchi.",
        "Fermentation can preserve food, because the acids or alcohol produced make it harder for spoilage organisms to grow.",
        "Louis Pasteur showed in the nineteenth century that fermentation is caused by living microorganisms.",
        "Industrial fermentation is used to produce antibiotics, enzymes, vitamins, and biofuels.",
        "Temperature, acidity, and the type of microorganism all influence the flavour and texture of fermented foods.",
    ],
    "Moon": [
        "The Moon is Earth's only natural satellite and the fifth-largest moon in the Solar System.",
        "Its average distance from Earth is about 384,400 kilometres, and its diameter is about 3,474 kilometres.",
        "The Moon is tidally locked to Earth, so the same side always faces our planet.",
        "Its phases, from new moon to full moon and back, repeat about every 29.5 days.",
        "The dark plains visible from Earth, known as maria, are ancient basaltic lava flows, while the brighter highlands are older and heavily cratered.",
        "The leading explanation for the Moon's origin is that it formed from debris after a Mars-sized body collided with the early Earth.",
        "Apollo 11 landed the first humans on the Moon in July 1969, and six crewed landings took place between 1969 and 1972.",
        "The Moon's gravity is the main cause of ocean tides on Earth.",
    ],
    "Library": [
        "A library is a collection of books and other materials, together with the services that make them available to users.",
        "Some of the earliest known libraries consisted of clay tablets kept in temples and palaces in ancient Mesopotamia.",
        "The Library of Alexandria in Egypt became one of the most famous centres of learning in the ancient world.",
        "Public libraries funded by taxes and open to everyone became widespread in many countries during the nineteenth and twentieth centuries.",
        "Libraries organise their collections with classification systems such as the Dewey Decimal Classification or the Library of Congress Classification.",
        "Modern libraries lend e-books and audiobooks, provide internet access, and offer classes and community events.",
        "Librarians help people find and evaluate information, a role that has grown more important with the spread of online sources.",
        "Many libraries also preserve rare books, manuscripts, maps, and local historical records.",
    ],
    "Tea": [
        "Tea is an aromatic beverage prepared by pouring hot or boiling water over cured or fresh leaves of Camellia sinensis, an evergreen shrub.",
        "After water, it is one of the most widely consumed drinks in the world.",
        "Tea originated in the region of southwestern China, where it was used as a medicinal drink before becoming an everyday beverage.",
        "The main types, including green, white, oolong, and black tea, differ mainly in how the leaves are processed and how much they are oxidised.",
        "Black tea is fully oxidised and has a stronger flavour, while green tea is heated soon after picking to prevent oxidation.",
        "Tea contains caffeine as well as polyphenols that contribute to its colour and taste.",
        "Major producers today include China, India, Kenya, and Sri Lanka.",
        "Customs of tea drinking vary widely, from the Japanese tea ceremony to the practice of adding milk and sugar common in Britain.",
    ],
    "Suspension bridge": [
        "A suspension bridge is a type of bridge in which the deck hangs below suspension cables supported by vertical suspenders.",
        "The main cables pass over tall towers and are anchored at each end of the bridge, usually in massive concrete blocks.",
        "This design allows very long spans, and suspension bridges hold many of the records for the longest main span.",
        "Simple suspension bridges made of rope or vines have been used in mountainous regions for centuries.",
        "Suspension bridges with iron chains and later steel wire cables were developed in the nineteenth century.",
        "The collapse of the Tacoma Narrows Bridge in 1940, caused by wind-induced oscillation, led engineers to pay closer attention to aerodynamics.",
        "Suspension bridges can be more flexible than other types, so decks are often stiffened with trusses or given an aerodynamic shape.",
        "Well-known examples include the Golden Gate Bridge in San Francisco and the Akashi Kaikyo Bridge in Japan.",
    ],
    "Sundial": [
        "A sundial is a device that tells the time of day from the position of a shadow cast by the Sun.",
        "It consists of a flat plate, called the dial, marked with hour lines, and an object called the gnomon that casts the shadow.",
        "For accurate readings, the edge of the gnomon must be parallel to the Earth's axis.",
        "Sundials show local solar time, which can differ from clock time by up to about sixteen minutes over the course of a year.",
        "This difference, called the equation of time, arises from the tilt of the Earth's axis and the shape of its orbit.",
        "Sundials were used in ancient Egypt, Babylon, Greece, and China, and they remained common until mechanical clocks became reliable.",
        "Many sundials carry mottoes about the passing of time, and they are still built as garden ornaments and public monuments.",
    ],
}

# Stub articles about invented places.
EN_VILLAGE_STUB = {
    "lead": [["{name} is a small village in {region}, about {km} kilometres {dir} of {town}.",
              "{name} is a rural village and parish in {region}, lying {km} kilometres {dir} of the market town of {town}.",
              "{name} is a hamlet on the edge of {region}, roughly {km} kilometres {dir} of {town}."],
             ["At the last census it had a population of {pop}.",
              "The parish had {pop} residents at the most recent census.",
              "Its population was recorded as {pop}."]],
    "optional": [
        "The village grew up around a crossing of the {river}, and a mill is recorded on the site as early as {year}.",
        "Its parish church, dedicated to St {saint}, dates largely from the {century} century.",
        "The local economy was historically based on {economy}, although most residents now work in {town}.",
        "{name} has a primary school, a village hall, and a public house called the {pub}.",
        "A weekly bus service connects the village with {town}.",
        "The surrounding countryside is crossed by several footpaths, including part of the {trail}.",
        "A fair has been held on the green each {month} since the {century} century.",
        "The village was largely rebuilt after a fire in {year2}, and many cottages date from that time.",
        "Traces of a Roman road have been found in fields to the {dir} of the village.",
    ],
}
EN_RIVER_STUB = {
    "lead": [["The {rname} is a river in {region} that rises on the slopes of {hill} and flows {dir} for about {length} kilometres before joining the {main} near {town}.",
              "The {rname} rises on {hill} in {region} and runs {dir} for roughly {length} kilometres to its confluence with the {main} at {town}.",
              "Rising near the summit of {hill}, the {rname} flows {dir} through {region} for some {length} kilometres and meets the {main} close to {town}."],
             ["Its catchment covers roughly {area} square kilometres of mostly {land}.",
              "The river drains about {area} square kilometres, mainly {land}.",
              "Most of its {area}-square-kilometre basin is {land}."]],
    "optional": [
        "The upper course runs through a narrow wooded valley, while the lower river meanders across a broad floodplain.",
        "Several weirs and former mill races survive along its banks.",
        "The river is known for its {fish}, and fishing rights are managed by a local angling club.",
        "Flooding in {year} damaged a number of bridges, which were later rebuilt.",
        "A long-distance footpath follows much of its course.",
        "In dry summers the upper reaches can shrink to a chain of shallow pools.",
        "Otters returned to the river in recent decades after a long absence.",
    ],
}
EN_STATION_STUB = {
    "lead": [["{name} railway station serves the town of {name} in {region}.",
              "{name} station is a railway station in the small town of {name}, {region}.",
              "The railway station at {name} serves the town and the surrounding part of {region}."],
             ["It lies on the {line}, {km} kilometres from {terminus}, and is managed by {operator}.",
              "The station is {km} kilometres down the {line} from {terminus}; {operator} runs it.",
              "Managed by {operator}, it is on the {line}, {km} kilometres from {terminus}."]],
    "optional": [
        "The station opened in {opened} and was rebuilt in {year2} after a fire destroyed the original booking hall.",
        "It has two platforms connected by a footbridge, a small ticket office, and a car park.",
        "The typical off-peak service is {trains} trains per hour in each direction.",
        "The original station building, constructed of local stone, is now used as a cafe.",
        "Passenger numbers have grown steadily since the line was electrified in {year3}.",
        "A goods yard to the {dir} of the station closed in the 1960s and is now a housing estate.",
        "Step-free access to both platforms was added in {year4}.",
    ],
}
EN_STUB_SLOTS = {
    "first": ["Ash", "Brack", "Cold", "Elm", "Fern", "Hazel", "Lang", "Nether", "Red", "Thorn", "Wick", "Yarn",
              "Bramble", "Cinder", "Harrow", "Sallow", "Tansy", "Wren", "Quill", "Otter"],
    "second": ["ford", "ley", "combe", "well", "field", "stead", "wick", "mere", "holt", "thwaite", "by", "den"],
    "region": ["the Vale of Harrowmere", "the Tansy Hills", "the Wrenfold district", "the Otterbeck valley"],
    "km": ["4", "6", "9", "12", "15", "21"], "dir": ["north", "south", "east", "west", "north-east", "south-west"],
    "town": ["Kellsworth", "Marsby", "Ashcombe", "Canterlow"], "pop": ["312", "478", "1,046", "689", "205", "1,530"],
    "river": ["River Tarrow", "River Maren", "Vell Brook", "Ellis Water"], "year": ["1086", "1270", "1342", "1590"],
    "saint": ["Michael", "Mary", "Bartholomew", "Giles", "Helen"], "century": ["thirteenth", "fourteenth", "fifteenth"],
    "economy": ["sheep farming", "weaving", "quarrying", "market gardening"],
    "pub": ["Plough", "Three Horseshoes", "Red Lion", "Drovers Arms"],
    "trail": ["Harrowmere Way", "Tansy Ridge Path", "Old Drove Road"],
    "hill": ["Cragg Fell", "Bleak Knowe", "High Pennock", "Sallow Edge"], "length": ["18", "27", "34", "52", "41"],
    "main": ["River Tarrow", "River Maren", "River Ouseley"], "area": ["96", "143", "210", "318"],
    "land": ["farmland and woodland", "upland moor", "pasture", "arable land"],
    "fish": ["brown trout", "grayling and chub", "sea trout", "barbel"],
    "line": ["Harrowmere Valley line", "Marsby branch line", "Canterlow and Wrenfold line"],
    "terminus": ["Kellsworth", "Marsby", "Canterlow"], "operator": ["Vale Rail", "Northern Counties Railway"],
    "year2": ["1894", "1911", "1967"], "year3": ["1984", "1995", "2009"], "trains": ["one", "two", "three"],
    "month": ["May", "June", "August", "September"], "opened": ["1847", "1856", "1862", "1871"],
    "year4": ["2006", "2012", "2018"],
}


# ==========================================================================
# Material: en_book (narrative and essay prose; {slots} vary names per document)
# ==========================================================================

EN_BOOK_TOPICS = {
    "lighthouse": (
        {"name": ["Elias Marr", "Jonah Pell", "Aldous Reeve", "Martin Kerr", "Samuel Voss"],
         "place": ["Skerry Head", "Gannet Rock", "the Outer Mew", "Carrick Ness"],
         "boat": ["Mary Ellen", "Good Intent", "Kittiwake"]},
        [
            "{name} had kept the light on {place} for nineteen years, and in all that time the lamp had never once gone dark.",
            "The island was little more than a hump of black rock, a cottage, a storehouse, and the white tower that rose above them like a raised finger.",
            "Each evening, half an hour before sunset, {name} climbed the one hundred and twelve steps to the lantern room.",
            "There were wicks to trim, brass to polish, and a clockwork weight to wind so that the great lens would keep turning through the night.",
            "From the gallery the sea looked endless, grey in winter and a deep, restless green in the short northern summer.",
            "Supplies came every second Thursday on the {boat}, weather permitting, and the weather rarely permitted.",
            "In the storehouse {name} kept a ledger of every ship that passed, written in a careful hand that had hardly changed since boyhood.",
            "Some nights the fog came in so thick that the beam seemed to stop a few yards from the glass, and then he would sound the horn every thirty seconds until dawn.",
            "It was on such a night, late in October, that a small boat came out of the fog with its engine coughing and a single frightened boy at the tiller.",
            "{name} waded into the freezing shallows, caught the bow, and hauled the boat up onto the shingle before the next wave could take it back.",
            "The boy had set out from the mainland to find his father's lobster pots and had lost his way when the mist closed around him.",
            "They sat in the kitchen while the stove ticked and steamed, and the boy drank sweet tea with both hands around the mug.",
            "For two days the weather held them there, and {name} found himself talking more than he had talked in years.",
            "He showed the boy how the lens was cleaned with soft cloths and spirit, and how each prism bent the light so that none of it was wasted.",
            "When the {boat} finally came, the boy stood at the stern and waved until he was only a speck against the shore.",
            "The cottage felt larger after that, and quieter, though nothing in it had changed.",
            "In spring a letter arrived in a child's uneven capitals, asking whether the light was still turning and whether he might come again.",
            "{name} wrote back that the light was always turning, and that was the whole point of it.",
            "Years later, when the lighthouse was automated and {name} left {place} for good, the first person waiting on the quay was a tall young man with a familiar face.",
            "They did not say much; they simply stood together and watched the beam sweep the darkening water, steady as a heartbeat.",
        ],
    ),
    "clockmaker": (
        {"name": ["Ada Thorne", "Hester Quill", "Nell Garrow", "Maud Fenwick", "Iris Calder"],
         "master": ["Mr. Abernathy", "Mr. Lisle", "Mr. Hallam"],
         "town": ["Ashcombe", "Lower Brinton", "Kellsworth"]},
        [
            "When {name} was fourteen, her mother apprenticed her to {master}, the clockmaker on Wellgate Street in {town}.",
            "The shop was narrow and deep, and every wall was covered with clocks that ticked slightly out of step, so that the room seemed to whisper.",
            "{master} was a thin man with ink-stained fingers and a voice so quiet that customers leaned forward to hear him.",
            "For the first month he let her touch nothing but a broom and a duster.",
            "She learned the names of things before she learned to use them: the escapement, the mainspring, the fusee, the pallet fork.",
            "At night she lay awake and recited them like a prayer, afraid she would forget.",
            "In the second month he gave her a cheap alarm clock, broken beyond any hope of profit, and told her to take it apart and put it back together.",
            "It took her nine evenings, and when she finished there were three screws left over and the clock ran backward.",
            "{master} laughed for the first time since she had known him, a dry sound like a drawer opening.",
            "Then he sat down beside her and showed her, patiently, where each of the three screws belonged.",
            "Over the years the work of her hands became finer, until she could file a tooth on a wheel no larger than a fingernail.",
            "She discovered that repairing a clock was less about force than about listening, about hearing where the rhythm faltered.",
            "Customers in {town} began to ask for {name} by name, though she was careful never to say so in front of {master}.",
            "One winter his hands began to shake, and he could no longer hold the loupe steady against his eye.",
            "He did not complain; he simply moved his stool a little closer to her bench and watched.",
            "Sometimes he would tap the table once, softly, when she was about to make a mistake, and she learned to wait for that tap.",
            "When he died, he left her the shop, his tools, and a tall case clock that had not run in living memory.",
            "It took her most of a year to restore it, working in the evenings after the shop had closed.",
            "On the night it finally struck twelve, the sound filled the narrow room, and every smaller clock seemed to fall silent to listen.",
            "She still keeps a dish of three small screws on her bench, and she has never told anyone what they are for.",
        ],
    ),
    "walking": (
        {"city": ["Edinburgh", "Lisbon", "the city", "Kyoto", "Montreal"]},
        [
            "I have come to believe that walking is the most underrated way of thinking.",
            "At a desk, a problem sits in front of me like a locked box, but on foot it begins to open of its own accord.",
            "Perhaps it is the rhythm, the steady left and right that gives the mind something to lean on.",
            "Perhaps it is simply that the eyes have something to do other than stare at the problem.",
            "Many writers and philosophers have been great walkers, and I suspect this is not a coincidence.",
            "They did not walk to arrive anywhere; they walked because the walking itself produced something.",
            "A walk in a city is different from a walk in the country, but both have their uses.",
            "In {city}, where I lived for some years, the mind is pulled outward by shop windows, fragments of conversation, the sudden smell of bread from a bakery door.",
            "In the country, it is drawn inward, and the same thought may circle for a mile before it settles.",
            "I try not to listen to anything while I walk, though I often fail.",
            "The temptation to fill every quiet minute is strong, and silence can feel at first like a kind of hunger.",
            "But after ten minutes or so the hunger fades, and what replaces it is a loose, wandering attention that notices everything and holds on to nothing.",
            "It is in that state that the best ideas seem to arrive, not as answers but as small shifts in the way a question is framed.",
            "I keep a pencil and a folded card in my coat pocket for this reason.",
            "Most of what I write on those cards turns out to be useless, but occasionally one sentence becomes the seed of a whole chapter.",
            "Walking also teaches a certain humility about distance.",
            "A place that takes ten minutes by car becomes, on foot, a small expedition with its own landmarks and weather.",
            "We learn the shape of the land through our legs in a way no map can teach.",
            "I do not think walking will solve every problem, and there are days when it solves none.",
            "Still, I have rarely returned from a long walk feeling worse than when I set out, and that is more than I can say for most things.",
        ],
    ),
    "winter_pass": (
        {"name": ["Katrin Holm", "Liesl Varga", "Anna Roux", "Mira Jelen"],
         "pass": ["the Kessel Pass", "Saddle Col", "the Grauhorn"],
         "village": ["Obermatt", "St. Aulin", "Drevno"]},
        [
            "The crossing at {pass} was said to be closed from the first snow until the thaw, but {name} had no intention of waiting until spring.",
            "Her sister in {village} was ill, and the letter that brought the news had already taken three weeks to arrive.",
            "She set out before dawn with a pack of bread, dried meat, a flask of spirit, and her father's old snowshoes.",
            "The valley was still and blue, and the only sound was the creak of the snow beneath her feet.",
            "By midmorning the path had disappeared entirely, and she followed the line of marker poles that stuck up from the drifts like the masts of buried ships.",
            "Twice she lost the poles in blowing snow and had to stand still, heart hammering, until the wind dropped enough for her to see the next one.",
            "At noon she reached the shepherd's hut halfway up the slope and found it half filled with snow that had blown in through a broken shutter.",
            "She cleared a corner, ate a little bread, and allowed herself exactly ten minutes of rest.",
            "Above the hut the climb grew steeper, and each step demanded a decision about where to place her weight.",
            "Her breath froze on the scarf across her mouth, and her eyelashes grew heavy with ice.",
            "Near the top she heard a sound like distant thunder and saw, far across the valley, a slab of snow break away and slide down in silence before the roar reached her.",
            "She waited, trembling, until the mountain was quiet again.",
            "The summit itself was nothing but a wind-scoured ridge and a cairn of stones with a wooden cross leaning out of it.",
            "She touched the cross, as travellers always did, and began the long descent into the shadow of the far side.",
            "Going down was harder than going up, for her legs had grown weak and every slip threatened to become a fall.",
            "It was full dark when she saw the lights of {village} below her, small and yellow and impossibly welcoming.",
            "A dog barked, then another, and a door opened, spilling light across the snow.",
            "Her sister was sitting up in bed when she arrived, pale but recovering, and the two of them laughed and wept at the same time.",
            "Later, people in {village} would tell the story of the woman who crossed {pass} in January, and the story would grow with each telling.",
            "{name} never corrected them, but she never tried the crossing in winter again.",
        ],
    ),
    "letters": (
        {"relative": ["grandmother", "great-aunt", "mother"]},
        [
            "I found a box of letters in my {relative}'s attic last spring, tied with faded ribbon and smelling faintly of lavender.",
            "Most were from her sister, who had emigrated as a young woman and never came home.",
            "They spanned almost fifty years, and reading them in order was like watching a life unfold in slow motion.",
            "The early letters were full of news: a new job, a rented room, a dance where someone had trodden on her toes.",
            "Later they grew shorter and more tender, as if the writer had realised how little space there was for everything that mattered.",
            "What struck me most was the handwriting, which changed over the decades from a round schoolgirl script to something thin and hurried.",
            "A letter carries the hand that made it in a way that an email never can.",
            "You can see where the writer pressed hard in anger, or where the pen ran dry and had to be shaken.",
            "You can see crossings-out, second thoughts, and the little drawings in the margin that nobody thought worth mentioning.",
            "I do not want to be sentimental about this; I send dozens of messages a day and would not give them up.",
            "But I notice that I keep none of them, and that almost none of them would be worth keeping.",
            "A letter takes time to write and time to arrive, and that delay changes what we choose to say.",
            "We write more carefully when we know our words will travel slowly and may be read more than once.",
            "We also write for a single reader, and that intimacy gives letters their particular warmth.",
            "Since finding the box I have begun writing letters again, a few each month, to friends who are surprised and, I think, pleased.",
            "My handwriting is terrible, and I have to stop and think about how to spell words that a keyboard would correct for me.",
            "Still, there is a quiet pleasure in folding the page, addressing the envelope, and walking to the post box.",
            "Some friends have written back, and I now have a small box of my own, tied with an elastic band rather than a ribbon.",
            "Perhaps one day someone will find it in an attic and wonder who we were.",
        ],
    ),
    "garden": (
        {"flower": ["foxglove", "hollyhock", "teasel"]},
        [
            "My garden is small, no larger than a good-sized room, and it faces north, which every book I own says is a mistake.",
            "When I moved in, it was a rectangle of cracked paving and a single exhausted rose.",
            "I spent the first summer doing almost nothing except watching where the light fell and where the rain collected.",
            "This turned out to be the most useful thing I have ever done in a garden.",
            "The back corner, I discovered, gets two hours of sun on summer evenings and none at all in winter.",
            "The strip along the fence stays damp for days after a shower, while the patch by the kitchen door dries out almost at once.",
            "Instead of fighting these conditions, I planted for them: ferns and hostas in the shade, herbs by the door, a climbing hydrangea on the fence.",
            "Gardening, I have learned, is mostly a matter of paying attention.",
            "It rewards the person who notices the first aphids, the first yellowing leaf, the first seedling pushing up between the stones.",
            "It punishes impatience in small and persistent ways.",
            "Every spring I plant more than the garden can hold, and every summer I am forced to admit it.",
            "There is always a plant that thrives beyond all expectation and another that sulks no matter what I do.",
            "Last year it was a {flower} that seeded itself into a crack in the path and grew taller than I am.",
            "I could not bring myself to pull it up, so for two months I stepped around it on my way to the shed.",
            "Bees visited it from morning until dusk, disappearing completely inside the flowers.",
            "A garden is never finished, which is either its greatest frustration or its greatest gift, depending on the day.",
            "On good days I think of it as a long conversation with the weather, the soil, and the creatures that share it with me.",
            "On bad days I think of slugs.",
            "Either way, I find that I cannot imagine living without one, however small.",
        ],
    ),
    "ferry": (
        {"name": ["Walter Breck", "Henrik Olde", "Amos Tally", "Piet Groen"],
         "river": ["Maren", "Tarrow", "Vell", "Ellis"],
         "town": ["Hollin Ford", "Marsby", "Canterlow"]},
        [
            "For forty years the ferry across the {river} at {town} was run by {name}, and before him by his father.",
            "It was a flat wooden boat, wide enough for a horse and cart or, later, for a single small car, pulled across on a cable strung between two posts.",
            "The fare was printed on a tin sign nailed to the landing, though {name} rarely charged children, the elderly, or anyone who looked tired.",
            "In summer the {river} was slow and brown, and the crossing took barely five minutes.",
            "In spring, when the snowmelt came down from the hills, it could take half an hour of hard work with the winch.",
            "He knew the river's moods the way other men knew the weather, and he spoke of it in much the same tone.",
            "People waiting on the far bank rang a bell hung from a post, and he would wave to show he had heard.",
            "Over the years the ferry carried doctors on night calls, brides in borrowed dresses, coffins, calves, and once a piano.",
            "The piano story was his favourite, and he told it to anyone who would listen.",
            "Halfway across, the current had caught the boat, the cable had sung like a plucked string, and the piano had slid toward the rail.",
            "He had thrown himself against it, and the owner had thrown himself against him, and together they had held it until the boat steadied.",
            "When they reached the bank, the owner had opened the lid and played a waltz right there on the landing, to steady his nerves.",
            "The bridge was built upstream when {name} was sixty-three, and within a year almost nobody used the ferry.",
            "He kept it running anyway, for the few who preferred the old way or simply liked to talk to him.",
            "In the evenings he would sit on the landing with a pipe and watch the headlights crossing the new bridge in a steady stream.",
            "He did not seem bitter, only thoughtful, as if he were working out a sum that would not quite come right.",
            "When he retired, the council sold the boat to a museum, and the bell was taken down and put in a glass case.",
            "On quiet evenings, though, some people in {town} swear they can still hear it ringing from the far bank.",
        ],
    ),
    "orchard": (
        {"name": ["Clara Webb", "Rosalind Hart", "Jess Aldridge", "Edie Marsh"],
         "orchard": ["Hollow Farm", "Coldharbour", "Lark Hill", "Wenlow Orchard"]},
        [
            "The apples at {orchard} were always picked in the last week of September, whatever the weather and whatever else was happening in the world.",
            "{name} had been coming back for the harvest every year since she was a child, first with her parents and later alone.",
            "The orchard belonged to her great-uncle, a tall, silent man who measured out his words as carefully as he measured fertiliser.",
            "There were eleven varieties, some of them so old that nobody was quite sure of their names.",
            "Her great-uncle called them by the names of the people who had planted them: Annie's tree, the Sergeant, the Long Row.",
            "Picking began at first light, when the grass was still grey with dew and the ladders left dark marks where they were dragged.",
            "The trick, she learned early, was to lift each apple and give it a slight twist; a ripe one came away at once, and an unripe one held on.",
            "By midmorning the baskets were full and the cart was groaning, and someone would always appear with a flask of tea and a tin of flapjacks.",
            "The bruised and fallen fruit went to the cider press in the barn, which smelled sweet and sour at the same time.",
            "Wasps drowsed around the press, drunk on juice, and nobody bothered to chase them away.",
            "In the afternoons the work slowed, and conversation filled the spaces between the trees.",
            "People talked about weddings and illnesses, prices and politics, and the harvest of some long-ago year when the frost came early.",
            "She liked those afternoons best, when the light turned golden and the ladders threw long shadows across the grass.",
            "When her great-uncle died, the family met to discuss whether to sell {orchard}.",
            "It was {name} who argued, surprising herself, that it should be kept.",
            "She had no idea how to run an orchard, she admitted, but she knew how to pick an apple, and that seemed a place to start.",
            "The first years were hard, and more than one crop was lost to disease or late frost.",
            "Still, every September the ladders went up, the baskets filled, and the old press in the barn began to turn.",
            "Now her own children run between the trees, and she hears herself telling them to lift and twist, lift and twist.",
        ],
    ),
    "reading": (
        {"building": ["red-brick building", "grey stone building", "converted chapel"]},
        [
            "The public library of my childhood was a {building} with a clock that had not told the correct time in living memory.",
            "Inside it smelled of floor polish, damp coats, and the peculiar dusty sweetness of old paper.",
            "I was allowed to borrow four books at a time, and choosing them was the most serious decision of my week.",
            "The librarian, a woman with silver hair and reading glasses on a chain, seemed to know every book in the building.",
            "She never told me what to read, but she had a way of leaving a book on the returns trolley where I was sure to see it.",
            "It was years before I realised that this was deliberate.",
            "Reading taught me, long before any teacher did, that other people's lives are as vivid to them as mine is to me.",
            "It taught me the pleasure of being entirely absorbed, so that the world outside the page faded to a distant hum.",
            "I read on buses, under the bedclothes with a torch, and once, disastrously, while walking into a lamppost.",
            "As an adult I read more slowly and, I hope, more carefully, though I miss the greedy hunger of those early years.",
            "I have noticed that I now reread more than I used to.",
            "A book read at twenty and again at forty is not the same book, because the reader is not the same person.",
            "Passages that once seemed dull now seem wise, and scenes that once thrilled me now seem thin.",
            "Libraries have changed too, and the one I grew up with now lends laptops and runs classes on filling in online forms.",
            "Some people lament this, but I think the librarian with the silver hair would have approved.",
            "She understood that a library is not a warehouse for books but a place where people come to find what they need.",
            "What they need changes from one generation to the next; the act of finding it does not.",
            "I still go every week, and I still feel a small thrill when I walk through the door.",
            "Four books at a time no longer seems like very many, but it remains, I think, exactly the right number.",
        ],
    ),
    "voyage": (
        {"ship": ["Albatross", "Margaret Rose", "Northern Star", "Halcyon"],
         "cook": ["Olaf", "Ruben", "Hamish", "Bartholomew"]},
        [
            "We left harbour on the {ship} on a grey morning with the tide, and by noon the land behind us was only a smudge of blue.",
            "I had never been to sea before, and for the first two days I was too ill to care where we were going.",
            "The cook, a broad man named {cook} with an anchor tattooed on each forearm, brought me dry biscuits and cold tea and told me the sickness would pass.",
            "He was right; on the third morning I woke hungry and went up on deck to find the sea transformed.",
            "The swell had lengthened into slow, glassy hills, and the {ship} rose and fell over them with an easy motion that felt almost like breathing.",
            "Flying fish broke from the waves ahead of the bow and skimmed away, their fins catching the light like sheets of mica.",
            "I spent hours at the rail, watching the water change colour with the sky, from pewter to cobalt to a green so clear it seemed lit from below.",
            "The crew went about their work with a calm efficiency that made everything look easier than it was.",
            "Each of them, I discovered, had a story about how they had come to the sea, and no two stories were alike.",
            "One had run away from a farm at fifteen, another had followed a father and grandfather, and a third simply said he had missed a train.",
            "In the evenings we gathered in the mess, where {cook} presided over a stew that changed in small ways each day but never in essence.",
            "Someone would produce a deck of cards or a battered concertina, and the talk would go on until the watch changed.",
            "On the ninth day the wind rose, and by nightfall we were running before a gale under a scrap of sail.",
            "I remember clinging to a rope in the dark while water poured across the deck, too frightened to think and too busy to be afraid.",
            "By morning the storm had blown itself out, leaving a tired crew, a split sail, and a sky scrubbed clean.",
            "We sighted land on the fourteenth day, a low line of palms above a white beach that seemed too perfect to be real.",
            "When I stepped ashore, the ground seemed to sway under my feet, and I staggered like a sailor in a cartoon.",
            "{cook} laughed and told me that the sea would stay in my legs for days, and in the rest of me for much longer.",
            "He was right about that too.",
        ],
    ),
}


# ==========================================================================
# Material: web_html (whole pages with navigation, ads and footers)
# Body blocks are ("p", text), ("h2", text) or ("ul", [items]).
# ==========================================================================

HTML_PAGES = [
    {
        "lang": "en", "site": "Crumb & Kettle", "url": "https://crumbandkettle.example.com/recipes/easy-lentil-soup/",
        "nav": ["Home", "Recipes", "Baking", "Soups", "About", "Contact"],
        "title": "Easy Lentil Soup for Cold Evenings", "byline": "By Hannah Ives, 12 January 2024",
        "body": [
            ("p", "There is something deeply comforting about a pot of soup bubbling away on a dark January evening, and this lentil soup is the one I make more than any other."),
            ("p", "It uses cheap store-cupboard ingredients, comes together in about forty minutes, and tastes even better the next day. Red lentils break down as they cook, so the soup turns thick and creamy without any cream at all."),
            ("h2", "Ingredients"),
            ("ul", ["1 tablespoon olive oil", "1 onion, finely chopped", "2 carrots, diced", "2 cloves garlic, crushed",
                    "1 teaspoon ground cumin", "200 g red lentils, rinsed", "1.2 litres vegetable stock", "Juice of half a lemon"]),
            ("h2", "Method"),
            ("p", "Warm the oil in a large pan and soften the onion and carrot for about eight minutes. Add the garlic and cumin and stir for a minute until fragrant."),
            ("p", "Tip in the lentils and stock, bring to the boil, then simmer for twenty-five minutes, stirring now and then so nothing sticks. Blend half the soup if you like a smoother texture, then stir in the lemon juice and season to taste."),
            ("p", "Serve with crusty bread and a swirl of yoghurt. The soup keeps for four days in the fridge and freezes well."),
        ],
        "comments": [("Priya", "Made this last night and the whole family loved it. I added a pinch of chilli flakes."),
                     ("Tom", "Can I use green lentils instead?"),
                     ("Hannah", "You can, Tom, but they hold their shape, so simmer a little longer and blend more.")],
        "related": ["Roasted Tomato Soup", "Five-Minute Flatbreads", "Winter Vegetable Stew"],
        "ad": "Sponsored: Save 20% on cast-iron cookware this week",
    },
    {
        "lang": "en", "site": "Riverton Gazette", "url": "https://www.rivertongazette.example.com/news/local/footbridge-reopens",
        "nav": ["News", "Local", "Sport", "Business", "Opinion", "What's On", "Obituaries"],
        "title": "Volunteers Restore Historic Mill Lane Footbridge", "byline": "By Daniel Crewe, Local Reporter | Updated 9:41 am",
        "body": [
            ("p", "A footbridge that has linked the two halves of Riverton's Mill Lane for more than a century reopened on Saturday after a six-month restoration carried out largely by volunteers."),
            ("p", "The iron bridge had been closed since last spring, when an inspection found corrosion in two of its main supports. With no money in the council budget for repairs, a group of residents formed the Friends of Mill Lane Bridge and began raising funds."),
            ("p", "\"We held cake sales, a sponsored walk, and a very long quiz night,\" said the group's chair, retired engineer Margaret Doyle. \"In the end almost four hundred households contributed something.\""),
            ("p", "Specialist contractors replaced the damaged supports, while volunteers stripped and repainted the railings in the bridge's original deep green. Local schoolchildren designed a plaque that now hangs at the eastern end."),
            ("p", "Around two hundred people gathered for the reopening, which was marked by a brass band and a ribbon cut by the bridge's oldest regular user, 94-year-old Arthur Penn."),
            ("p", "The council has said it will take over routine maintenance of the bridge from next year."),
        ],
        "related": ["Roadworks on the High Street to last until March", "Riverton FC win derby in the rain",
                    "New bakery opens in the old post office"],
        "ad": "Advertisement: Riverton Motors - 0% finance on selected models",
    },
    {
        "lang": "en", "site": "ByteShelf", "url": "https://byteshelf.example.com/guides/mechanical-keyboard-buying-guide",
        "nav": ["Reviews", "Guides", "Deals", "Laptops", "Phones", "Audio", "Newsletter"],
        "title": "What to Look for in a Mechanical Keyboard", "byline": "Guide by Priya Raman - 8 min read",
        "body": [
            ("p", "Mechanical keyboards have moved from a niche hobby to the mainstream, and there are now more options than ever. If you are shopping for your first one, here is what actually matters."),
            ("h2", "Switches"),
            ("p", "The switch under each key determines how typing feels and sounds. Linear switches move smoothly from top to bottom, tactile switches have a small bump that signals when a key registers, and clicky switches add an audible click. If you share a room with other people, they will thank you for avoiding clicky switches."),
            ("h2", "Layout"),
            ("p", "Full-size boards include a number pad, while tenkeyless and compact layouts save desk space and bring your mouse closer to your body, which can be kinder to your shoulder. Check that the layout matches your region, as key positions differ between countries."),
            ("h2", "Build and keycaps"),
            ("p", "A heavier case usually means less flex and a more solid sound. Keycaps made of PBT plastic resist the shiny wear that appears on cheaper ABS caps after months of use."),
            ("h2", "Connectivity"),
            ("p", "Wired keyboards are simple and reliable, but many wireless models now offer low latency and long battery life. Hot-swappable boards let you change switches without soldering, which is useful if you are not sure what you like yet."),
            ("p", "Whatever you choose, try to type on a few switches before buying, even if only with a cheap switch tester."),
        ],
        "related": ["The best budget monitors", "USB-C docks explained", "How we test keyboards"],
        "ad": "Deal of the day: 35% off wireless mice",
    },
    {
        "lang": "en", "site": "Slow Roads", "url": "https://slowroads.example.org/2023/09/three-days-on-a-narrowboat/",
        "nav": ["Home", "Destinations", "Walking", "By Rail", "By Water", "About Us"],
        "title": "Three Days on a Narrowboat", "byline": "Posted by Ellie & Sam on 14 September 2023",
        "body": [
            ("p", "We had never steered anything longer than a hatchback, so hiring a sixty-foot narrowboat for three days was either brave or foolish. It turned out to be a little of both."),
            ("p", "The boatyard gave us a thirty-minute lesson that covered steering, mooring, and the all-important rule: the boat goes the opposite way to the tiller. For the first hour we zigzagged gently from bank to bank, apologising to every duck we passed."),
            ("p", "By the afternoon we had found a rhythm. The canal wound through meadows and small villages at walking pace, and there was time to notice everything: herons standing in the shallows, cows watching us with mild interest, the smell of woodsmoke from other boats."),
            ("p", "Locks were the real adventure. Working a flight of six locks took us nearly two hours, but other boaters were endlessly patient and happy to help with the heavy gates."),
            ("p", "In the evenings we moored beside canal-side pubs and ate far too many chips. We slept surprisingly well in the narrow cabin, rocked by the faint movement of the water."),
            ("p", "If you want a holiday that forces you to slow down, we cannot recommend it enough. Just remember which way to push the tiller."),
        ],
        "comments": [("Gwen", "Lovely write-up! The locks were our favourite part too."),
                     ("Mark", "Which boatyard did you use? Thinking of going next spring.")],
        "related": ["A week walking the coast path", "Sleeper trains: worth it?", "Packing light for a canal holiday"],
        "ad": "Sponsored: Book your canal holiday today - limited availability",
    },
    {
        "lang": "en", "site": "The Potting Bench", "url": "https://thepottingbench.example.net/grow/tomatoes-in-containers",
        "nav": ["Grow", "Plants A-Z", "Pests & Problems", "Ask an Expert", "Shop"],
        "title": "Growing Tomatoes in Containers", "byline": "Updated 2 May 2024",
        "body": [
            ("p", "You do not need a garden to grow tomatoes. A sunny balcony, a patio, or even a wide windowsill can produce a surprising crop if you choose the right variety and container."),
            ("p", "Bush or dwarf varieties are best for small spaces, as they stay compact and do not need much support. Cherry tomatoes are especially reliable and ripen quickly."),
            ("p", "Use a pot at least thirty centimetres across with plenty of drainage holes, and fill it with good multipurpose compost. Tomatoes are hungry plants, so start feeding with a high-potash fertiliser once the first flowers appear."),
            ("p", "Water regularly and deeply. Irregular watering can cause fruit to split or develop dark patches on the base, a problem known as blossom end rot."),
            ("p", "Place the pot in the sunniest spot you have, ideally with six to eight hours of direct light a day. Turn it occasionally so that the plant grows evenly."),
            ("p", "Pick the fruit as soon as it is fully coloured, and the plant will keep producing until the first cold nights of autumn."),
        ],
        "related": ["Herbs for a shady windowsill", "Dealing with aphids naturally", "Which compost should I buy?"],
        "ad": "Advertisement: Peat-free compost, 3 bags for the price of 2",
    },
    {
        "lang": "en", "site": "Northfield University", "url": "https://www.northfield.example.edu/news/2024/students-build-rooftop-weather-station",
        "nav": ["Study", "Research", "News", "Events", "About", "Alumni", "Staff Portal"],
        "title": "Students Build Weather Station on Science Building Roof", "byline": "University News Office, 21 March 2024",
        "body": [
            ("p", "A team of second-year physics students has built and installed a working weather station on the roof of Northfield University's science building."),
            ("p", "The station measures temperature, humidity, air pressure, wind speed, and rainfall every minute and publishes the readings on a public website. The students designed the circuit boards themselves and wrote the software that collects and cleans the data."),
            ("p", "\"We wanted a project that would still be useful after we graduate,\" said team member Lena Okafor. \"Now anyone on campus can check the conditions before cycling home.\""),
            ("p", "The project was supervised by Dr. Samuel Reyes, who plans to use the data in next year's course on environmental measurement. He said the students had learned as much from the failures as from the successes, including a rain gauge that was briefly blocked by a curious pigeon."),
            ("p", "The team hopes to add an air quality sensor in the spring."),
        ],
        "related": ["Open day dates announced", "Library extends opening hours during exams", "New bursaries for first-year students"],
        "ad": None,
    },
    {
        "lang": "en", "site": "Trailhead Supply Co.", "url": "https://trailheadsupply.example.com/blogs/advice/how-to-choose-hiking-socks",
        "nav": ["Shop Men", "Shop Women", "Footwear", "Packs", "Camping", "Advice", "Sale"],
        "title": "How to Choose Hiking Socks", "byline": "Advice Team",
        "body": [
            ("p", "Ask experienced hikers what matters most for comfortable feet and many will say socks before they say boots. A good pair prevents blisters, manages sweat, and adds cushioning where you need it."),
            ("p", "Merino wool is a popular choice because it stays warm when damp, resists odour, and feels soft against the skin. Synthetic blends dry faster and are often more durable, and many socks combine the two."),
            ("p", "Cushioning ranges from light to heavy. Lightweight socks suit warm weather and short walks, while thicker socks add comfort on long days with a heavy pack. Make sure your boots still fit comfortably with the socks you plan to wear."),
            ("p", "Fit is crucial: a sock that bunches up or slips down will rub. Look for seamless toes and a snug heel pocket."),
            ("p", "Finally, carry a spare pair on longer hikes. Changing into dry socks at lunchtime can make the afternoon feel like a different walk."),
        ],
        "related": ["Breaking in new boots", "Layering for autumn walks", "Caring for waterproof jackets"],
        "ad": "Free delivery on orders over 50 - shop now",
    },
    {
        "lang": "en", "site": "Curious Minds", "url": "https://curiousminds.example.org/animals/why-do-cats-purr",
        "nav": ["Space", "Animals", "Human Body", "Technology", "Quizzes", "Subscribe"],
        "title": "Why Do Cats Purr?", "byline": "By Jonah Fielding | Animals | 5 min read",
        "body": [
            ("p", "Most people associate purring with a contented cat curled up on a lap, but the reasons cats purr are more varied than that."),
            ("p", "Purring is produced by rapid twitching of the muscles in the larynx, which makes the vocal folds separate and come together as the cat breathes in and out. The result is a low, continuous rumble."),
            ("p", "Kittens begin purring when they are only a few days old, and mothers purr while nursing. Researchers think this helps mother and kittens stay in contact."),
            ("p", "Cats also purr when they are stressed, injured, or unwell, which suggests that purring can be a way of soothing themselves. Some scientists have speculated that low-frequency vibration may even help with healing, although this has not been proven."),
            ("p", "Some cats combine a purr with a higher-pitched cry when they want food, a sound that people find hard to ignore."),
            ("p", "So the next time your cat purrs, it is probably happy, but it may also be asking for something."),
        ],
        "related": ["How do birds navigate?", "Why is the sky blue?", "Quiz: How well do you know your pets?"],
        "ad": "Advertisement: Premium cat food, try a free sample",
    },
    {
        "lang": "zh", "site": "晨光网", "url": "https://www.chenguang.example.cn/local/2024/0415/123456.html",
        "nav": ["首页", "国内", "国际", "财经", "科技", "体育", "本地", "视频"],
        "title": "社区开设“银发手机课堂” 帮助老人跨越数字鸿沟", "byline": "来源：晨光网　作者：本网记者　2024-04-15 10:32",
        "body": [
            ("p", "为了帮助老年人更好地使用智能手机，南岭市多个社区近日开设了“银发手机课堂”，吸引了不少老年居民报名参加。"),
            ("p", "课堂每周开课两次，每次一个半小时，内容包括视频通话、扫码支付、网上挂号和识别诈骗信息等。授课的志愿者大多是附近高校的大学生。"),
            ("p", "“以前孙子教我，教两遍就不耐烦了。”六十八岁的王阿姨笑着说，“这里的老师一遍一遍地讲，还给我们写了步骤卡片。”"),
            ("p", "社区工作人员介绍，课程特别重视防范电信诈骗，志愿者会结合真实案例，提醒老人不要轻易点击陌生链接，不要向陌生人转账。"),
            ("p", "据了解，第一期课程结束后，社区还将根据老人们的需求，增加手机拍照和短视频制作等内容。"),
        ],
        "related": ["南岭市新增三条公交线路", "社区食堂开业 老人吃饭更方便", "本周末天气晴好 适宜出行"],
        "ad": "推广：限时优惠，新用户首单立减",
    },
    {
        "lang": "zh", "site": "码农札记", "url": "https://manong.example.cn/posts/command-line-habits",
        "nav": ["首页", "归档", "标签", "关于"],
        "title": "用好命令行的几个小习惯", "byline": "发布于 2023-11-02 · 阅读约 4 分钟",
        "body": [
            ("p", "在终端里工作了好几年，慢慢积累了一些小习惯。它们都不复杂，但每天能省下不少时间，也能少犯一些低级错误。"),
            ("h2", "善用历史记录"),
            ("p", "按 Ctrl+R 可以搜索之前执行过的命令，比一直按上箭头翻找快得多。把常用的长命令写成别名，放进配置文件里。"),
            ("h2", "删除之前先确认"),
            ("p", "执行 rm 之前，先用 ls 看一下同样的路径会匹配到哪些文件。尤其是用了通配符的时候，多看一眼总没错。"),
            ("h2", "用管道组合小工具"),
            ("p", "grep、sort、uniq 和 wc 这几个命令组合起来，可以完成很多简单的统计工作，用不着专门写脚本。"),
            ("h2", "长任务放到后台"),
            ("p", "需要跑很久的任务，可以用 tmux 或 screen 开一个会话，即使网络断开也不会中断。"),
            ("p", "这些习惯看起来都很小，但坚持下来，效率的提升是实实在在的。欢迎在评论区分享你的经验。"),
        ],
        "comments": [("路过的猫", "Ctrl+R 真的好用，用了就回不去了。"), ("小周", "rm 之前先 ls 这条，血的教训。")],
        "related": ["Git 分支管理的一点心得", "我的 Vim 配置", "写给新人的 Shell 入门"],
        "ad": None,
    },
]

HTML_BOILERPLATE = {
    "en": {
        "cookie": "We use cookies to improve your experience and to show you relevant advertising. By continuing to browse, you agree to our use of cookies.",
        "accept": "Accept all", "manage": "Manage preferences", "search": "Search", "menu": "Menu",
        "ad_label": "Advertisement", "related": "You might also like", "comments": "Comments",
        "newsletter": "Sign up for our newsletter", "newsletter_sub": "Get the best stories delivered to your inbox every Friday.",
        "subscribe": "Subscribe", "email": "Your email address", "share": ["Share on Facebook", "Share on X", "Email this"],
        "footer_links": ["About", "Contact", "Privacy Policy", "Terms of Use", "Advertise", "Careers"],
        "rights": "All rights reserved.", "top": "Back to top", "skip": "Skip to main content", "reply": "Reply",
    },
    "zh": {
        "cookie": "本网站使用 Cookie 来改善您的浏览体验。继续浏览即表示您同意我们使用 Cookie。",
        "accept": "同意", "manage": "设置", "search": "搜索", "menu": "菜单",
        "ad_label": "广告", "related": "相关阅读", "comments": "评论",
        "newsletter": "订阅每日简报", "newsletter_sub": "每天早上把精选内容发送到您的邮箱。",
        "subscribe": "订阅", "email": "请输入邮箱地址", "share": ["分享到微信", "分享到微博", "复制链接"],
        "footer_links": ["关于我们", "联系我们", "隐私政策", "用户协议", "广告服务", "加入我们"],
        "rights": "版权所有 未经授权禁止转载", "top": "返回顶部", "skip": "跳到正文", "reply": "回复",
    },
}


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

**All text is original.** Every sentence was written for this sample and lives in `build.py`
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
- **Malformed lines** (kinds named after the dead-letter kinds in `pipelines/records.py`):
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
