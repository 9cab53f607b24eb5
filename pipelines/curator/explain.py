"""`rules explain`: what each rule of a rules file does to a sample of records, as one HTML page.

    rules explain --rules cleaning_rules/sft.yaml --input FILE [--format alpaca] [--count 2000]
                  [--against OLD_RULES_DIR] [--output explain.html]

The pipeline's per-record stages run locally on the first ``count`` input lines, without
Beam and without dedupe or sampling: for SFT rules the SftProcessor (adapter -> cleaner
-> language -> taxonomy label), for pretraining rules the DocumentProcessor (html
extraction -> normalize -> t2s -> language -> quality filters -> sensitive words ->
quality model). The rules file's kind is recognised by its content (SFT: `cleaning` /
`filters` lists; pretraining: `quality` / `sources` keys), and it is validated as the
pipelines validate it (schema + `rules check`).

Input: a JSONL file (or a glob; for SFT read in ``--format``, default alpaca; for
pretraining as ``--format``, default jsonl, text in the `text` field), or a sources
file (.json / .yaml / .yml) in the format of pipelines/sft/sources.py (SFT) or
pipelines/core/sources.py (pretraining). From a sources file the lines are taken
**round-robin**: one line from each source in turn, in the order of the sources file,
until ``count`` lines are read (a source that runs out drops out), so every source and
format shows up even in a small sample. A single JSONL file's source name is its file
name, or its folder's name for part-NNNNN files (that name selects per-source settings
such as the sensitive-word rule's source_allow_words).

The page lists, for every rule (every cleaning and filter rule of sft.yaml in file
order; for pretraining every normalization step, t2s, language, each quality filter,
each sensitive-word list and the quality model), how many records it changed, cleared a
field of, or dropped; up to EXAMPLES before/after examples with the changed spans marked
(<del>/<ins>, difflib on words and single CJK characters); and the records it dropped
with their reasons. For SFT it gives the taxonomy labels of the kept records. Unparseable
lines are counted and listed (dead letters), never fatal.

Attribution. SFT: ``RecordCleaner.clean`` returns the flags of what it changed and the
rejection (rule id, reason); flags map to rule ids: special_tokens_removed ->
special_tokens, invisible_removed -> invisible_chars, html_removed -> html_residue,
template_residue_removed -> template_residue, replaced:<id> -> replacements (per-id counts
shown), t2s -> t2s, input_cleared:<rule> -> <rule> (cleared), input_as_instruction ->
length_bounds, masked:<x> -> sensitive_words; any other flag is a row of its own.
Adapter rejections (no_answer, unsupported_turn) are rows of their own too. A record
where several rules fired is shown whole under each of them. For a dropped record the
"after" is the record after the cleaning rules only (a second cleaner without filters).
Pretraining: the DocumentProcessor's flags (special_tokens_removed, html_removed,
invisible_removed -> normalize.<step>; whitespace_collapsed, measured here by comparing
with a normalizer without collapse_whitespace; html_extracted; t2s;
lang_differs_from_declared -> language, "flagged"; sensitive_masked -> the mask list(s))
and the rejection rule ids (html_no_text, empty_after_normalize, language, <filter id>,
sensitive:<list>, quality_score) as it reports them.

With ``--against OLD_DIR`` the same sample also runs through OLD_DIR/<rules file name>
(its references resolve inside OLD_DIR), and a section lists the records newly dropped,
newly kept, dropped by another rule, and changed (kept by both, text differs), each with
old vs new result and a diff, plus the hit counts per rule old vs new.
"""
from __future__ import annotations

import difflib
import html
import json
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import yaml

from pipelines.core import yaml_files
from pipelines.core.steps import RuleRow
from pipelines.pretrain.processor import DocumentProcessor, PretrainConfig
from pipelines.core.readers import RawBatch, match, plan_splits, read_split
from pipelines.core.rules import RULES_SCHEMA, SFT_RULES_SCHEMA, RulesError, load_rules
from pipelines.sft.adapters import FORMATS as SFT_FORMATS
from pipelines.sft.processor import SftProcessor, sft_config
from pipelines.sft.sources import SftSource, load_sft_sources
from pipelines.core.sources import FORMATS as PRETRAIN_FORMATS
from pipelines.core.sources import Source, SourcesError, load_sources
from pipelines.steps.language import UNDECLARED

EXAMPLES = 5             # before/after examples per rule
LISTED_DROPS = 100       # dropped records listed per rule
LISTED_BAD = 100         # bad input lines listed
LISTED_DIFFS = 100       # records listed per section of the --against comparison
CONTEXT = 160            # characters of unchanged text kept around a change
PLAIN_CHARS = 400        # characters of a field shown without a change
SPAN_CHARS = 1200        # characters of one deleted / inserted span shown
READ_BATCH = 64          # lines read from a source at a time (the sample stops early)
PROCESS_BATCH = 500      # lines handed to a processor at once
SOURCES_SUFFIXES = (".json", ".yaml", ".yml")
KINDS = ("changed", "cleared", "flagged", "dropped")


