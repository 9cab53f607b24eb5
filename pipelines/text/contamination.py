"""Benchmark contamination (pure, no Beam): does a training text share a long n-gram with a
benchmark's test items?

The published practice (GPT-3's 13-gram overlap, later the Llama and Qwen reports) flags a
training document that shares an n-gram of 13 words with a test item. Words here are those of
the repetition signals (:func:`pipelines.text.quality_signals.word_hashes`): every Han character
is one word and every run of other letters or digits is one, so 13 words are 13 characters of
Chinese and 13 words of English, and text is compared case- and width-folded
(:func:`fold_words`). A test item is every string in a benchmark record (a
question, a passage, an answer choice). A string shorter than ``ngram`` words counts as a whole
when it has at least ``min_words`` words (8: a 9-word English question leaks when its 9 words
appear in a row), or ``min_han`` (10) when most of its words are Han characters: on the benchmark
corpus, 8-character answer choices (国际货币基金组织, 不知道是什么原因) matched ordinary web text.

Benchmark files are JSON lines (or one JSON array) on the local disk: the files the evaluation
tasks read. Nothing is downloaded. The index keeps one sorted array of n-gram hashes per length
and a bitmap of their top bits; a batch of texts is joined and its n-gram hashes of every length
are made one from the other, tested against the bitmap, and only the few that pass are looked up.
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import tempfile
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence

import numpy as np

from pipelines.text.quality_signals import HAN_WORD_TAG, word_hashes

_MIX = np.uint64(0x9E3779B97F4A7C15)
_BIT = np.array([1 << i for i in range(8)], dtype=np.uint8)
CACHE_VERSION = 1           # bump when the index's layout or hashing changes
_FILTER_BITS = 25          # a 4 MB bitmap by the hashes' top bits (the index's ~1.3M n-grams set ~4 % of them): small enough to stay in cache


def _compat_letters() -> re.Pattern:
    """The characters whose NFKC form holds a letter or digit they are not (full-width Ａ１,
    compatibility ideographs, ligatures, circled digits): the only NFKC changes that alter the
    words compared. Full-width punctuation, in nearly every Chinese text, is left alone."""
    chars = []
    for c in range(0x10000):
        ch = chr(c)
        if 0xD800 <= c <= 0xDFFF:
            continue
        nf = unicodedata.normalize("NFKC", ch)
        if nf != ch and any(x.isalnum() for x in nf):
            chars.append(re.escape(ch))
    return re.compile("[" + "".join(chars) + "]")


_COMPAT = _compat_letters()


def fold_words(text: str) -> str:
    """The text as its words are compared: NFKC where it changes a letter or digit (the words are
    lower-cased when they are hashed). ~10x cheaper than NFKC on every text."""
    return unicodedata.normalize("NFKC", text) if _COMPAT.search(text) else text
DEFAULT_NGRAM = 13
DEFAULT_MIN_WORDS = 8
DEFAULT_MIN_HAN = 10        # a mostly-Chinese string under `ngram` characters counts whole from this many words


class BenchmarkFileError(ValueError):
    """A benchmark file that cannot be read, or a pattern that matches none."""


@dataclass(frozen=True)
class Benchmark:
    name: str
    paths: tuple[str, ...]          # files, after globs, environment variables and ~ are expanded


@dataclass(frozen=True)
class ContaminationConfig:
    enabled: bool = False
    ngram: int = DEFAULT_NGRAM
    min_words: int = DEFAULT_MIN_WORDS
    benchmarks: tuple[Benchmark, ...] = ()
    min_han: int = DEFAULT_MIN_HAN

    @classmethod
    def from_rules(cls, rules: dict | None, base_dir: str | os.PathLike = ".") -> "ContaminationConfig":
        """The rules' `decontamination` section; patterns are relative to the rules file's folder and
        may use environment variables (``$EVAL_DATA/eval_cmmlu_zh/*.jsonl``). A pattern that matches
        no file is an error only when the section is enabled."""
        rules = rules or {}
        enabled = bool(rules.get("enabled", False))
        for key, low in (("ngram", 4), ("min_words", 1), ("min_han", 1)):
            value = rules.get(key, low)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise BenchmarkFileError(f"decontamination: {key} must be an integer >= {low}, got {value!r}")
        benchmarks = []
        for b in rules.get("benchmarks") or []:
            if not isinstance(b, dict) or not isinstance(b.get("paths"), list) or not all(isinstance(x, str) for x in b["paths"]):
                raise BenchmarkFileError(f"decontamination: each benchmark needs a name and a list of paths, got {b!r}")
            paths = []
            for pattern in b.get("paths") or []:
                expanded = os.path.expanduser(os.path.expandvars(str(pattern)))
                full = expanded if os.path.isabs(expanded) else str(Path(base_dir) / expanded)
                found = sorted(glob.glob(full))
                if not found and enabled:
                    unset = "" if expanded != str(pattern) or "$" not in str(pattern) else " (is the variable set?)"
                    raise BenchmarkFileError(f"decontamination: benchmark {b.get('name')!r}: {pattern!r} matches no file "
                                             f"(looked for {full}){unset}")
                paths.extend(found)
            benchmarks.append(Benchmark(str(b.get("name")), tuple(paths)))
        return cls(enabled=enabled, ngram=int(rules.get("ngram", DEFAULT_NGRAM)),
                   min_words=int(rules.get("min_words", DEFAULT_MIN_WORDS)), benchmarks=tuple(benchmarks),
                   min_han=int(rules.get("min_han", DEFAULT_MIN_HAN)))


def _size_and_mtime(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def ngram_keys(words: np.ndarray, n: int) -> np.ndarray:
    """A hash of every run of n consecutive words (len(words) - n + 1 of them)."""
    m = words.size - n + 1
    if m <= 0:
        return np.zeros(0, np.uint64)
    keys = np.zeros(m, np.uint64)
    with np.errstate(over="ignore"):
        for i in range(n):
            keys = keys * _MIX + words[i:i + m]
    return keys


def _strings(value) -> Iterator[str]:
    """Every string in a JSON value (nested lists and objects included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def _records(path: str) -> Iterator[tuple[int, object]]:
    """(line number, record) of a JSON-lines file, or (index, element) of a file holding one JSON array."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            array = f.read(4096).lstrip().startswith("[")
            f.seek(0)
            if array:
                yield from enumerate(json.load(f), 1)
                return
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as e:
                    raise BenchmarkFileError(f"decontamination: {path}:{number}: not a JSON record ({e.msg}, column {e.colno})") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BenchmarkFileError(f"decontamination: cannot read benchmark file {path}: {type(e).__name__}: {e}") from None


def _item_name(benchmark: str, file: str, number: int, record) -> str:
    rid = next((record[k] for k in ("id", "idx", "task_index", "qid") if isinstance(record, dict) and k in record), None)
    where = f"{file}:{number}"
    return f"{benchmark} {where}" + (f" (id {rid})" if rid is not None else "")


@dataclass(frozen=True)
class Match:
    benchmark: str
    item: str                       # "<benchmark> <file>:<line> (id ...)"
    text: str                       # the start of the test item's string that matched
    words: int = DEFAULT_NGRAM      # the length of the shared run: ngram, or a whole shorter string's


class ContaminationIndex:
    """The n-gram hashes of every test item of the configured benchmarks. The pretraining driver
    builds it once and saves it for its workers to load; the SFT cleaner builds it per worker.
    Benchmark text is compared as written: a benchmark in Traditional characters matches corpus
    text only before the pipeline's t2s, which runs first (convert such a benchmark's files)."""

    def __init__(self, config: ContaminationConfig):
        self.config = config
        self.items: list[tuple[str, str, str]] = []          # per test string: (benchmark, item name, text start)
        strings, seen = [], set()
        shortest = min(config.min_words, config.min_han)        # characters a string needs to have that many words
        for b in config.benchmarks:
            for path in b.paths:
                file = Path(path).name
                for number, record in _records(path):
                    name = _item_name(b.name, file, number, record)
                    for text in _strings(record):
                        if len(text) < shortest or text in seen:   # too short; or in several files (sample.jsonl repeats dev.jsonl)
                            continue
                        seen.add(text)
                        strings.append(fold_words(text))
                        self.items.append((b.name, name, " ".join(text.split())[:60]))
        self._by_length = self._build(strings)
        self._set_filter()

    def save(self, f: BinaryIO) -> None:
        """Writes the index (npz): a driver builds it once, and each worker loads it in a moment."""
        arrays = {f"keys_{n}": k for n, (k, _) in self._by_length.items()}
        arrays.update({f"owners_{n}": o for n, (_, o) in self._by_length.items()})
        meta = json.dumps({"items": self.items}, ensure_ascii=False)
        np.savez(f, meta=np.array(meta), seen=self._seen, **arrays)

    @classmethod
    def load(cls, config: ContaminationConfig, f: BinaryIO) -> "ContaminationIndex":
        with np.load(f, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            by_length = {int(k.removeprefix("keys_")): (z[k], z["owners_" + k.removeprefix("keys_")])
                         for k in z.files if k.startswith("keys_")}
            seen = z["seen"] if "seen" in z.files else None
        index = cls.__new__(cls)
        index.config, index.items = config, [tuple(i) for i in meta["items"]]
        index._by_length = by_length
        if seen is not None and seen.size == 1 << (_FILTER_BITS - 3):
            index._seen = seen
        else:
            index._set_filter()
        return index

    @classmethod
    def cached(cls, config: ContaminationConfig, cache_dir: str | os.PathLike | None = None) -> "ContaminationIndex":
        """The index of these benchmark files and settings, loaded from the cache when a run before
        built it (the key covers every file's path, size and modification time, and the settings),
        else built and saved there. The cache is $TIGERDATA_CACHE/contamination, by default
        ~/.cache/tigerdata/contamination; a cache that cannot be written is skipped."""
        folder = Path(cache_dir or os.environ.get("TIGERDATA_CACHE") or Path.home() / ".cache" / "tigerdata") / "contamination"
        key = hashlib.sha256(json.dumps([CACHE_VERSION, _FILTER_BITS, config.ngram, config.min_words, config.min_han,
                                         [(b.name, [(p, *_size_and_mtime(p)) for p in b.paths])
                                          for b in config.benchmarks]]).encode()).hexdigest()[:32]
        path = folder / f"{key}.npz"
        if path.is_file():
            try:
                with open(path, "rb") as f:
                    return cls.load(config, f)
            except (OSError, ValueError, KeyError):
                pass                                    # a damaged cache file: rebuilt below
        index = cls(config)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                index.save(f)
            os.replace(tmp, path)
        except OSError:
            pass
        return index

    def _set_filter(self) -> None:
        """A bitmap by the hashes' top bits: a first, cheap test that most n-grams of a text miss."""
        self._seen = np.zeros(1 << (_FILTER_BITS - 3), dtype=np.uint8)
        for keys, _ in self._by_length.values():
            top = keys >> np.uint64(64 - _FILTER_BITS)
            np.bitwise_or.at(self._seen, top >> np.uint64(3), np.left_shift(1, top & np.uint64(7)).astype(np.uint8))

    def _build(self, strings: list[str]) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """{n: (sorted n-gram hashes, the test string of each)}: every string's n-grams of `ngram`
        words, or the string whole when it is shorter (and has min_words words); all strings at once."""
        if not strings:
            return {}
        starts = np.cumsum([0] + [len(t) + 1 for t in strings[:-1]])
        words, positions = word_hashes("\n".join(strings))
        string_of = np.searchsorted(starts, positions, side="right") - 1
        count = np.bincount(string_of, minlength=len(strings))
        first_word = np.searchsorted(string_of, np.arange(len(strings)))
        n, lengths = self.config.ngram, {}
        k = ngram_keys(words, n)
        inside = np.flatnonzero(string_of[: k.size] == string_of[n - 1:])
        lengths[n] = (k[inside], string_of[inside])
        # A mostly-Chinese string needs min_han words to count whole: 8 characters are a phrase
        # (an answer choice, 国际货币基金组织), not a leak.
        han = np.bincount(string_of[(words & HAN_WORD_TAG) != 0], minlength=len(strings))
        enough = np.where(2 * han < count, self.config.min_words, max(self.config.min_words, self.config.min_han))
        short = np.flatnonzero((count >= enough) & (count < n))
        for m in np.unique(count[short]).tolist():
            these = short[count[short] == m]
            at = first_word[these]                      # each short string's one key: its m words from its start
            keys = np.zeros(at.size, np.uint64)
            with np.errstate(over="ignore"):
                for i in range(m):
                    keys = keys * _MIX + words[at + i]
            lengths[m] = (keys, these)
        out = {}
        for m, (keys, owners) in lengths.items():
            if not keys.size:                           # no string that long: nothing to look up (nor a bitmap bit)
                continue
            order = np.argsort(keys, kind="stable")
            out[m] = (keys[order], owners[order])
        return out

    def _maybe(self, k: np.ndarray) -> np.ndarray:
        """Where the bitmap says an n-gram hash may be in the index."""
        top = k >> np.uint64(64 - _FILTER_BITS)
        return np.flatnonzero(self._seen[top >> np.uint64(3)] & _BIT[top & np.uint64(7)])

    def __len__(self) -> int:
        return sum(k.size for k, _ in self._by_length.values())

    def find_many(self, texts: Sequence[str]) -> list[Match | None]:
        """The first test item each text shares an n-gram with, or None: for a whole batch at once
        (the texts joined by newlines; n-grams that would run from one text into the next are left out)."""
        out: list[Match | None] = [None] * len(texts)
        if not self._by_length or not texts:
            return out
        folded = [fold_words(t) for t in texts]
        starts = np.cumsum([0] + [len(t) + 1 for t in folded[:-1]])
        words, positions = word_hashes("\n".join(folded))
        doc = np.searchsorted(starts, positions, side="right") - 1
        first_hit = np.full(len(texts), np.iinfo(np.int64).max, np.int64)
        owner_of = np.full(len(texts), -1, np.int64)
        length_of = np.zeros(len(texts), np.int64)
        k = np.zeros(words.size, np.uint64)
        with np.errstate(over="ignore"):
            for n in range(1, max(self._by_length) + 1):        # the n-gram keys of each length from the one before
                k = k[:-1] * _MIX + words[n - 1:] if n > 1 else words.copy()
                if n not in self._by_length or not k.size:
                    continue
                keys, owners = self._by_length[n]
                cand = self._maybe(k)
                cand = cand[doc[cand] == doc[cand + n - 1]]       # n-grams inside one text
                where = np.searchsorted(keys, k[cand])
                where[where == keys.size] = 0
                found = keys[where] == k[cand]
                hit, where = cand[found], where[found]
                if not hit.size:
                    continue
                d, first = np.unique(doc[hit], return_index=True)  # hit is ascending: each text's earliest
                hit, where = hit[first], where[first]
                better = hit < first_hit[d]                        # ... over every length
                first_hit[d[better]] = hit[better]
                owner_of[d[better]] = owners[where[better]]
                length_of[d[better]] = n
        for i in np.flatnonzero(owner_of >= 0).tolist():
            benchmark, item, text = self.items[int(owner_of[i])]
            out[i] = Match(benchmark, item, text, int(length_of[i]))
        return out

    def find(self, text: str) -> Match | None:
        return self.find_many([text])[0]
