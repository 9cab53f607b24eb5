"""The SFT filters of sft.yaml (`filters`), one step class per rule id, in FILTERS.

Each keeps the record (perhaps with a field cleared: a flag says so) or rejects it with a reason.
A new filter is a class here and an entry in schemas/sft_rules.schema.yaml.
"""
from __future__ import annotations

import re
from pathlib import Path

from pipelines.core.steps import Hit, Reject, RuleRow, Step
from pipelines.sft.record_text import (Placeholders, SftRulesError, looks_like_code, near_repeat, only_repeats, set_text,
                                       text_slots)
from pipelines.steps.decontam import RULE, Decontaminate
from pipelines.steps.sft_clean import RAW, rule_params
from pipelines.text.chinese import HAN
from pipelines.text.contamination import ContaminationConfig, ContaminationIndex
from pipelines.text.language import CLEANER, DENSE_SCRIPT, LangRule, letter_count, script_counts

CODE_FENCE = "```"
_MD_IMAGE = re.compile(r"\A(?:\s*!\[[^\]]*\]\([^)]*\)\s*)+\Z")
MASKED = "masked:sensitive_words"


class SftFilter(Step):
    """A filter rule: `name` is its id in sft.yaml; `params` its parameters."""

    def __init__(self, rule: dict, rules: dict):
        self.rule, self.rules = rule, rules
        self.params = rule.get("parameters") or {}

    def reject(self, reason: str) -> Reject:
        return Reject(self.name, reason)

    def rows(self):
        r = self.rule
        return [RuleRow(self.name, "filter", str(r.get("description") or ""), str(r.get("action") or ""),
                        bool(r.get("enabled", True)), "", rule_params(self.rules, r))]


class SensitiveWords(SftFilter):
    name = "sensitive_words"

    def __init__(self, rule: dict, rules: dict, sensitive=None):
        super().__init__(rule, rules)
        self.sensitive = sensitive          # a filter, or {"*": filter, source: filter} (build_sensitive_filters)

    def apply(self, rec: dict):
        filt = self.sensitive
        if isinstance(filt, dict):
            filt = filt.get(rec.get("source") or "", filt.get("*"))
        if filt is None:
            return rec
        for key, text in list(text_slots(rec)):
            if not text:
                continue
            # Chinese lists on text with Han characters, English lists on all text
            # (English words appear in Chinese answers, and the reverse does not).
            for lang in (("zh", "en") if HAN.search(text) else ("en",)):
                out = filt.apply(text, lang)
                if getattr(out, "dropped_by", None):
                    return self.reject(f"{key[0]}: {out.reason}")
                if getattr(out, "masked", 0):
                    text = out.text
                    set_text(rec, key, text)
                    if MASKED not in rec["flags"]:
                        rec["flags"].append(MASKED)
        return rec

    def rows(self):
        row = super().rows()[0]
        if self.sensitive is None and row.enabled:
            row = RuleRow(row.id, row.section, row.description, row.action, row.enabled, "no word lists: skipped", row.params)
        return [row]


class _ClearsInput(SftFilter):
    flag = ""

    def clear(self, rec: dict) -> None:
        rec["input"] = ""
        if self.flag not in rec["flags"]:
            rec["flags"].append(self.flag)

    def hit(self, flag: str) -> Hit:
        return Hit(self.name, "cleared", flag)


class InvalidInput(_ClearsInput):
    name, flag = "invalid_input", "input_cleared:invalid_input"

    def __init__(self, rule: dict, rules: dict):
        super().__init__(rule, rules)
        self.placeholder = Placeholders(self.params.get("words") or [], self.params.get("bracket_placeholder_max_chars", 12))

    def apply(self, rec: dict):
        raw = rec[RAW]["input"]
        if (rec["input"] and self.placeholder(rec["input"])) or (raw.strip() and self.placeholder(raw)):
            self.clear(rec)
        return rec


