"""Main-text extraction from HTML pages (trafilatura), for sources of format html."""
from __future__ import annotations

from pipelines.core.steps import Reject, RuleRow, Step
from pipelines.text.html_extract import HtmlConfig, extract_main_text


class HtmlExtract(Step):
    name = "html_extracted"

    def __init__(self, config: HtmlConfig, html_sources: frozenset[str], rules: dict):
        self.config, self.html_sources, self.rules = config, html_sources, rules

    def apply(self, doc: dict):
        if doc["source"] not in self.html_sources:
            return doc
        page = doc["text"]
        doc["text"] = extract_main_text(page, self.config, doc["url"])
        doc["flags"].append("html_extracted")
        n = len(doc["text"].strip())
        if n < self.config.min_chars:
            return Reject("html_no_text", f"main-text extraction found {n} characters (< {self.config.min_chars})", text=page)
        return doc

    def rows(self):
        note = "" if self.html_sources else "no html source in the input"
        return [RuleRow("html_extracted", "html", "main text extracted from the page (trafilatura; html sources only)",
                        "rewrite", True, note, dict(self.rules)),
                RuleRow("html_no_text", "html", f"extraction shorter than html.min_chars ({self.config.min_chars}) is rejected",
                        "drop", True, note, {"min_chars": self.config.min_chars})]
