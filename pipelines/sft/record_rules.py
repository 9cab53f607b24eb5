"""Cleaning and filtering of SFT records, driven by cleaning_rules/sft.yaml (pure, no Beam).

A record is a dict: id, source, lang, instruction, input, output, history (list of
{user, assistant}), flags (list of str), category, subcategory, label_source,
source_class. The work is a chain of steps (pipelines/core/steps.py): the cleaning
(pipelines/steps/sft_clean.py), then the filters in the order of ``filters`` in the rules
(pipelines/steps/sft_filters.py: one class per rule id). Build one :class:`RecordCleaner`
per worker::

    rules = load_sft_rules("cleaning_rules/sft.yaml")
    cleaner = RecordCleaner.from_rules(rules, base_dir="cleaning_rules", sensitive=None)
    record, rejection, applied = cleaner.clean(record)

``clean`` never mutates its argument. It returns ``(cleaned record, None, applied)``
or ``(None, (rule_id, reason), applied)``; ``applied`` lists what was changed
(also appended to the record's ``flags``): ``special_tokens_removed``,
``invisible_removed``, ``html_removed``, ``template_residue_removed``,
``replaced:<id>``, ``t2s``, ``input_cleared:<rule>``, ``input_as_instruction``,
``masked:<list>``.
"""
from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Callable

import yaml

from pipelines.core.steps import Step, StepChain
from pipelines.sft.record_text import (
    CLEANING_IDS,
    TEXT_FIELDS,
    Replacement,
    SftRulesError,
    TextCleaner,
    fold,
    load_replacements,
    looks_like_code,
    near_repeat,
    only_repeats,
)
from pipelines.steps.custom import insert_custom_steps
from pipelines.steps.sft_clean import RAW, SftClean, sft_fields
from pipelines.steps.sft_filters import FILTER_IDS, FILTERS, Contaminated, LanguageMismatch, SensitiveWords
from pipelines.steps.sft_label import LazyIdentifier
from pipelines.text.langid import LangIdConfig
from pipelines.text.language import CLEANER, LangRule
from pipelines.text.sensitive import SensitiveWordFilter
from pipelines.core import yaml_files

__all__ = ["RecordCleaner", "SftRulesError", "load_sft_rules", "load_replacements", "build_sensitive_filter",
           "build_sensitive_filters", "with_absolute_paths", "looks_like_code", "only_repeats", "near_repeat", "fold",
           "Replacement", "TEXT_FIELDS", "FILTER_IDS", "CLEANING_IDS", "prepared"]


# --------------------------------------------------------------------------- loading
def load_sft_rules(path: str | os.PathLike) -> dict:
    with open(path, encoding="utf-8") as f:
        return yaml_files.load(f)


def with_absolute_paths(rules: dict, base_dir: str | os.PathLike) -> dict:
    """A copy of an SFT rules dict whose file references (replacements, taxonomy, the
    sensitive-word rule's lists_from, the benchmark files of decontamination) are absolute against base_dir: what a variant of the
    rules written elsewhere (a benchmark, a test) needs to keep pointing at the same files."""
    out = json.loads(json.dumps(rules))
    base = Path(base_dir).resolve()
    for key, default in (("replacements", None), ("taxonomy", "taxonomy.yaml")):
        if out.get(key, default):
            out[key] = str(base / out.get(key, default))
    for rule in out.get("filters") or []:
        params = rule.get("parameters") or {}
        if rule.get("id") == "sensitive_words" and params.get("lists_from"):
            params["lists_from"] = str(base / params["lists_from"])
        if rule.get("id") == Contaminated.name:
            for b in params.get("benchmarks") or []:
                b["paths"] = [p if p.startswith(("/", "$", "~")) else str(base / p) for p in b.get("paths") or []]
    return out


def build_sensitive_filter(rules: dict, base_dir: str | os.PathLike, source: str | None = None):
    """A SensitiveWordFilter built as the ``sensitive_words`` filter rule declares:
    the pretraining lists (``lists_from``), plus ``extra_lists``, with ``overrides``
    applied to every list; with ``source``, that source's ``source_allow_words`` are
    allowed in every list. Returns None when the rule is absent or disabled."""

    rule = next((r for r in rules.get("filters") or [] if r.get("id") == "sensitive_words"), None)
    if rule is None or not rule.get("enabled", True):
        return None
    params = rule.get("parameters") or {}
    base = Path(base_dir)
    lists: list[dict] = []
    src = params.get("lists_from")
    if src:
        src_path = (base / src).resolve()       # absolute: the list paths below must not resolve against base twice
        pre = load_sft_rules(src_path)
        src_dir = src_path.parent
        for d in (pre.get("sensitive_words") or {}).get("lists") or []:
            d = dict(d)
            for key in ("paths", "allow_paths"):
                if key in d:
                    d[key] = [str(p) if os.path.isabs(str(p)) else str(src_dir / p) for p in d[key]]
            lists.append(d)
    lists.extend(dict(d) for d in params.get("extra_lists") or [])
    overrides = params.get("overrides") or {}
    lists = [{**d, **overrides} for d in lists]
    extra_allow = list((params.get("source_allow_words") or {}).get(source) or []) if source else []
    if extra_allow:
        lists = [{**d, "allow_words": list(d.get("allow_words") or []) + extra_allow} for d in lists]
    return SensitiveWordFilter.from_rules(lists, base) if lists else None