class InputRepeatsInstruction(_ClearsInput):
    name, flag = "input_repeats_instruction", "input_cleared:input_repeats_instruction"

    def apply(self, rec: dict):
        p = self.params
        if rec["input"] and rec["instruction"] and near_repeat(
                rec["instruction"], rec["input"], p.get("min_dice", 0.8), p.get("min_length_ratio", 0.75)):
            self.clear(rec)
        return rec


class InvalidOutput(SftFilter):
    name = "invalid_output"

    def __init__(self, rule: dict, rules: dict):
        super().__init__(rule, rules)
        self.placeholder = Placeholders(self.params.get("words") or [], self.params.get("bracket_placeholder_max_chars", 12))

    def apply(self, rec: dict):
        out, raw = rec["output"], rec[RAW]["output"]
        if not out:
            return self.reject("empty output" + (f" (was {raw.strip()[:30]!r})" if raw.strip() else ""))
        if self.placeholder(out) or self.placeholder(raw) or _MD_IMAGE.match(out):
            return self.reject(f"placeholder output {out[:30]!r}")
        return rec


class RefusalOutput(SftFilter):
    name = "refusal_output"

    def __init__(self, rule: dict, rules: dict):
        super().__init__(rule, rules)
        try:
            self.patterns = [re.compile(p) for p in self.params.get("patterns") or []]
            self.fillers = [re.compile(p) for p in self.params.get("fillers") or []]
        except re.error as e:
            raise SftRulesError(f"refusal_output: bad pattern: {e}") from e
        self.rest_letters = self.params.get("max_rest_letters") or {"zh": 12, "en": 40}
        self.max_chars = self.params.get("max_output_chars", 200)

    def apply(self, rec: dict):
        out = rec["output"]
        if not out or len(out) > self.max_chars:
            return rec
        rest, hit = out, False
        for pat in self.patterns:
            new = pat.sub("", rest)
            if new != rest:
                hit, rest = True, new
        if not hit:
            return rec
        for pat in self.fillers:
            rest = pat.sub("", rest)
        limit = self.rest_letters.get(DENSE_SCRIPT.decide(out), self.rest_letters.get("en", 40))
        return self.reject(f"bare refusal {out[:40]!r}") if letter_count(rest) <= limit else rec


class OutputRepeatsInstruction(SftFilter):
    name = "output_repeats_instruction"

    def apply(self, rec: dict):
        p = self.params
        if rec["output"] and rec["instruction"] and only_repeats(
                rec["instruction"], rec["output"], p.get("max_new_bigram_share", 0.05), p.get("min_length_ratio", 0.8)):
            return self.reject("output repeats the instruction")
        return rec


class LengthBounds(SftFilter):
    name = "length_bounds"

    def apply(self, rec: dict):
        p = self.params
        if not rec["instruction"] and rec["input"] and p.get("input_as_instruction", True):
            rec["instruction"], rec["input"] = rec["input"], ""
            rec["flags"].append("input_as_instruction")
        checks = (("instruction", p.get("instruction_min", 1), p.get("instruction_max")),
                  ("input", 0, p.get("input_max")),
                  ("output", p.get("output_min", 1), p.get("output_max")))
        for f, lo, hi in checks:
            n = len(rec[f])
            if n < lo:
                return self.reject(f"{f}: {n} chars < {lo}")
            if hi is not None and n > hi:
                return self.reject(f"{f}: {n} chars > {hi}")
        total_max = p.get("total_max")
        if total_max is not None:
            total = sum(len(t) for _, t in text_slots(rec))
            if total > total_max:
                return self.reject(f"total: {total} chars > {total_max}")
        return rec


