"""SFT cleaning as one step: every `cleaning` rule of sft.yaml over every text field (the rules
share one pass: pipelines/sft/record_text.py); each flag it adds names the rule that changed it."""
from __future__ import annotations

from pipelines.core.steps import Hit, RuleRow, Step
from pipelines.sft.record_text import TEXT_FIELDS, TextCleaner

FLAG_RULES = {"special_tokens_removed": "special_tokens", "invisible_removed": "invisible_chars",
              "html_removed": "html_residue", "template_residue_removed": "template_residue", "t2s": "t2s"}
RAW = "_raw"            # the text fields as they came in, for the filters that judge the original


def sft_fields(rec: dict) -> dict[str, str]:
    """A record's text fields, history turns included: the view traces keep of SFT records."""
    out = {f: "" if rec.get(f) is None else str(rec.get(f)) for f in TEXT_FIELDS}
    for i, turn in enumerate(rec.get("history") or []):
        if isinstance(turn, dict):
            for role in ("user", "assistant"):
                out[f"history[{i}].{role}"] = "" if turn.get(role) is None else str(turn.get(role))
    return out


def rule_params(rules: dict, rule: dict) -> dict:
    """A rule's parameters, with `from: section.key` references replaced by what they point at."""
    params = dict(rule.get("parameters") or {})
    ref = params.get("from")
    if isinstance(ref, str):
        value = rules
        for part in ref.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        params[ref] = value
    if rule.get("id") == "replacements":
        params["replacements"] = rules.get("replacements")
    return params


class SftClean(Step):
    name = "cleaning"

    def __init__(self, cleaner: TextCleaner):
        self.cleaner = cleaner

    def apply(self, rec: dict):
        rec[RAW] = {f: ("" if rec.get(f) is None else str(rec.get(f))) for f in TEXT_FIELDS}
        flags = rec["flags"]
        flags.extend(a for a in self.cleaner.clean(rec) if a not in flags)
        return rec

    def hit(self, flag: str) -> Hit:
        return Hit("replacements" if flag.startswith("replaced:") else FLAG_RULES.get(flag, flag), "changed", flag)

    def rows(self):
        rules = self.cleaner.rules
        t2s_on = bool((rules.get("traditional_to_simplified") or {}).get("enabled"))
        rows = []
        for r in rules.get("cleaning") or []:
            note = ""
            if r.get("id") == "t2s" and not t2s_on:
                note = "traditional_to_simplified.enabled is false"
            if r.get("id") == "replacements" and not rules.get("replacements"):
                note = "no replacements file"
            rows.append(RuleRow(str(r.get("id")), "cleaning", str(r.get("description") or ""), str(r.get("action") or ""),
                                bool(r.get("enabled", True)), note, rule_params(rules, r)))
        return rows
