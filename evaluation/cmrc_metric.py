"""CMRC 2018's official scoring (cmrc2018_evaluate.py, described in the CMRC 2018 paper), from
its published definition:

- text is lower-cased and split into segments: every Chinese character on its own, runs of
  other characters into words with NLTK's word tokenizer; for scoring, the listed punctuation
  marks are skipped without ending a run ("2008-11-12" is one segment, "20081112");
- F1 is over the longest common *contiguous* run of segments between the prediction and a
  reference, best over the references;
- EM compares prediction and reference with the listed punctuation removed, any reference counting.

One difference: the official script runs NLTK's `word_tokenize`, which first splits sentences
with the Punkt model (a download); this uses NLTK's Treebank tokenizer, the word step of
`word_tokenize`, directly. On answer-length spans the two agree. Upstream's leaderboard headline
is the mean of EM and F1; the task reports both, F1 as the headline.
"""
from __future__ import annotations

import re

from nltk.tokenize import TreebankWordTokenizer

# the official list; its "……" is two characters, so a single "…" is never skipped (as upstream)
PUNCTUATION = frozenset("-:_*^/\\~`+=，。：？！“”；’《》·、「」（）－～『』")
_HAN = re.compile(r"[\u4e00-\u9fa5]")
_WORDS = TreebankWordTokenizer()


def segments(text: str, drop_punctuation: bool = True) -> list[str]:
    out: list[str] = []
    run: list[str] = []

    def flush():
        if run:
            out.extend(_WORDS.tokenize("".join(run)))
            run.clear()

    for ch in str(text).lower().strip():
        if drop_punctuation and ch in PUNCTUATION:
            continue
        if ch in PUNCTUATION or _HAN.match(ch):
            flush()
            out.append(ch)
        else:
            run.append(ch)
    flush()
    return out


def longest_common_run(a: list[str], b: list[str]) -> int:
    """Length of the longest contiguous run of segments shared by a and b."""
    best, prev = 0, [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def f1(prediction: str, answers: list[str]) -> float:
    pred = segments(prediction)
    scores = [0.0]
    for answer in answers:
        ref = segments(answer)
        common = longest_common_run(ref, pred)
        if common:
            precision, recall = common / len(pred), common / len(ref)
            scores.append(2 * precision * recall / (precision + recall))
    return max(scores)


def _bare(text: str) -> str:
    return "".join(ch for ch in str(text).lower().strip() if ch not in PUNCTUATION)


def exact_match(prediction: str, answers: list[str]) -> float:
    pred = _bare(prediction)
    return float(any(_bare(a) == pred for a in answers))


def clean_prediction(generation: str) -> str:
    """The first line of a generation, without the spaces around it."""
    return generation.strip().split("\n", 1)[0].strip()


def process_results(doc: dict, results: list[str]) -> dict[str, float]:
    prediction = clean_prediction(results[0])
    return {"em": exact_match(prediction, doc["answers"]), "f1": f1(prediction, doc["answers"])}