class LanguageMismatch(SftFilter):
    """Only a Chinese/English switch is judged; the identifier (fastText) runs only when needed."""
    name = "language_mismatch"

    def __init__(self, rule: dict, rules: dict, identify):
        super().__init__(rule, rules)
        p = self.params
        self.identify = identify
        self.exempt = tuple(str(k).lower() for k in p.get("exempt_keywords") or ())
        self.decider = LangRule(zh_min_han_share=p.get("min_han_share_zh", CLEANER.zh_min_han_share),
                                en_max_han_share=p.get("max_han_share_en", CLEANER.en_max_han_share),
                                en_min_score=p.get("min_score_en", CLEANER.en_min_score))
        self.script = LangRule(zh_min_han_share=p.get("min_han_share_zh", 0.5))     # "zh": mostly Han, no kana

    def apply_batch(self, records: list[dict]):
        # The script counts of every output and instruction at once; most records end at them.
        p = self.params
        n = len(records)
        letters, han, kana = (a.tolist() for a in script_counts([r["output"] for r in records] + [r["instruction"] for r in records]))
        min_output, min_instruction = p.get("min_output_letters", 20), p.get("min_instruction_letters", 4)

        def mostly(i):
            return self.script.by_script(letters[i], han[i], kana[i] > 0) == "zh"

        results = []
        for i, rec in enumerate(records):
            if letters[i] < min_output or CODE_FENCE in rec["output"]:
                results.append(rec)
            # When both texts are in the same script (both mostly Han, or both without Han) there is
            # nothing to decide, and the language identifier is not needed.
            elif letters[n + i] >= min_instruction and mostly(i) == mostly(n + i):
                results.append(rec)
            else:
                results.append(self._decide(rec))
        return results

    def _decide(self, rec: dict):
        p = self.params
        out, instr = rec["output"], rec["instruction"]
        if looks_like_code(out, p.get("max_code_share", 0.25)):
            return rec
        ctx = (instr + "\n" + rec["input"]).lower()
        if any(k in ctx for k in self.exempt):
            return rec
        out_lang = self.decider.decide(out, self.identify)
        if not out_lang:
            return rec
        if letter_count(instr) >= p.get("min_instruction_letters", 4):
            in_lang = self.decider.decide(instr, self.identify)
        else:
            in_lang = rec.get("lang") if rec.get("lang") in ("zh", "en") else ""
        if in_lang and in_lang != out_lang:
            # An input in the output's language (edit / rewrite this text) makes it fine.
            if rec["input"] and letter_count(rec["input"]) >= p.get("min_instruction_letters", 4) \
                    and self.decider.decide(rec["input"], self.identify) == out_lang:
                return rec
            return self.reject(f"instruction is {in_lang}, output is {out_lang}")
        return rec


def _record_text(rec: dict) -> str:
    return "\n".join(t for _, t in text_slots(rec) if t)


class Contaminated(Decontaminate, SftFilter):
    """Decontamination (pipelines/steps/decontam.py) of a record's fields, joined; its parameters
    are the pretraining rules' `decontamination` section (ngram, min_words, benchmarks), paths
    relative to the SFT rules file. The index is built when the cleaner is (once per worker)."""

    def __init__(self, rule: dict, rules: dict, base_dir: str | Path = "."):
        params = rule.get("parameters") or {}
        try:
            config = ContaminationConfig.from_rules({**params, "enabled": rule.get("enabled", True)}, base_dir)
        except ValueError as e:
            raise SftRulesError(f"filter {RULE!r}: {e}") from None
        Decontaminate.__init__(self, ContaminationIndex.cached(config) if config.enabled else None, params, _record_text)
        SftFilter.__init__(self, rule, rules)          # after: self.rules is the SFT rules dict that rows() reads

    rows = SftFilter.rows


FILTERS: dict[str, type[SftFilter]] = {cls.name: cls for cls in (
    SensitiveWords, InvalidInput, InputRepeatsInstruction, InvalidOutput, RefusalOutput, OutputRepeatsInstruction,
    LengthBounds, LanguageMismatch, Contaminated)}
FILTER_IDS = tuple(FILTERS)
