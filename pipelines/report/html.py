"""Page assembly: one self-contained HTML file (inline CSS and SVG; no script, font or image
from anywhere). Every piece of text that goes in passes through `esc`; SVG strings come from
pipelines.report.figures and go in as they are."""
from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

CSS = """
:root { --ink: #1d2733; --muted: #5b6776; --line: #d9dee5; --bg: #f5f7fa; --ok: #2e7d32; --bad: #c62828; --accent: #2f7ebc; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans CJK SC",
       "PingFang SC", "Microsoft YaHei", sans-serif; color: var(--ink); background: var(--bg); }
header { background: #1d2733; color: #fff; padding: 18px 28px 14px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header .sub { color: #c8d1dc; font-size: 13px; }
nav { position: sticky; top: 0; z-index: 1; background: #fff; border-bottom: 1px solid var(--line); padding: 8px 28px;
      display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 13px; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
main { max-width: 1240px; margin: 0 auto; padding: 8px 28px 40px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 20px 18px; margin: 18px 0; }
section h2 { margin: 0 0 10px; font-size: 18px; font-weight: 600; }
section h3 { margin: 16px 0 6px; font-size: 14px; font-weight: 600; }
p.note { color: var(--muted); font-size: 12.5px; margin: 4px 0 8px; }
figure { margin: 10px 0 14px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 12.5px; margin-top: 2px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0 10px; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 10px 3px 0; text-align: left; vertical-align: top; }
th { font-weight: 600; color: var(--muted); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; padding-left: 10px; }
table.facts th { text-align: left; padding-right: 18px; }
td.text { max-width: 640px; overflow-wrap: anywhere; font-size: 12.5px; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 10px; font-weight: 600; font-size: 12.5px; color: #fff; }
.badge.ok { background: var(--ok); }
.badge.bad { background: var(--bad); }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 6px 0 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 120px; }
.card .v { font-size: 20px; font-weight: 600; }
.card .k { color: var(--muted); font-size: 12px; }
.card.bad .v { color: var(--bad); }
details { margin: 6px 0; }
summary { cursor: pointer; color: var(--accent); }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 0 24px; }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 0 0 24px; }
"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def num(n, digits: int = 0) -> str:
    if n is None:
        return ""
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.{digits or 3}f}"
    return f"{int(n):,}"


def pct(x: float | None, digits: int = 1) -> str:
    return "" if x is None else f"{x:.{digits}%}"


@dataclass
class Cell:
    """A table cell: `text` is escaped; `numeric` right-aligns it; `cls` adds a class."""
    text: object
    numeric: bool = False
    cls: str = ""


def table(headers: Sequence[str], rows: Iterable[Sequence], numeric: Sequence[int] = (), cls: str = "") -> str:
    """rows of plain values (escaped) or Cell; columns listed in `numeric` are right-aligned."""
    numeric = set(numeric)
    head = "".join(f'<th class="num">{esc(h)}</th>' if i in numeric else f"<th>{esc(h)}</th>" for i, h in enumerate(headers))
    body = []
    for row in rows:
        cells = []
        for i, v in enumerate(row):
            c = v if isinstance(v, Cell) else Cell(v, i in numeric)
            classes = " ".join(x for x in ("num" if c.numeric else "", c.cls) if x)
            cells.append(f'<td class="{classes}">{esc(c.text)}</td>' if classes else f"<td>{esc(c.text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    attr = f' class="{esc(cls)}"' if cls else ""
    return f"<table{attr}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def facts(pairs: Iterable[tuple[str, object]]) -> str:
    """A two-column table of name -> value; a value that is `Raw` goes in unescaped."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{v.html if isinstance(v, Raw) else esc(v)}</td></tr>" for k, v in pairs)
    return f'<table class="facts"><tbody>{rows}</tbody></table>'


@dataclass
class Raw:
    """Markup built here (already escaped)."""
    html: str


def badge(ok: bool, yes: str = "holds", no: str = "DOES NOT HOLD") -> Raw:
    return Raw(f'<span class="badge {"ok" if ok else "bad"}">{esc(yes if ok else no)}</span>')


def cards(items: Iterable[tuple[str, object, bool]]) -> str:
    """Big numbers: (label, value, is_bad)."""
    return '<div class="cards">' + "".join(
        f'<div class="card{" bad" if bad else ""}"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
        for k, v, bad in items) + "</div>"


def figure(svg: str, caption: str = "", label: str = "") -> str:
    """An SVG from pipelines.report.figures with an escaped caption."""
    aria = f' aria-label="{esc(label or caption)}"' if (label or caption) else ""
    cap = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f'<figure class="plot" role="img"{aria}>{svg}{cap}</figure>'


def note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def details(summary: str, body: str) -> str:
    return f"<details><summary>{esc(summary)}</summary>{body}</details>"


@dataclass
class Section:
    id: str
    title: str
    parts: list = field(default_factory=list)       # markup strings, in order

    def add(self, *markup: str) -> "Section":
        self.parts.extend(markup)
        return self

    def html(self) -> str:
        return f'<section id="{esc(self.id)}"><h2>{esc(self.title)}</h2>{"".join(self.parts)}</section>'


def page(title: str, subtitle: str, sections: Sequence[Section], footer: str = "") -> str:
    nav = "".join(f'<a href="#{esc(s.id)}">{esc(s.title)}</a>' for s in sections)
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>{esc(title)}</h1><div class=\"sub\">{esc(subtitle)}</div></header>"
            f"<nav>{nav}</nav><main>{''.join(s.html() for s in sections)}</main>"
            f"<footer>{esc(footer)}</footer></body></html>\n")
