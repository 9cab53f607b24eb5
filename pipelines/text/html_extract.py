"""Main-text extraction from HTML pages with trafilatura."""
from __future__ import annotations

from dataclasses import dataclass

import trafilatura


@dataclass(frozen=True)
class HtmlConfig:
    include_tables: bool = True
    include_comments: bool = False
    favor: str = "balanced"
    min_chars: int = 20

    @classmethod
    def from_rules(cls, rules: dict) -> "HtmlConfig":
        return cls(**{k: rules[k] for k in ("include_tables", "include_comments", "favor", "min_chars")})


def extract_main_text(html: str, config: HtmlConfig, url: str | None = None) -> str:
    """The page's main text (paragraphs separated by newlines), or '' when none is found."""
    text = trafilatura.extract(
        html,
        url=url,
        include_tables=config.include_tables,
        include_comments=config.include_comments,
        favor_precision=config.favor == "precision",
        favor_recall=config.favor == "recall",
        deduplicate=False,
        with_metadata=False,
    )
    return text or ""