def build_sensitive_filters(rules: dict, base_dir: str | os.PathLike) -> dict | None:
    """{"*": default filter, <source>: filter with that source's allow words, ...}: what
    RecordCleaner(sensitive=...) takes to apply ``source_allow_words``."""
    default = build_sensitive_filter(rules, base_dir)
    if default is None:
        return None
    rule = next(r for r in rules.get("filters") or [] if r.get("id") == "sensitive_words")
    out = {"*": default}
    for src in (rule.get("parameters") or {}).get("source_allow_words") or {}:
        out[src] = build_sensitive_filter(rules, base_dir, src)
    return out


def prepared(record: dict) -> dict:
    """A copy of a record the steps may change in place (its history turns and flags copied too)."""
    rec = dict(record)
    rec["history"] = [dict(t) for t in record.get("history") or [] if isinstance(t, dict)]
    rec["flags"] = list(record.get("flags") or [])
    return rec


class RecordCleaner:
    """The SFT steps built from the rules: cleaning, then the enabled filters in file order (then any
    custom steps the rules name). Build once per worker."""

    def __init__(self, rules: dict, base_dir: str | os.PathLike = ".", sensitive=None,
                 langid: Callable[[str], tuple[str, float]] | None = None):
        self.rules = rules
        self.base_dir = Path(base_dir)
        self.sensitive = sensitive
        for r in rules.get("filters") or []:
            if r.get("id") not in FILTERS:
                raise SftRulesError(f"unknown filter rule id {r.get('id')!r} (known: {', '.join(FILTER_IDS)})")
        for r in rules.get("cleaning") or []:
            if r.get("id") not in CLEANING_IDS:
                raise SftRulesError(f"unknown cleaning rule id {r.get('id')!r} (known: {', '.join(CLEANING_IDS)})")
        self.langid = langid or LazyIdentifier(LangIdConfig.from_rules(rules["language"]) if rules.get("language") else LangIdConfig())
        self.cleaning = SftClean(TextCleaner(rules, base_dir))
        self.filters = [self._filter(rule) for rule in rules.get("filters") or []]      # disabled ones too: explain lists them
        enabled = [f for f in self.filters if f.rule.get("enabled", True)]
        self.steps: list[Step] = insert_custom_steps([self.cleaning, *enabled], rules.get("custom_steps"))
        self.chain = StepChain(self.steps, view=sft_fields)

    def _filter(self, rule: dict) -> Step:
        cls = FILTERS[rule["id"]]
        if cls is SensitiveWords:
            return cls(rule, self.rules, self.sensitive)
        if cls is LanguageMismatch:
            return cls(rule, self.rules, self.langid)
        if cls is Contaminated:
            return cls(rule, self.rules, self.base_dir)
        return cls(rule, self.rules)

    def rows(self):
        """Every rule as `rules explain` lists it, in file order: cleaning, the filters (disabled ones
        too), then any custom steps."""
        builtin = {self.cleaning.name, *FILTERS}
        return [*self.cleaning.rows(), *(r for f in self.filters for r in f.rows()),
                *(r for s in self.steps if s.name not in builtin for r in s.rows())]

    @classmethod
    def from_rules(cls, rules: dict, base_dir: str | os.PathLike = ".", sensitive=None,
                   langid: Callable[[str], tuple[str, float]] | None = None) -> "RecordCleaner":
        return cls(rules, base_dir, sensitive=sensitive, langid=langid)

    def text_lang(self, text: str, min_score_en: float = CLEANER.en_min_score,
                  min_han_zh: float = CLEANER.zh_min_han_share, max_han_en: float = CLEANER.en_max_han_share) -> str:
        """"zh", "en", or "" (undecided: too mixed, unsure or another language):
        :data:`pipelines.text.language.CLEANER` with these thresholds, fastText loaded only if needed."""
        return LangRule(zh_min_han_share=min_han_zh, en_max_han_share=max_han_en, en_min_score=min_score_en).decide(text, self.langid)

    def clean(self, record: dict) -> tuple[dict | None, tuple[str, str] | None, list[str]]:
        rec = prepared(record)
        n_flags = len(rec["flags"])
        kept, rejected, failed = self.chain.run([rec], Counter())
        if failed:
            raise failed[0][1]
        rec.pop(RAW, None)
        applied = rec["flags"][n_flags:]
        if rejected:
            _, reject, _ = rejected[0]
            return None, (reject.rule, reject.reason), applied
        return rec, None, applied
