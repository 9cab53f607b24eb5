"""Normalization: invisible characters, residual HTML, special tokens, whitespace.

Chinese full-width punctuation is kept as it is (no NFKC: it would turn ，。！ into
ASCII and change the text's style).
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import partial

# Zero-width and formatting characters that render as nothing.
_INVISIBLE = [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFEFF, 0xFFA0]
_INVISIBLE += list(range(0x200B, 0x2010))   # ZWSP, ZWNJ, ZWJ, LRM, RLM
_INVISIBLE += list(range(0x202A, 0x202F))   # bidi embedding controls
_INVISIBLE += list(range(0x2060, 0x2070))   # word joiner, invisible operators, bidi isolates
_CONTROLS = [c for c in range(0x00, 0x20) if c not in (0x09, 0x0A)] + [0x7F] + list(range(0x80, 0xA0))

_DELETE_TABLE = {c: None for c in _INVISIBLE + _CONTROLS if c != 0x0D}
_DELETE_TABLE[0x0D] = "\n"            # CR (and CRLF, after collapsing) becomes a newline
_DELETE_TABLE[0x2028] = "\n"          # line separator
_DELETE_TABLE[0x2029] = "\n"          # paragraph separator

TAG = re.compile(
    r"<!--.*?-->"                                   # comments
    r"|<(?:script|style)\b[^>]*>.*?</(?:script|style)\s*>"  # script/style blocks with their content
    r"|</?[A-Za-z][A-Za-z0-9:-]{0,30}(?:\s[^<>]{0,500})?/?>",  # ordinary tags
    re.DOTALL | re.IGNORECASE,
)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Runs of whitespace but newline (incl. NBSP, U+3000) become one space. The pattern leaves a lone
# " " alone (no match), so an ordinary sentence costs a scan, not a replacement per space.
_HSPACE = re.compile(r"[^\S\n]{2,}|[^\S\n ]")
_SPACE_AROUND_NL = re.compile(r" \n ?|\n ")     # " ?\n ?" without matching every bare newline
_MANY_NL = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class NormalizeConfig:
    remove_invisible: bool = True
    strip_html: bool = True
    special_tokens: tuple[str, ...] = ()
    collapse_whitespace: bool = True

    @classmethod
    def from_rules(cls, rules: dict) -> "NormalizeConfig":
        return cls(
            remove_invisible=rules["remove_invisible"],
            strip_html=rules["strip_html"],
            special_tokens=tuple(rules["special_tokens"]),
            collapse_whitespace=rules["collapse_whitespace"],
        )

    def special_pattern(self) -> re.Pattern | None:
        if not self.special_tokens:
            return None
        # Longest first so "<|im_start|>" is not half-matched by a shorter token.
        toks = sorted(set(self.special_tokens), key=len, reverse=True)
        return re.compile("|".join(re.escape(t) for t in toks))


def remove_special(text: str, pattern: re.Pattern) -> str:
    return pattern.sub(" ", text)


def strip_html(text: str) -> str:
    if "<" not in text and "&" not in text:
        return text
    return _ENTITY.sub(lambda m: html.unescape(m.group(0)), TAG.sub(" ", text))


_ANY_DELETED = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_DELETE_TABLE)) + "]")


def remove_invisible(text: str) -> str:
    if _ANY_DELETED.search(text) is None:       # most texts: one scan in C instead of translate's per-character lookups
        return text
    return (text.replace("\r\n", "\n") if "\r" in text else text).translate(_DELETE_TABLE)


# Whitespace other than " " and "\n" (all of it is in the BMP), for a quick test before a rewrite.
_ODD_SPACE = re.compile("[" + "".join(re.escape(chr(c)) for c in range(0x10000) if chr(c).isspace() and c not in (0x20, 0x0A)) + "]")


def collapse_whitespace(text: str) -> str:
    # Substring tests (C speed) first: most texts need none of the three rewrites.
    if "  " in text or _ODD_SPACE.search(text):
        text = _HSPACE.sub(" ", text)
    if " \n" in text or "\n " in text:
        text = _SPACE_AROUND_NL.sub("\n", text)
    if "\n\n\n" in text:
        text = _MANY_NL.sub("\n\n", text)
    return text.strip()


def operations(config: NormalizeConfig) -> list[tuple[str, str | None, object]]:
    """The configured normalization, in order: (rule key, flag when it changed the text, text -> text).
    Special tokens go first (some look like tags), then HTML, then invisible characters (an entity
    such as &#8203; may have spelled one), then whitespace (no flag: nearly every text changes)."""
    ops = []
    special = config.special_pattern()
    if special is not None:
        ops.append(("special_tokens", "special_tokens_removed", partial(remove_special, pattern=special)))
    if config.strip_html:
        ops.append(("strip_html", "html_removed", strip_html))
    if config.remove_invisible:
        ops.append(("remove_invisible", "invisible_removed", remove_invisible))
    if config.collapse_whitespace:
        ops.append(("collapse_whitespace", None, collapse_whitespace))
    return ops


class Normalizer:
    """Applies the configured normalization steps; returns the text and what changed."""

    def __init__(self, config: NormalizeConfig):
        self.config = config
        self._ops = operations(config)

    def __call__(self, text: str) -> tuple[str, list[str]]:
        changed = []
        for _, flag, op in self._ops:
            new = op(text)
            if flag is not None and new != text:
                changed.append(flag)
            text = new
        return text, changed