class ExplainError(Exception):
    """Unusable arguments or input: a message for the curator, exit status 2."""


# =========================================================================== data
@dataclass
class Unit:
    """One record through the per-record stages."""
    key: tuple
    id: str
    source: str
    file: str
    line: int | None
    before: dict[str, str]
    after: dict[str, str] | None = None          # kept: the output record's text fields
    partial: dict[str, str] | None = None        # dropped: the text fields when it was dropped / after cleaning
    drop: tuple[str, str] | None = None          # (rule, reason)
    hits: list[tuple[str, str, str]] = field(default_factory=list)   # (rule row id, kind, flag)
    label: str | None = None                     # SFT: category/subcategory; pretraining: lang
    label_how: str | None = None                 # SFT: label_source (cues, source_default, fallback)

    @property
    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line is not None else self.source

    def result(self) -> str:
        return f"dropped by {self.drop[0]}: {self.drop[1]}" if self.drop else "kept" + (f" ({self.label})" if self.label else "")

    def shown_after(self) -> dict[str, str] | None:
        return self.after if self.after is not None else self.partial


@dataclass
class Run:
    kind: str                       # "sft" | "pretrain"
    rules_path: Path
    rows: list[RuleRow]
    units: list[Unit]
    bad: list[dict]                 # source, file, line, kind, message
    lines: int
    seconds: float
    extra: dict = field(default_factory=dict)   # SFT: taxonomy

    def kept(self) -> list[Unit]:
        return [u for u in self.units if u.drop is None]

    def dropped(self) -> list[Unit]:
        return [u for u in self.units if u.drop is not None]

    def stats(self) -> dict[str, Counter]:
        """row id -> Counter of kinds (records, each counted once per kind) and 'hits' (records hit)."""
        out: dict[str, Counter] = defaultdict(Counter)
        for u in self.units:
            seen: dict[str, set] = defaultdict(set)
            for rid, kind, _ in u.hits:
                seen[rid].add(kind)
            if u.drop:
                seen[u.drop[0]].add("dropped")
            for rid, kinds in seen.items():
                out[rid]["hits"] += 1
                out[rid].update(kinds)
        return out

    def all_rows(self) -> list[RuleRow]:
        """The rules file's rows, then a row for every flag or rejection that maps to none of them."""
        rows, known = list(self.rows), {r.id for r in self.rows}
        for u in self.units:
            for rid in [h[0] for h in u.hits] + ([u.drop[0]] if u.drop else []):
                if rid not in known:
                    known.add(rid)
                    rows.append(RuleRow(rid, "other", "not a rule of the rules file: a flag or rejection "
                                        "reported by the pipeline under this name"))
        return rows


# =========================================================================== entry point
def explain(args) -> int:
    t0 = time.monotonic()
    try:
        page, summary = _explain(args, t0)
    except ExplainError as e:
        print(f"rules explain: {e}", file=sys.stderr)
        return 2
    output = Path(args.output)
    if output.parent and not output.parent.exists():
        output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(page, encoding="utf-8", errors="replace")     # a lone surrogate from JSON must not end the run
    print(f"{summary} in {time.monotonic() - t0:.1f} s -> {output}")
    return 0


def _explain(args, t0: float) -> tuple[str, str]:
    rules_path = Path(args.rules).resolve()
    count = int(args.count)
    if count <= 0:
        raise ExplainError("--count must be at least 1")
    kind = rules_kind(rules_path)
    old_path = None
    if args.against is not None:
        old_path = Path(args.against).resolve() / rules_path.name
        if not old_path.is_file():
            raise ExplainError(f"--against {args.against}: no {rules_path.name} in that folder")
    try:
        if kind == "sft":
            sources = sft_sources(str(args.input), args.format)
            sample = take_sample([(s.name, "jsonl", s.patterns) for s in sources], count)
            runner: Callable[[Path], Run] = lambda p: run_sft(p, sources, sample)
        else:
            sources = pretrain_sources(str(args.input), args.format)
            sample = take_sample([(s.name, s.format, s.patterns) for s in sources], count)
            runner = lambda p: run_pretrain(p, sources, sample)
        new = runner(rules_path)
        old = runner(old_path) if old_path is not None else None
    except (RulesError, SourcesError) as e:
        raise ExplainError(str(e)) from None
    except (ValueError, OSError) as e:          # a word list, the taxonomy, a replacement pattern, a file
        raise ExplainError(f"{type(e).__name__}: {e}") from None
    comparison = compare(old, new) if old is not None else None
    page = render(new, old, comparison, args, sample, time.monotonic() - t0)
    dropped = len(new.dropped())
    summary = (f"explain: read {sample.lines} lines ({len(new.units)} records): kept {len(new.kept())}, "
               f"dropped {dropped}, bad lines {len(new.bad)}")
    if comparison is not None:
        summary += (f"; against {old_path}: newly dropped {len(comparison['newly_dropped'])}, newly kept "
                    f"{len(comparison['newly_kept'])}, changed {len(comparison['changed'])}")
    return page, summary


