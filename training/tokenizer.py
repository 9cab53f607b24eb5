"""A byte-level BPE tokenizer for the Chinese/English corpus, and how well it covers each language.

    python -m training.tokenizer --data OUT_DIR [--data OUT_DIR2] --out TOKENIZER_DIR
        [--vocab-size 16000] [--min-frequency 2] [--held-out 0.05]

Byte-level BPE (GPT-2 style, `tokenizers` library): every text round-trips exactly and nothing is
ever unknown. There is deliberately no NFKC normalizer: it maps full-width Chinese punctuation
(，：！？（）) to ASCII, so decode(encode(x)) != x.

Chinese coverage: in byte-level BPE a Han character is 3 bytes (4 outside the BMP), and one the
merges do not cover falls back to 2-3 byte tokens. The corpus' Han characters (and CJK
punctuation) seen at least `han_min_count` times, the most frequent first and at most
`han_max_seed` of them, are seeded: the merges that build each one from its bytes come first
(highest priority), so each is always a single token. The BPE trainer runs on a view of the
corpus in which each seeded character (and each UTF-8 prefix of a seeded character) already is
one symbol, so every merge it learns (multi-character words included) applies on top of the
seeds; its symbols are then translated back to byte-level strings.

Special tokens: <s> (bos), </s> (eos), <pad>, <unk> (ids 0-3). Nothing is added around a text
by default (no BOS): the training code appends EOS itself (packing, SFT responses).

The CLI reads pipeline outputs through their manifest (training/manifest.py), holds out a share of
the documents by a hash of their id, trains on the rest, saves the tokenizer (save_pretrained)
and writes coverage.json: per language the held-out characters per token and, for Han
characters, the share split over several tokens (byte fallback).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Iterable, Iterator

from training.data import output_rows, row_text, unit_hash
from training.manifest import HandoffError, read_output

BOS, EOS, PAD, UNK = "<s>", "</s>", "<pad>", "<unk>"
SPECIAL_TOKENS = [BOS, EOS, PAD, UNK]


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte -> printable character map (what the ByteLevel pre-tokenizer uses)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F), (0x30000, 0x323AF))
_CJK_PUNCT_RANGES = ((0x3000, 0x303F), (0xFF00, 0xFFEF))


def is_han(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _HAN_RANGES)


def _is_seedable(ch: str) -> bool:
    o = ord(ch)
    return (is_han(ch) or any(lo <= o <= hi for lo, hi in _CJK_PUNCT_RANGES)) and not ch.isspace()


def count_seedable(texts: Iterable[str], counts: Counter | None = None) -> Counter:
    """Occurrences of each Han character / CJK punctuation mark in `texts`."""
    counts = Counter() if counts is None else counts
    for text in texts:
        if text:
            counts.update(ch for ch in text if ord(ch) >= 0x3000 and _is_seedable(ch))
    return counts


# The GPT-2 split of tokenizers' ByteLevel pre-tokenizer (use_regex=True).
_SPLIT_PATTERN = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"
_PUA = 0xE000   # prefix symbols of the trainer's view live in the Private Use Area


class _SeededView:
    """The trainer's view of a text: the byte-level string, except that each seeded character is one
    symbol (the character itself) and the UTF-8 prefix of another character that a seeded character
    shares is one symbol (a private-use character), which is exactly what the seed merges (applied
    first in the final tokenizer) leave of it. `translate` maps a view token back to byte-level."""

    def __init__(self, seeds: list[str]):
        from tokenizers import Regex, pre_tokenizers

        self.b2u = bytes_to_unicode()
        self.seeds = set(seeds)
        self.prefix_symbol: dict[bytes, str] = {}
        self.merges: list[tuple[str, str]] = []      # in the final tokenizer's byte-level strings
        self.translation: dict[str, str] = {}
        for ch in seeds:
            raw = ch.encode("utf-8")
            for n in range(2, len(raw) + 1):
                piece = raw[:n]
                if n < len(raw):
                    if piece in self.prefix_symbol:
                        continue
                    symbol = chr(_PUA + len(self.prefix_symbol))
                    self.prefix_symbol[piece] = symbol
                else:
                    symbol = ch
                self.merges.append((self._bl(raw[:n - 1]), self._bl(raw[n - 1:n])))
                self.translation[symbol] = self._bl(piece)
        self.symbols = sorted(self.translation)
        self.splitter = pre_tokenizers.Split(Regex(_SPLIT_PATTERN), behavior="isolated")
        self.cache: dict[str, str] = {}

    def _bl(self, raw: bytes) -> str:
        return "".join(self.b2u[b] for b in raw)

    def _char(self, ch: str) -> str:
        view = self.cache.get(ch)
        if view is None:
            raw = ch.encode("utf-8")
            if ch in self.seeds:
                view = ch
            else:
                view = self._bl(raw)
                for n in range(len(raw) - 1, 1, -1):
                    symbol = self.prefix_symbol.get(raw[:n])
                    if symbol:
                        view = symbol + self._bl(raw[n:])
                        break
            self.cache[ch] = view
        return view

    def __call__(self, text: str) -> str:
        """The pre-tokens of text in the trainer's view, joined by spaces (no view symbol is a space)."""
        char = self._char
        return " ".join("".join(char(ch) for ch in piece) for piece, _ in self.splitter.pre_tokenize_str(text))

    def translate(self, token: str) -> str:
        return "".join(self.translation.get(c, c) for c in token)