def rules_kind(path: Path) -> str:
    try:
        data = yaml_files.load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ExplainError(f"{path}: cannot read the rules file: {e.strerror}") from None
    except yaml.YAMLError as e:
        raise ExplainError(f"{path}: YAML syntax error: {e}") from None
    if not isinstance(data, dict):
        raise ExplainError(f"{path}: expected a mapping of rules")
    if isinstance(data.get("cleaning"), list) or isinstance(data.get("filters"), list):
        return "sft"
    if "quality" in data or "sources" in data:
        return "pretrain"
    raise ExplainError(f"{path}: neither SFT rules (top-level cleaning / filters lists) nor pretraining rules "
                       f"(quality / sources keys)")


# =========================================================================== input
def _is_sources_file(spec: str) -> bool:
    return spec.lower().endswith(SOURCES_SUFFIXES)


def _single_source_name(spec: str) -> str:
    p = Path(spec)
    stem = p.name
    for suffix in (".gz", ".bz2", ".zst", ".jsonl", ".parquet", ".ndjson", ".txt"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    if re.fullmatch(r"part-\d+", stem) or not stem or any(c in stem for c in "*?["):
        stem = p.parent.name or "input"
    return stem or "input"


def _check_matches(spec: str) -> str:
    pattern = spec if "://" in spec else str(Path(spec).resolve())
    if not match(pattern):
        raise ExplainError(f"--input {spec}: no such file")
    return pattern


def sft_sources(spec: str, fmt: str | None) -> list:
    if _is_sources_file(spec):
        if not Path(spec).is_file():
            raise ExplainError(f"--input {spec}: no such sources file")
        return list(load_sft_sources(spec).sources)
    fmt = fmt or "alpaca"
    if fmt not in SFT_FORMATS:
        raise ExplainError(f"--format {fmt!r}: expected one of {', '.join(SFT_FORMATS)}")
    return [SftSource(name=_single_source_name(spec), format=fmt, patterns=(_check_matches(spec),))]


def pretrain_sources(spec: str, fmt: str | None) -> list:
    if _is_sources_file(spec):
        if not Path(spec).is_file():
            raise ExplainError(f"--input {spec}: no such sources file")
        return list(load_sources(spec).sources)
    fmt = fmt or "jsonl"
    if fmt not in PRETRAIN_FORMATS:
        raise ExplainError(f"--format {fmt!r}: expected one of {', '.join(PRETRAIN_FORMATS)} for pretraining input")
    return [Source(name=_single_source_name(spec), lang=UNDECLARED, category="input", patterns=(_check_matches(spec),),
                   format=fmt, text_field="html" if fmt == "html" else "text")]


@dataclass
class Sample:
    batches: list                  # RawBatch, grouped by source and file, in reading order
    lines: int
    errors: list[dict]             # files that broke mid-read
    per_source: Counter


def _source_items(name: str, fmt: str, patterns) -> Iterator[tuple[str, tuple | None, tuple | None]]:
    for pattern in patterns:
        for path, size in match(pattern):
            for split in plan_splits(name, fmt, path, size, 1 << 62):
                for batch in read_split(split, READ_BATCH, 4_000_000):
                    for item in batch.items:
                        yield path, item, None
                    if batch.error is not None:
                        yield path, None, batch.error


def take_sample(sources: list[tuple[str, str, tuple]], count: int) -> Sample:
    """The first `count` lines, one from each source in turn (round-robin)."""
    gens = [(name, fmt, _source_items(name, fmt, patterns)) for name, fmt, patterns in sources]
    taken: dict[tuple, list] = {}
    errors, per_source, n = [], Counter(), 0
    while gens and n < count:
        for g in list(gens):
            if n >= count:
                break
            name, fmt, it = g
            try:
                path, item, error = next(it)
            except StopIteration:
                gens.remove(g)
                continue
            n += 1
            per_source[name] += 1
            if error is not None:
                line, kind, message = error
                errors.append({"source": name, "file": path, "line": line, "kind": kind, "message": message})
            else:
                taken.setdefault((name, path, fmt), []).append(item)
    for _, _, it in gens:
        it.close()
    batches = [RawBatch(name, path, fmt, items[i:i + PROCESS_BATCH])
               for (name, path, fmt), items in taken.items() for i in range(0, len(items), PROCESS_BATCH)]
    return Sample(batches, n, errors, per_source)


def _bad_rows(dead_letters: list[dict]) -> list[dict]:
    return [{"source": d["source"], "file": d["source_file"], "line": d["source_line"], "kind": d["error_kind"],
             "message": d["error"], "raw": (d.get("raw") or b"")[:200].decode("utf-8", "replace")} for d in dead_letters]


# =========================================================================== runs, from traces
def run_sft(rules_path: Path, sources: list, sample: Sample) -> Run:
    t0 = time.monotonic()
    rules = load_rules(rules_path, SFT_RULES_SCHEMA).data
    processor = SftProcessor(sft_config(rules, rules_path.parent, {s.name: s for s in sources}), trace=True)
    units, bad, seen = [], list(sample.errors), Counter()
    for batch in sample.batches:
        out = processor.process(batch)
        bad.extend(_bad_rows(out.dead_letters))
        traced = set()
        for rec, events in out.traces:
            where = (rec.get("source_file"), rec.get("source_line"))
            key = (batch.source, *where, seen[where])
            seen[where] += 1
            unit = unit_of_trace(key, rec, events, batch.source)
            if unit.drop is None:
                unit.label, unit.label_how = f"{rec.get('category')}/{rec.get('subcategory')}", rec.get("label_source")
            else:
                traced.add((*where, unit.drop[0]))
            units.append(unit)
        for row in out.rejected:            # rejected before the steps: by the format's adapter, or too long
            where = (row["source_file"], row["source_line"])
            if (*where, row["rule"]) in traced:
                continue
            key = (row["source"], *where, seen[where])
            seen[where] += 1
            units.append(Unit(key, str(row["id"]), row["source"], row["source_file"], row["source_line"],
                              {"instruction": row.get("text_prefix") or ""}, drop=("adapter:" + row["rule"], row["reason"])))
    return Run("sft", rules_path, processor.rows(), units, bad, sample.lines, time.monotonic() - t0,
               {"taxonomy": processor.taxonomy})


def run_pretrain(rules_path: Path, sources: list, sample: Sample) -> Run:
    t0 = time.monotonic()
    rules = load_rules(rules_path, RULES_SCHEMA).data
    processor = DocumentProcessor(PretrainConfig.from_rules(rules, tuple(sources), rules_path.parent), trace=True)
    units, bad = [], list(sample.errors)
    for batch in sample.batches:
        out = processor.process(batch)
        bad.extend(_bad_rows(out.dead_letters))
        for doc, events in out.traces:
            unit = unit_of_trace((doc["source"], doc.get("source_file"), doc.get("source_line")), doc, events, doc["source"])
            unit.label = doc.get("lang")
            units.append(unit)
    units.sort(key=lambda u: (u.source, u.file, u.line or 0))
    return Run("pretrain", rules_path, processor.rows(), units, bad, sample.lines, time.monotonic() - t0)


def unit_of_trace(key: tuple, record: dict, events: list, source: str) -> Unit:
    """What the steps did to one record, from its trace: the hits of every step (a step that changed
    the text without a flag is a hit of its own name), and the rejection, if any."""
    before = events[0].before if events else {}
    hits = []
    for e in events:
        if e.hits:
            hits.extend((h.rule, h.kind, h.flag) for h in e.hits)
        elif e.after != e.before and e.reject is None:
            hits.append((e.step, "changed", e.step))
    reject = events[-1].reject if events else None
    u = Unit(key, str(record.get("id")), source, str(record.get("source_file")), record.get("source_line"), before, hits=hits)
    if reject is None:
        u.after = events[-1].after if events else before
    else:
        u.drop = (reject.rule, reject.reason)
        u.partial = events[-1].after if events[-1].after != before else None
    return u


# =========================================================================== comparison
def _same_text(a: dict | None, b: dict | None) -> bool:
    return (a or {}) == (b or {})


def compare(old: Run, new: Run) -> dict:
    olds = {u.key: u for u in old.units}
    out = {"newly_dropped": [], "newly_kept": [], "other_rule": [], "changed": [], "label_changed": []}
    for u in new.units:
        o = olds.get(u.key)
        if o is None:
            continue
        if u.drop and not o.drop:
            out["newly_dropped"].append((o, u))
        elif o.drop and not u.drop:
            out["newly_kept"].append((o, u))
        elif o.drop and u.drop:
            if o.drop[0] != u.drop[0]:
                out["other_rule"].append((o, u))
        elif not _same_text(o.after, u.after):
            out["changed"].append((o, u))
        elif o.label != u.label:
            out["label_changed"].append((o, u))
    return out


# =========================================================================== HTML
CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;color:#1d1d1f}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ccc;padding-bottom:4px}h3{font-size:15px;margin:24px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px}td,th{border:1px solid #ddd;padding:3px 8px;vertical-align:top;text-align:left}
th{background:#f4f4f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.off td{color:#999}tr.zero td.n{color:#aaa}
.rule{border:1px solid #e2e2e8;border-radius:6px;padding:4px 14px 10px;margin:14px 0}
.rec{border-left:3px solid #b9c4d6;margin:10px 0;padding:2px 10px;background:#fafbfc}
.meta{color:#555;font-size:12px}.fname{font-size:12px;color:#666;font-weight:600}
pre{white-space:pre-wrap;word-break:break-word;margin:2px 0 6px;font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,monospace}
del{background:#ffd7d5;color:#82071e;text-decoration:line-through}ins{background:#ccf2d4;color:#055d20;text-decoration:none}
.el{color:#888;font-style:italic}.why{color:#82071e}.ok{color:#055d20}.badge{font-size:11px;padding:1px 6px;border-radius:8px;background:#eee;margin-left:6px}
nav a{margin-right:12px}
"""

_TOKEN = re.compile(r"[A-Za-z0-9_]+|.", re.S)      # ASCII words; every other character (CJK, space) alone


def esc(s) -> str:
    return html.escape("" if s is None else str(s), quote=True)


def _visible(s: str) -> str:
    """A changed span, with characters that would not show made visible."""
    out = []
    whitespace_only = not s.strip()
    for ch in s:
        if ch == "\n":
            out.append("↵\n" if whitespace_only else "\n")
        elif ch == " " and whitespace_only:
            out.append("·")
        elif ch == "\t":
            out.append("→\t" if whitespace_only else "\t")
        elif unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp") or ch == "\u00a0" and whitespace_only:
            out.append(f"⟨U+{ord(ch):04X}⟩")
        else:
            out.append(ch)
    return "".join(out)


def _elide(s: str, head: bool, tail: bool, context: int = CONTEXT) -> str:
    """Unchanged text: keep `context` characters next to a change (head: a change before it; tail: after it)."""
    keep = (context if head else 0) + (context if tail else 0)
    if len(s) <= max(keep, 1) + 40:
        return esc(s)
    left = s[:context] if head else ""
    right = s[-context:] if tail else ""
    hidden = len(s) - len(left) - len(right)
    return f"{esc(left)}<span class=el>[… {hidden} unchanged chars …]</span>{esc(right)}"


def diff_html(a: str, b: str) -> str:
    """b against a: deleted spans in <del>, inserted in <ins>, long unchanged runs elided."""
    if a == b:
        return plain_html(a)
    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    p = 0
    while p < len(ta) and p < len(tb) and ta[p] == tb[p]:
        p += 1
    s = 0
    while s < len(ta) - p and s < len(tb) - p and ta[-1 - s] == tb[-1 - s]:
        s += 1
    ma, mb = ta[p:len(ta) - s], tb[p:len(tb) - s]
    ops: list[tuple[str, str, str]] = []
    if p:
        ops.append(("equal", "".join(ta[:p]), ""))
    if len(ma) * len(mb) <= 4_000_000:
        sm = difflib.SequenceMatcher(None, ma, mb, autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            ops.append((tag, "".join(ma[i1:i2]), "".join(mb[j1:j2])))
    else:
        ops.append(("replace", "".join(ma), "".join(mb)))
    if s:
        ops.append(("equal", "".join(ta[len(ta) - s:]), ""))
    same = sum(len(x) for tag, x, _ in ops if tag == "equal")
    if max(len(a), len(b)) > 1000 and same < 0.5 * max(len(a), len(b)):
        # Mostly rewritten (an HTML page -> its main text): the two texts, not a patchwork of spans.
        return (f"<del>{_span(a, 600)}</del><br><span class=el>[rewritten: {len(a)} → {len(b)} chars]</span><br>"
                f"<ins>{_span(b, 1500)}</ins>")
    parts = []
    for n, (tag, x, y) in enumerate(ops):
        if tag == "equal":
            parts.append(_elide(x, head=n > 0, tail=n < len(ops) - 1))
            continue
        if x:
            parts.append(f"<del>{_span(x)}</del>")
        if y:
            parts.append(f"<ins>{_span(y)}</ins>")
    return "".join(parts)


def _span(s: str, limit: int = SPAN_CHARS) -> str:
    """A deleted or inserted span, made visible, its middle left out when long."""
    if len(s) <= limit:
        return esc(_visible(s))
    head, tail = s[: limit * 2 // 3], s[-(limit // 3):]
    return f"{esc(_visible(head))}<span class=el>[… {len(s) - len(head) - len(tail)} chars …]</span>{esc(_visible(tail))}"


def plain_html(s: str, limit: int = PLAIN_CHARS) -> str:
    if not s:
        return "<span class=el>(empty)</span>"
    if len(s) <= limit:
        return esc(s)
    return f"{esc(s[:limit])}<span class=el>[… {len(s) - limit} more chars]</span>"


def record_html(before: dict[str, str], after: dict[str, str] | None, title: str = "") -> str:
    """All fields of a record; with `after`, each field as a diff."""
    names = list(before) + [k for k in (after or {}) if k not in before]
    rows = [f"<div class=meta>{title}</div>"] if title else []
    for name in names:
        a = before.get(name, "")
        if after is None:
            if not a:
                continue
            body = plain_html(a)
        else:
            b = after.get(name, "")
            if not a and not b:
                continue
            body = diff_html(a, b)
        rows.append(f"<div class=fname>{esc(name)}</div><pre>{body}</pre>")
    return "<div class=rec>" + "".join(rows) + "</div>"


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f} %" if d else "-"


def _anchor(rid: str) -> str:
    return "rule-" + re.sub(r"[^A-Za-z0-9_.-]", "_", rid)


def render(new: Run, old: Run | None, comparison: dict | None, args, sample: Sample, seconds: float) -> str:
    stats = new.stats()
    rows = new.all_rows()
    kinds = [k for k in KINDS if k != "flagged" or any(s["flagged"] for s in stats.values())]
    if new.kind != "sft":
        kinds = [k for k in kinds if k != "cleared"]
    n_units, kept, dropped = len(new.units), len(new.kept()), len(new.dropped())
    h: list[str] = ["<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
                    f"<title>rules explain: {esc(new.rules_path.name)}</title><style>{CSS}</style></head><body>",
                    f"<h1>What <code>{esc(new.rules_path)}</code> does to {sample.lines} input lines</h1>"]
    sampling = ("a sources file: lines taken round-robin, one from each source in turn, in the sources file's order"
                if _is_sources_file(str(args.input)) else "the first lines of the file")
    h.append("<table>")
    for k, v in (("rules", f"{new.rules_path} ({'SFT' if new.kind == 'sft' else 'pretraining'})"),
                 ("input", f"{args.input} — {sampling}"),
                 ("lines read", f"{sample.lines} (asked: {args.count}); per source: "
                                + ", ".join(f"{s} {n}" for s, n in sample.per_source.items())),
                 ("records", f"{n_units}" + (" (one line can hold several records)" if new.kind == "sft" else "")),
                 ("kept", f"{kept} ({_pct(kept, n_units)})"), ("dropped", f"{dropped} ({_pct(dropped, n_units)})"),
                 ("bad input lines", str(len(new.bad))),
                 ("against", str(old.rules_path) if old else "-"),
                 ("time", f"{seconds:.1f} s (this rules file: {new.seconds:.1f} s"
                          + (f", old: {old.seconds:.1f} s)" if old else ")")),
                 ("stages", "no dedupe and no mix/sampling: per-record stages only")):
        h.append(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>")
    h.append("</table>")
    nav = [("rules", "Rules"), ("details", "Per rule"), ("bad", "Bad input lines")]
    if new.kind == "sft":
        nav.append(("labels", "Taxonomy labels"))
    else:
        nav.append(("labels", "Languages"))
    if comparison is not None:
        nav.append(("against", "Against old rules"))
    h.append("<nav>" + "".join(f"<a href='#{a}'>{esc(t)}</a>" for a, t in nav) + "</nav>")

    # -- summary table
    h.append("<h2 id=rules>Rules</h2><p class=meta>Records each rule hit; a record is counted once per rule "
             "(changed / cleared a field / dropped). Rules in file order; rows in the “other” section are "
             "flags or rejections the pipeline reports that are no rule of the file.</p>")
    h.append("<table><tr><th>section</th><th>rule</th><th>action</th>" + "".join(f"<th>{k}</th>" for k in kinds)
             + "<th>records hit</th><th>share</th></tr>")
    for r in rows:
        s = stats.get(r.id, Counter())
        cls = "off" if not r.enabled else ("zero" if not s["hits"] else "")
        state = "" if r.enabled else "<span class=badge>disabled</span>"
        h.append(f"<tr class='{cls}' data-rule='{esc(r.id)}' data-hits='{s['hits']}' data-dropped='{s['dropped']}'>"
                 f"<td>{esc(r.section)}</td><td><a href='#{_anchor(r.id)}'>{esc(r.id)}</a>{state}</td><td>{esc(r.action)}</td>"
                 + "".join(f"<td class=n>{s[k]}</td>" for k in kinds)
                 + f"<td class=n>{s['hits']}</td><td class=n>{_pct(s['hits'], n_units)}</td></tr>")
    h.append("</table>")

    # -- per rule
    h.append("<h2 id=details>Per rule</h2>")
    by_rule: dict[str, list[Unit]] = defaultdict(list)
    drops: dict[str, list[Unit]] = defaultdict(list)
    flag_counts: dict[str, Counter] = defaultdict(Counter)
    for u in new.units:
        seen = set()
        for rid, _, flag in u.hits:
            if rid not in seen:
                seen.add(rid)
                by_rule[rid].append(u)
            flag_counts[rid][flag] += 1
        if u.drop:
            drops[u.drop[0]].append(u)
    for r in rows:
        s = stats.get(r.id, Counter())
        h.append(f"<div class=rule id='{_anchor(r.id)}'><h3>{esc(r.id)}"
                 + ("" if r.enabled else "<span class=badge>disabled</span>") + "</h3>")
        if r.description:
            h.append(f"<p>{esc(r.description)}</p>")
        if r.note:
            h.append(f"<p class=meta>note: {esc(r.note)}</p>")
        h.append("<p>" + ", ".join(f"{k} <b>{s[k]}</b>" for k in kinds) + f" — records hit <b>{s['hits']}</b></p>")
        if len(flag_counts[r.id]) > 1 or any(f != r.id and not f.endswith("_removed") for f in flag_counts[r.id]):
            h.append("<p class=meta>flags: " + ", ".join(f"{esc(f)} {n}" for f, n in flag_counts[r.id].most_common()) + "</p>")
        examples = pick_examples([u for u in by_rule.get(r.id, []) if u.shown_after() is not None])
        if examples:
            h.append(f"<p class=meta>{len(examples)} example(s), before → after"
                     + (" (a dropped record: after the cleaning rules)" if any(u.after is None for u in examples) else "")
                     + ":</p>")
            for u in examples:
                h.append(record_html(u.before, u.shown_after(), _unit_title(u)))
        dl = drops.get(r.id, [])
        if dl:
            h.append(f"<p>dropped ({len(dl)}):</p><table><tr><th>id</th><th>where</th><th>reason</th><th>text</th></tr>")
            for u in dl[:LISTED_DROPS]:
                first = next((t for t in u.before.values() if t), "")
                h.append(f"<tr data-dropped-id='{esc(u.id)}'><td>{esc(u.id)}</td><td>{esc(u.where)}</td>"
                         f"<td class=why>{esc(u.drop[1])}</td><td>{plain_html(first, 120)}</td></tr>")
            h.append("</table>")
            if len(dl) > LISTED_DROPS:
                h.append(f"<p class=meta>… and {len(dl) - LISTED_DROPS} more</p>")
            for u in dl[:min(EXAMPLES, 2)]:
                h.append(record_html(u.before, u.partial, _unit_title(u)))
        h.append("</div>")

    # -- bad lines
    h.append(f"<h2 id=bad>Bad input lines ({len(new.bad)})</h2>")
    if new.bad:
        kinds_bad = Counter(b["kind"] for b in new.bad)
        h.append("<p>" + ", ".join(f"{esc(k)} {n}" for k, n in kinds_bad.most_common()) + "</p>")
        h.append("<table><tr><th>where</th><th>kind</th><th>message</th><th>line</th></tr>")
        for b in new.bad[:LISTED_BAD]:
            h.append(f"<tr><td>{esc(b['source'])}:{esc(b['line'])}</td><td>{esc(b['kind'])}</td><td>{esc(b['message'])}</td>"
                     f"<td><pre>{plain_html(b.get('raw') or '', 160)}</pre></td></tr>")
        h.append("</table>")
    else:
        h.append("<p>none</p>")

    # -- labels
    h.extend(_labels_html(new))

    # -- against
    if comparison is not None and old is not None:
        h.extend(_against_html(old, new, comparison, kinds))
    h.append("</body></html>")
    return "\n".join(h)


def pick_examples(units: list[Unit], n: int = EXAMPLES) -> list[Unit]:
    """Up to n units, kept records first, spread over the sources (one per source in turn)."""
    queues: dict[str, list[Unit]] = defaultdict(list)
    for u in sorted(units, key=lambda u: u.after is None):
        queues[u.source].append(u)
    order = sorted(queues, key=lambda s: queues[s][0].after is None)
    out: list[Unit] = []
    while len(out) < n and any(queues.values()):
        for s in order:
            if queues[s] and len(out) < n:
                out.append(queues[s].pop(0))
    return out


def _unit_title(u: Unit) -> str:
    rules = sorted({rid for rid, _, _ in u.hits})
    return (f"<b>{esc(u.id)}</b> · {esc(u.where)} · "
            + (f"<span class=why>{esc(u.result())}</span>" if u.drop else f"<span class=ok>{esc(u.result())}</span>")
            + (f" · rules that changed it: {esc(', '.join(rules))}" if rules else ""))


def _labels_html(run: Run) -> list[str]:
    kept = run.kept()
    if run.kind != "sft":
        langs = Counter(u.label or "unknown" for u in kept)
        out = [f"<h2 id=labels>Languages of the kept documents ({len(kept)})</h2><table><tr><th>lang</th><th>kept</th><th>share</th></tr>"]
        out += [f"<tr><td>{esc(k)}</td><td class=n>{n}</td><td class=n>{_pct(n, len(kept))}</td></tr>" for k, n in langs.most_common()]
        return out + ["</table>"]
    tax = run.extra["taxonomy"]
    cats, subs = Counter(), Counter()
    how = Counter(u.label_how or "?" for u in kept)
    for u in kept:
        c, _, sc = (u.label or "?/?").partition("/")
        cats[c] += 1
        subs[sc] += 1
    out = [f"<h2 id=labels>Taxonomy labels of the kept records ({len(kept)})</h2>",
           "<p class=meta>label source: " + ", ".join(f"{esc(k)} {n}" for k, n in how.most_common()) + "</p>",
           "<table><tr><th>category</th><th>name</th><th>kept</th><th>share</th><th>target share</th><th>subcategories (kept)</th></tr>"]
    for c in tax.categories:
        sub_list = ", ".join(f"{esc(s.id)} {subs[s.id]}" for s in c.subcategories if subs[s.id])
        out.append(f"<tr data-category='{esc(c.id)}' data-kept='{cats[c.id]}'><td>{esc(c.id)}</td><td>{esc(c.name_zh)} / {esc(c.name_en)}</td>"
                   f"<td class=n>{cats[c.id]}</td><td class=n>{_pct(cats[c.id], len(kept))}</td>"
                   f"<td class=n>{100 * c.share:.1f} %</td><td>{sub_list}</td></tr>")
    unknown = sum(n for c, n in cats.items() if c not in {x.id for x in tax.categories})
    if unknown:
        out.append(f"<tr><td>?</td><td>not in the taxonomy</td><td class=n>{unknown}</td><td></td><td></td><td></td></tr>")
    return out + ["</table>"]


def _flatten(d, prefix: str = "") -> dict:
    if isinstance(d, dict) and d:
        out = {}
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: d}


def _short(v) -> str:
    s = json.dumps(v, ensure_ascii=False, default=str)
    return s if len(s) <= 60 else s[:57] + "..."


def param_changes(old: dict, new: dict, limit: int = 8) -> str:
    """What differs between two rules' parameters: "key: old → new; ..."."""
    a, b = _flatten(old), _flatten(new)
    keys = [k for k in list(a) + [k for k in b if k not in a] if a.get(k, "∅") != b.get(k, "∅")]
    out = [f"{k}: {_short(a[k]) if k in a else '(none)'} → {_short(b[k]) if k in b else '(none)'}" for k in keys[:limit]]
    if len(keys) > limit:
        out.append(f"… {len(keys) - limit} more")
    return "; ".join(out)


def _against_html(old: Run, new: Run, cmp: dict, kinds: list[str]) -> list[str]:
    out = [f"<h2 id=against>Against <code>{esc(old.rules_path)}</code></h2>",
           f"<p>old rules: kept {len(old.kept())}, dropped {len(old.dropped())}; these rules: kept {len(new.kept())}, "
           f"dropped {len(new.dropped())}.</p>"]
    so, sn = old.stats(), new.stats()
    ids, seen = [], set()
    for r in new.all_rows() + old.all_rows():
        if r.id not in seen:
            seen.add(r.id)
            ids.append(r.id)
    old_ids, new_ids = {r.id for r in old.all_rows()}, {r.id for r in new.all_rows()}
    old_on = {r.id: r.enabled for r in old.rows}
    new_on = {r.id: r.enabled for r in new.rows}
    old_params = {r.id: r.params for r in old.rows}
    new_params = {r.id: r.params for r in new.rows}
    out.append("<h3>Records hit per rule, old → new</h3><table><tr><th>rule</th>"
               + "".join(f"<th>{k}</th>" for k in kinds) + "<th>records hit</th><th>what differs</th></tr>")
    for rid in ids:
        a, b = so.get(rid, Counter()), sn.get(rid, Counter())
        note = ("new rule" if rid not in old_ids else "removed" if rid not in new_ids
                else "enabled" if new_on.get(rid) and not old_on.get(rid, True)
                else "disabled" if old_on.get(rid, True) and not new_on.get(rid, True) else "")
        if rid in old_params and rid in new_params:
            note = "; ".join(x for x in (note, param_changes(old_params[rid], new_params[rid])) if x)
        changed = any(a[k] != b[k] for k in (*kinds, "hits")) or note
        out.append(f"<tr class='{'' if changed else 'zero'}' data-against-rule='{esc(rid)}'><td>{esc(rid)}</td>"
                   + "".join(f"<td class=n>{a[k]} → {b[k]}</td>" for k in kinds)
                   + f"<td class=n>{a['hits']} → {b['hits']}</td><td>{esc(note)}</td></tr>")
    out.append("</table>")
    sections = (("newly_dropped", "Newly dropped", "kept by the old rules, dropped by these"),
                ("newly_kept", "Newly kept", "dropped by the old rules, kept by these"),
                ("other_rule", "Dropped by another rule", "dropped by both, by different rules"),
                ("changed", "Changed", "kept by both, the output text differs (old → new)"),
                ("label_changed", "Label changed", "kept by both with the same text, another label"))
    for key, title, what in sections:
        pairs = cmp[key]
        out.append(f"<h3 id='against-{key}' data-count='{len(pairs)}'>{title} ({len(pairs)})</h3><p class=meta>{what}</p>")
        for o, u in pairs[:LISTED_DIFFS]:
            head = (f"<b>{esc(u.id)}</b> · {esc(u.where)}<br>old: <span class={'why' if o.drop else 'ok'}>{esc(o.result())}</span>"
                    f"<br>new: <span class={'why' if u.drop else 'ok'}>{esc(u.result())}</span>")
            a = o.after if o.after is not None else (o.partial or o.before)
            b = u.after if u.after is not None else (u.partial or u.before)
            out.append(f"<div data-{key.replace('_', '-')}-id='{esc(u.id)}'>" + record_html(a, b, head) + "</div>")
        if len(pairs) > LISTED_DIFFS:
            out.append(f"<p class=meta>… and {len(pairs) - LISTED_DIFFS} more</p>")
    return out