def _train(texts: Iterable[str], vocab_size: int = 16000, min_frequency: int = 2, han_min_count: int = 2,
           han_max_seed: int | None = None, char_counts: Counter | None = None):
    """(tokenizer, info): the tokenizer of train_tokenizer and what the seeding did. `texts` is read
    twice (counting, training) unless `char_counts` (count_seedable) is given: an iterator is
    materialized first."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    base_size = len(SPECIAL_TOKENS) + 256
    if vocab_size <= base_size:
        raise ValueError(f"vocab_size must be > {base_size} (special tokens + 256 bytes), got {vocab_size}")
    if char_counts is None:
        if iter(texts) is texts:
            texts = list(texts)
        char_counts = count_seedable(texts)
    cap = vocab_size // 4 if han_max_seed is None else han_max_seed
    seeds = [ch for ch, n in char_counts.most_common() if n >= han_min_count][:max(cap, 0)]
    view = _SeededView(seeds)
    while seeds and base_size + len(view.symbols) > (vocab_size + base_size) // 2:   # leave room for merges
        seeds = seeds[:len(seeds) * 3 // 4]
        view = _SeededView(seeds)

    n_texts = 0

    def viewed() -> Iterator[str]:
        nonlocal n_texts
        for text in texts:
            if text:
                n_texts += 1
                yield view(text)

    trainer_tok = Tokenizer(models.BPE())
    trainer_tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    alphabet = [view.b2u[b] for b in range(256)]
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=SPECIAL_TOKENS,
                                  initial_alphabet=alphabet + view.symbols, show_progress=False)
    trainer_tok.train_from_iterator(viewed(), trainer)
    model = json.loads(trainer_tok.to_str())["model"]
    learned = [tuple(m.split(" ", 1)) if isinstance(m, str) else tuple(m) for m in model["merges"]]

    vocab: dict[str, int] = {}
    for tok in SPECIAL_TOKENS + alphabet:
        vocab.setdefault(tok, len(vocab))
    for tok, _ in sorted(model["vocab"].items(), key=lambda kv: kv[1]):
        if tok not in SPECIAL_TOKENS:
            translated = view.translate(tok)
            if translated in vocab and tok not in alphabet:
                raise AssertionError(f"two trainer tokens translate to {translated!r}")
            vocab.setdefault(translated, len(vocab))
    merges = view.merges + [(view.translate(a), view.translate(b)) for a, b in learned]

    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS])
    hf = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=EOS, pad_token=PAD, unk_token=UNK,
                                 clean_up_tokenization_spaces=False)
    info = {"vocab_size": len(hf), "texts": n_texts, "seeded_chars": len(seeds),
            "seeded_han_chars": sum(is_han(c) for c in seeds), "seed_tokens": len(view.symbols),
            "learned_merges": len(learned), "han_min_count": han_min_count, "han_max_seed": cap}
    return hf, info


def train_tokenizer(texts: Iterable[str], vocab_size: int = 16000, min_frequency: int = 2, *,
                    han_min_count: int = 2, han_max_seed: int | None = None):
    """A byte-level BPE PreTrainedTokenizerFast trained on `texts`, with the frequent Han characters
    seeded as single tokens (see the module docstring). `texts` is read twice (a list or another
    re-iterable collection; a one-shot iterator is materialized).

    han_min_count: seed the Han characters / CJK punctuation seen at least this often;
    han_max_seed: at most this many (default vocab_size // 4)."""
    return _train(texts, vocab_size, min_frequency, han_min_count, han_max_seed)[0]


def coverage_report(tokenizer, texts_by_lang: dict[str, list[str]]) -> dict:
    """Per language: docs, chars, tokens, chars_per_token; and han_chars, han_split (Han
    characters whose bytes are spread over several tokens: byte fallback) and han_split_share."""
    report = {}
    for lang, texts in texts_by_lang.items():
        texts = [t for t in texts if t]
        chars = tokens = han = split = 0
        if texts:
            enc = tokenizer(texts, add_special_tokens=False, return_offsets_mapping=True)
            for text, ids, offsets in zip(texts, enc["input_ids"], enc["offset_mapping"]):
                chars += len(text)
                tokens += len(ids)
                covered = [0] * len(text)
                for s, e in offsets:
                    for i in range(s, e):
                        covered[i] += 1
                for ch, n in zip(text, covered):
                    if is_han(ch):
                        han += 1
                        split += n > 1
        report[lang] = {"docs": len(texts), "chars": chars, "tokens": tokens,
                        "chars_per_token": round(chars / tokens, 4) if tokens else None,
                        "han_chars": han, "han_split": split,
                        "han_split_share": round(split / han, 6) if han else None}
    return report


# --- CLI -------------------------------------------------------------------------------------

def _held_out(doc_id: str, share: float) -> bool:
    return unit_hash(f"tokenizer-held-out:{doc_id}") < share


def _guess_lang(text: str) -> str:
    han = sum(1 for ch in text if is_han(ch))
    return "zh" if han >= 0.2 * max(1, sum(1 for ch in text if not ch.isspace())) else "en"


def main(argv: list[str] | None = None) -> int:

    ap = argparse.ArgumentParser(prog="python -m training.tokenizer", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="append", required=True, help="a pipeline output folder (repeatable)")
    ap.add_argument("--out", required=True, help="where the tokenizer goes (save_pretrained)")
    ap.add_argument("--vocab-size", type=int, default=16000)
    ap.add_argument("--min-frequency", type=int, default=2)
    ap.add_argument("--held-out", type=float, default=0.05, help="share of documents (by a hash of the id) kept out for coverage.json")
    ap.add_argument("--han-min-count", type=int, default=2, help="seed Han characters seen at least this often")
    ap.add_argument("--han-max-seed", type=int, default=None, help="seed at most this many (default vocab-size / 4)")
    args = ap.parse_args(argv)
    if not 0.0 <= args.held_out < 1.0:
        ap.error("--held-out must be in [0, 1)")

    try:
        outputs = [read_output(root) for root in args.data]
    except HandoffError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2

    def documents() -> Iterator[tuple[bool, str, str]]:
        """(held out?, lang, text) of every non-empty document."""
        for output in outputs:
            for row in output_rows(output, ("lang",)):
                text = row_text(row, output.kind)
                if text:
                    yield _held_out(str(row.get("id")), args.held_out), row.get("lang") or _guess_lang(text), text

    # Pass 1: held-out texts and the character counts of the training texts; pass 2: training.
    held: dict[str, list[str]] = {}
    counts = {"train_docs": 0, "held_out_docs": 0}
    chars: Counter = Counter()
    for is_held, lang, text in documents():
        if is_held:
            held.setdefault(lang, []).append(text)
            counts["held_out_docs"] += 1
        else:
            counts["train_docs"] += 1
            count_seedable([text], chars)
    if counts["train_docs"] == 0:
        print("error: no training text in the outputs", file=sys.stderr)
        return 2
    training_texts = (text for is_held, _, text in documents() if not is_held)
    tokenizer, info = _train(training_texts, args.vocab_size, args.min_frequency, args.han_min_count,
                             args.han_max_seed, char_counts=chars)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(str(out))
    report = {"data": args.data, **counts, "held_out_share": args.held_out, **info,
              "held_out": coverage_report(tokenizer, held)}
    (out / "coverage.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"tokenizer: {out} ({info['vocab_size']} tokens, {info['seeded_han_chars']} Han characters seeded), "
          f"trained on {counts['train_docs']} documents, {counts['held_out_docs']} held out")
    for lang, r in sorted(report["held_out"].items()):
        line = f"  {lang}: {r['chars_per_token']} chars/token over {r['docs']} held-out docs"
        if r["han_chars"]:
            line += f", Han byte fallback {r['han_split']}/{r['han_chars']} ({r['han_split_share']:.2%})"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
