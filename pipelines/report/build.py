"""`write_report(output)`: OUT/report.html from OUT/manifest.json and a bounded sample of the
Parquet outputs, read through Beam's FileSystems (so gs:// outputs work too).

The counts (funnel, rejections, dead letters, sampling, dedupe, mix) are the manifest's and
exact; the distributions (quality scores, lengths, cluster sizes, examples) come from at most
SAMPLE_ROWS rows per output folder, spread over its files, and say so on the page when the
folder holds more.
"""
from __future__ import annotations

import logging
import math
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

import pipelines.report.figures as fg
from pipelines.beam import storage as mf
from pipelines.core import yaml_files
from pipelines.report.html import (
    Cell,
    Raw,
    Section,
    badge,
    cards,
    details,
    esc,
    facts,
    figure,
    note,
    num,
    page,
    pct,
    table,
)
from pipelines.report.paths import REPORT_FILE
from pipelines.sft.taxonomy import load_taxonomy

log = logging.getLogger("pipelines.report")

SAMPLE_ROWS = 20_000
EXAMPLES_PER_KIND = 3
DUPLICATE_RULES = ("exact_duplicate", "near_duplicate")
COLUMNS = {
    "data": ("source", "lang", "category", "subcategory", "label_source", "n_chars", "quality_score", "cluster_size",
             "instruction", "input", "output"),
    "rejected": ("source", "rule", "reason", "value", "threshold", "text_prefix", "dup_of"),
    "dead_letter": ("source", "source_file", "source_line", "error_kind", "error"),
    "sampled_out": ("source", "lang", "category", "n_bytes"),
}
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Sample:
    """Up to `limit` rows of one output folder: `rows` of the `total` in its files."""
    table: pa.Table
    total: int
    files: int

    @property
    def rows(self) -> int:
        return self.table.num_rows

    @property
    def partial(self) -> bool:
        return self.rows < self.total

    def column(self, name: str) -> list:
        return self.table.column(name).to_pylist() if name in self.table.column_names else [None] * self.rows

    def has(self, name: str) -> bool:
        return name in self.table.column_names

    def describe(self, what: str) -> str:
        if not self.partial:
            return f"all {self.total:,} {what}"
        return f"a sample of {self.rows:,} of {self.total:,} {what} ({self.rows / self.total:.1%}, spread over {self.files} file(s))"


def read_sample(output: str, kind: str, columns, limit: int = SAMPLE_ROWS) -> Sample:
    """At most `limit` rows of OUT/kind/, an equal share per Parquet file: whole row groups picked
    evenly over each file (a file is written in arrival order, so its first rows may all come from
    one source) up to twice the share, thinned evenly to the share. Only `columns` are read."""
    paths = sorted(m.path for m in FileSystems.match([mf.join(output, kind, "*.parquet")])[0].metadata_list)
    tables, total, remaining = [], 0, limit
    for i, path in enumerate(paths):
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
            pf = pq.ParquetFile(f)
            n = pf.metadata.num_rows
            total += n
            quota = min(n, math.ceil(remaining / (len(paths) - i)))
            if quota <= 0:
                continue
            names = pf.schema_arrow.names
            cols = [c for c in columns if c in names]
            if kind == "data" and "n_chars" in columns and "n_chars" not in names and "text" in names and "instruction" not in names:
                cols.append("text")
            # twice the rows in more, smaller pieces of the file, then thinned: a row group often holds one source's batch
            t = pf.read_row_groups(_spread_row_groups(pf.metadata, 2 * quota), columns=cols, use_threads=False)
            if t.num_rows > quota:
                t = t.take(pa.array(_evenly(t.num_rows, quota)))
            tables.append(t)
            remaining -= t.num_rows
    table = pa.concat_tables(tables, promote_options="default") if tables else pa.table({})
    if "text" in table.column_names:            # an output without n_chars: measure the text, then drop it
        table = table.append_column("n_chars", pc.utf8_length(table.column("text"))).drop_columns(["text"])
    return Sample(table, total, len(paths))


def _spread_row_groups(metadata, rows: int) -> list:
    """Row groups spread evenly over the file (golden-ratio order) until they hold `rows` rows, in file order."""
    groups = range(metadata.num_row_groups)
    chosen, got = [], 0
    for g in sorted(groups, key=lambda g: (g * 0.6180339887498949) % 1.0):
        if got >= rows:
            break
        chosen.append(g)
        got += metadata.row_group(g).num_rows
    return sorted(chosen)


def _evenly(n: int, k: int) -> list:
    """k indices spread evenly over range(n)."""
    return [int(j * n / k) for j in range(k)]


def _sft_lengths(sample: Sample) -> list:
    cols = [c for c in ("instruction", "input", "output") if sample.has(c)]
    if not cols or not sample.rows:
        return []
    total = None
    for c in cols:
        n = pc.fill_null(pc.utf8_length(sample.table.column(c)), 0)
        total = n if total is None else pc.add(total, n)
    return total.to_pylist()


def _by(keys: list, values: list) -> dict:
    out: dict = defaultdict(list)
    for k, v in zip(keys, values):
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            out[str(k)].append(v)
    return dict(out)


def _bytes(n: float) -> str:
    for div, unit in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
        if n >= div:
            return f"{n / div:,.1f} {unit}"
    return f"{n:,.0f} bytes"


def _clip(text, n: int = 220) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"


# ------------------------------------------------------------------------------------------ sections
def _header(m: dict, samples: dict) -> Section:
    c, a = m.get("counts", {}), m.get("accounting", {})
    cv = m.get("code_version", {})
    code = cv.get("package", "")
    if cv.get("git_commit"):
        code += f" (git {cv['git_commit'][:12]}{', uncommitted changes' if cv.get('git_dirty') else ''})"
    rules = m.get("rules", {})
    sources = m.get("sources_file", {})
    s = Section("run", "Run")
    s.add(cards([("records read", num(c.get("read", 0)), False), ("written", num(c.get("written", 0)), False),
                  ("rejected", num(c.get("rejected", 0)), False), ("dead letters", num(c.get("dead_letter", 0)), False),
                  ("sampled out", num(c.get("sampled_out", 0)), False),
                  ("accounting", "holds" if a.get("holds") else "DOES NOT HOLD", not a.get("holds"))]))
    rows_in_files = a.get("rows_in_files", {})
    s.add(facts([
        ("kind", f"{m.get('kind', '?')} (schema {m.get('schema_version', '?')})"),
        ("started", m.get("started", "")), ("finished", m.get("finished", "")),
        ("seconds", f"{m.get('seconds', 0):,.1f}"), ("runner", m.get("runner", "")),
        ("output", m.get("output", "")),
        ("rules", rules.get("path", "") + (f"  (sha256 {rules['sha256'][:12]})" if rules.get("sha256") else "")),
        ("sources file", sources.get("path", "") + (f"  (sha256 {sources['sha256'][:12]})" if sources.get("sha256") else "")),
        ("input", f"{num(c.get('input_files', 0))} file(s), {_bytes(c.get('input_bytes', 0))}"
                  + (f", {c['unmatched_patterns']} pattern(s) matched nothing" if c.get("unmatched_patterns") else "")),
        ("code", code),
        ("accounting", Raw(badge(bool(a.get("holds"))).html + esc(
            f"  read {num(a.get('read', 0))} = written {num(a.get('written', 0))} + rejected {num(a.get('rejected', 0))}"
            f" + dead letters {num(a.get('dead_letter', 0))} + sampled out {num(a.get('sampled_out', 0))};"
            f" rows in files: " + ", ".join(f"{k} {num(v)}" for k, v in rows_in_files.items())))),
    ]))
    partial = [f"{k}/ ({v.describe('rows')})" for k, v in samples.items() if v.partial]
    s.add(note("Counts, funnel, rejections, dead letters, sampling and mix figures are the manifest's exact counts. "
               + ("Distributions and examples are read from " + "; ".join(partial) + "." if partial
                  else "Distributions and examples are read from every row of the output files.")))
    return s


def _funnel(m: dict) -> Section:
    c = m.get("counts", {})
    d = m.get("dedupe") or {}
    read, dead, written, sampled_out = (c.get(k, 0) for k in ("read", "dead_letter", "written", "sampled_out"))
    dups = sum(c.get("by_rule", {}).get(r, 0) for r in DUPLICATE_RULES) if d else 0
    parsed = read - dead
    cleaned = c.get("cleaned", written + sampled_out + dups)
    after_dedupe = cleaned - dups
    sampled = after_dedupe - sampled_out
    stages = [("read", read), ("parsed", parsed), ("cleaned", cleaned), ("after dedupe", after_dedupe),
              ("sampled", sampled), ("written", written)]
    drops = [("dead letters", dead), ("rejected by cleaning rules", parsed - cleaned),
             ("duplicates removed", dups), ("sampled out", sampled_out), ("not written", sampled - written)]
    s = Section("funnel", "Funnel")
    s.add(figure(fg.funnel(stages, drops), "Records at each stage, with what each step took out (manifest counts)."))
    s.add(table(["stage", "records", "share of read", "taken out after it", "by"],
                [(name, n, pct(n / read) if read else "", drops[i][1] if i < len(drops) else "",
                  drops[i][0] if i < len(drops) else "") for i, (name, n) in enumerate(stages)], numeric=(1, 2, 3)))
    by_source = c.get("by_source", {})
    if by_source:
        srcs = m.get("sources", {})
        rows = []
        for name in sorted(by_source, key=lambda k: -by_source[k].get("read", 0)):
            v = by_source[name]
            info = srcs.get(name, {})
            kind = "/".join(str(info[k]) for k in ("lang", "category") if info.get(k)) or info.get("format", "")
            rows.append((name, kind, v.get("read", 0), v.get("cleaned", v.get("written", 0)), v.get("written", 0),
                         pct(v.get("written", 0) / v["read"]) if v.get("read") else ""))
        s.add("<h3>By source</h3>", table(["source", "lang/category or format", "read", "cleaned", "written", "written / read"],
                                          rows, numeric=(2, 3, 4, 5)))
    return s


def _rejections(m: dict, rejected: Sample) -> Section:
    c = m.get("counts", {})
    by_rule = c.get("by_rule", {})
    total, read = c.get("rejected", 0), c.get("read", 0) or 1
    s = Section("rejections", "Rejections by rule")
    if not by_rule:
        return s.add(note("Nothing was rejected."))
    s.add(figure(fg.bars(list(by_rule), list(by_rule.values()), xlabel="records rejected", total=total),
                 f"{total:,} records rejected; bar labels give each rule's count and share of all rejections (manifest counts)."))
    thresholds = {}
    for rule, t in zip(rejected.column("rule"), rejected.column("threshold")):
        if t is not None and not math.isnan(t):
            thresholds.setdefault(rule, set()).add(t)
    rows = [(rule, "dedupe" if rule in DUPLICATE_RULES else "cleaning", n, pct(n / total) if total else "", pct(n / read, 2),
             ", ".join(f"{t:g}" for t in sorted(thresholds.get(rule, ()))))
            for rule, n in sorted(by_rule.items(), key=lambda kv: -kv[1])]
    s.add(table(["rule", "stage", "records", "share of rejected", "share of read", "threshold(s)"], rows, numeric=(2, 3, 4)))
    if rejected.rows:
        examples = defaultdict(list)
        for row in rejected.table.select([x for x in ("rule", "source", "reason", "text_prefix", "dup_of")
                                          if rejected.has(x)]).to_pylist():
            if len(examples[row.get("rule")]) < EXAMPLES_PER_KIND:
                examples[row.get("rule")].append(row)
        rows = [(rule, ex.get("source"), Cell(_clip(ex.get("reason"), 160), cls="text"),
                 Cell(_clip(ex.get("text_prefix")) + (f"  [copy of {ex['dup_of']}]" if ex.get("dup_of") else ""), cls="text"))
                for rule in sorted(examples, key=lambda r: -by_rule.get(r, 0)) for ex in examples[rule]]
        s.add(details(f"Examples: up to {EXAMPLES_PER_KIND} rejected records per rule (from {rejected.describe('rejected rows')})",
                      table(["rule", "source", "reason", "start of the text"], rows)))
    return s


def _dead_letters(m: dict, dead: Sample) -> Section:
    c = m.get("counts", {})
    by_error = c.get("by_error", {})
    total = c.get("dead_letter", 0)
    s = Section("dead-letters", "Dead letters by error kind")
    if not by_error:
        return s.add(note("No record was dead-lettered: every line could be read as a record."))
    s.add(figure(fg.bars(list(by_error), list(by_error.values()), xlabel="records dead-lettered", color="#8c6d4f", total=total),
                 f"Dead letters: {total:,} line(s) or record(s) that could not be read as a record, by error kind (manifest counts)."))
    s.add(table(["error kind", "records", "share"], [(k, n, pct(n / total) if total else "")
                                                      for k, n in sorted(by_error.items(), key=lambda kv: -kv[1])], numeric=(1, 2)))
    if dead.rows:
        examples = defaultdict(list)
        for row in dead.table.to_pylist():
            if len(examples[row.get("error_kind")]) < EXAMPLES_PER_KIND:
                examples[row.get("error_kind")].append(row)
        rows = [(kind, ex.get("source"), f"{ex.get('source_file', '')}:{ex.get('source_line', '')}",
                 Cell(_clip(ex.get("error"), 200), cls="text"))
                for kind in sorted(examples, key=lambda k: -by_error.get(k, 0)) for ex in examples[kind]]
        s.add(details(f"Examples: up to {EXAMPLES_PER_KIND} per error kind (from {dead.describe('dead letters')})",
                      table(["error kind", "source", "where", "error"], rows)))
    return s


def _quality(data: Sample, rejected: Sample) -> Section:
    s = Section("quality", "Quality scores")
    if not data.has("quality_score"):
        return s.add(note("These records carry no quality score."))
    kept = _by(data.column("source"), data.column("quality_score"))
    rules, values = rejected.column("rule"), rejected.column("value")
    low = _by([src for src, r in zip(rejected.column("source"), rules) if r == "quality_score"],
              [v for v, r in zip(values, rules) if r == "quality_score"])
    lines = {}
    for src, r, t in zip(rejected.column("source"), rules, rejected.column("threshold")):
        if r == "quality_score" and t is not None and not math.isnan(t):
            lines.setdefault(src, t)
    s.add(figure(fg.histograms(kept, xlabel="quality_score", extra=low, label="written", extra_label="rejected (quality_score)",
                               lines={g: lines.get(g, max(lines.values()) if lines else None) for g in set(kept) | set(low)},
                               line_label="threshold"),
                 f"Quality score per source: written documents from {data.describe('rows of data/')}, "
                 f"stacked with the documents the quality_score rule rejected from {rejected.describe('rows of rejected/')}."))
    scores = [v for v in data.column("quality_score") if v is not None]
    if scores:
        rows = []
        for src, vs in sorted(kept.items()):
            vs = sorted(vs)
            rows.append((src, len(vs), f"{vs[0]:.3f}", f"{vs[len(vs) // 2]:.3f}", f"{sum(vs) / len(vs):.3f}", f"{vs[-1]:.3f}",
                         len(low.get(src, ()))))
        s.add(table(["source", "written (sample)", "min", "median", "mean", "max", "rejected for quality (sample)"], rows,
                    numeric=range(1, 7)))
    return s


def _lengths(m: dict, data: Sample) -> Section:
    s = Section("lengths", "Text lengths")
    if m.get("kind") == "sft":
        values, what = _sft_lengths(data), "instruction + input + output length (characters)"
    else:
        values, what = data.column("n_chars"), "text length (characters)"
    groups = _by(data.column("source"), values)
    if not groups:
        return s.add(note("No written record to measure."))
    s.add(figure(fg.histograms(groups, xlabel=what, log_x=True, label="written"),
                 f"{what[0].upper() + what[1:]} per source, log scale, from {data.describe('rows of data/')}."))
    rows = []
    for src, vs in sorted(groups.items()):
        vs = sorted(vs)
        q = lambda p: vs[min(len(vs) - 1, int(p * len(vs)))]  # noqa: E731
        rows.append((src, len(vs), vs[0], q(0.1), q(0.5), q(0.9), vs[-1]))
    s.add(table(["source", "records (sample)", "min", "p10", "median", "p90", "max"], rows, numeric=range(1, 7)))
    return s


def _strata_rows(m: dict) -> tuple[list, str, str]:
    """(stratum, input, output, share before, share after, target share or None), the unit, where from."""
    sampling = m.get("sampling")
    if sampling and sampling.get("strata"):
        strata = sampling["strata"]
        total_in = sum(v.get("input", 0) for v in strata.values()) or 1
        rows = [(k, v.get("input", 0), v.get("output", 0), v.get("input", 0) / total_in, v.get("achieved_share", 0.0),
                 v.get("target_share")) for k, v in strata.items()]
        return rows, sampling.get("unit", ""), "the manifest's sampling section"
    by_source, sources = m.get("counts", {}).get("by_source", {}), m.get("sources", {})
    before, after = Counter(), Counter()
    for name, v in by_source.items():
        info = sources.get(name, {})
        key = "/".join(str(info[k]) for k in ("lang", "category") if info.get(k)) or name
        before[key] += v.get("cleaned", v.get("written", 0))
        after[key] += v.get("written", 0)
    tb, ta = sum(before.values()) or 1, sum(after.values()) or 1
    rows = [(k, before[k], after[k], before[k] / tb, after[k] / ta, None) for k in sorted(before)]
    return rows, "records", "the per-source counts (cleaned and written)"


def _mix(m: dict, data: Sample, sampled_out: Sample) -> Section:
    s = Section("mix", "Language \u00d7 category")
    rows, unit, where = _strata_rows(m)
    sampling = m.get("sampling") or {}
    if rows:
        target = sampling.get("target")
        s.add(note(f"Shares in {unit} from {where}"
                   + (f"; sampling target {target}." if target else
                      "; no sampling target was set, so nothing was sampled out; the target shares are "
                      + ("the taxonomy's." if m.get("kind") == "sft" else "the rules' shares, else the input proportions."))))
        s.add(figure(fg.shares([(r[0], r[3], r[4], r[5]) for r in rows]),
                     "Share of each stratum before and after sampling, against its target share."))
        s.add(table(["stratum", f"before ({unit})", f"after ({unit})", "share before", "target share", "share after", "after \u2212 target"],
                    [(r[0], num(r[1]), num(r[2]), pct(r[3]), pct(r[5]), pct(r[4]),
                      "" if r[5] is None else f"{(r[4] - r[5]) * 100:+.1f} pt") for r in rows], numeric=range(1, 7)))
    if rows and all("/" in r[0] for r in rows):
        s.add("<h3>Language \u00d7 category after sampling</h3>", _strata_heatmap(rows, unit, bool(sampling.get("sampled_out"))))
    else:
        s.add("<h3>Written records by detected language and category</h3>", _records_heatmap(data, sampled_out))
    langs = m.get("counts", {}).get("languages", {})
    if langs:
        total = sum(langs.values()) or 1
        s.add(details("Detected languages of all cleaned records (manifest counts)",
                      table(["language", "records", "share"], [(k, v, pct(v / total)) for k, v in sorted(langs.items(), key=lambda kv: -kv[1])],
                            numeric=(1, 2))))
    return s


def _strata_heatmap(rows: list, unit: str, sampled: bool) -> str:
    """lang/category strata of the manifest as a language x category matrix of shares after sampling."""
    cells = {tuple(r[0].split("/", 1)): r for r in rows}
    langs, cats = sorted({k[0] for k in cells}), sorted({k[1] for k in cells})
    values, notes = [], []
    for lang in langs:
        vrow, nrow = [], []
        for cat in cats:
            r = cells.get((lang, cat))
            vrow.append(r[4] if r else None)
            nrow.append("" if not r else f"{r[4]:.1%}" + (f"\ntarget {r[5]:.1%}" if r[5] is not None else "")
                        + (f"\nbefore {r[3]:.1%}" if sampled else ""))
        values.append(vrow)
        notes.append(nrow)
    return figure(fg.heatmap(values, langs, cats, notes, colorbar=f"share of {unit} after sampling", cell=(1.4, 0.8)),
                  f"Share of the written {unit} by language \u00d7 category, with its target share"
                  + (" and its share before sampling" if sampled else "") + " (manifest sampling section).")


def _records_heatmap(data: Sample, sampled_out: Sample) -> str:
    """Language x category of the written records (sample), and before sampling (written + sampled out)."""
    after = Counter((str(k[0]), str(k[1])) for k in zip(data.column("lang"), data.column("category")))
    if not after:
        return note("No written record.")
    scale_d = data.total / data.rows if data.rows else 0
    scale_s = sampled_out.total / sampled_out.rows if sampled_out.rows else 0
    before = Counter({k: v * scale_d for k, v in after.items()})
    for k, v in Counter((str(k[0]), str(k[1])) for k in zip(sampled_out.column("lang"), sampled_out.column("category"))).items():
        before[k] += v * scale_s
    langs, cats = sorted({k[0] for k in before}), sorted({k[1] for k in before})
    ta, tb = sum(after.values()) or 1, sum(before.values()) or 1
    values, notes = [], []
    for lang in langs:
        vrow, nrow = [], []
        for cat in cats:
            a, b = after.get((lang, cat), 0) / ta, before.get((lang, cat), 0) / tb
            vrow.append(a if (a or b) else None)
            nrow.append("" if not (a or b) else f"{a:.1%}" + (f"\nbefore {b:.1%}" if sampled_out.total else ""))
        values.append(vrow)
        notes.append(nrow)
    return figure(fg.heatmap(values, langs, cats, notes, colorbar="share of written records", cell=(1.1, 0.7)),
                  "Share of the written records by detected language \u00d7 category"
                  + (", with the share before sampling (written + sampled out, each scaled to its folder's rows)"
                     if sampled_out.total else "")
                  + f"; from {data.describe('rows of data/')}"
                  + (f" and {sampled_out.describe('rows of sampled_out/')}" if sampled_out.total else "") + ".")


def _duplicates(m: dict, data: Sample) -> Section:
    s = Section("duplicates", "Duplicates")
    d = m.get("dedupe")
    if not d:
        return s.add(note("Dedupe was not enabled for this run."))
    sizes = Counter(int(v) for v in data.column("cluster_size") if v is not None)
    if sizes:
        multi = sum(v for k, v in sizes.items() if k > 1)
        s.add(figure(fg.size_histogram(sizes, ylabel="written records"),
                     f"Written records by the size of their duplicate cluster (1: no copy found); {multi:,} of {data.rows:,} "
                     f"({multi / data.rows:.1%}) had copies; from {data.describe('rows of data/')}."))
    tf = d.get("tfidf_threshold")
    mh = d.get("minhash", {})
    s.add(facts([
        ("mode", d.get("mode", "")),
        ("exact duplicates removed", num(d.get("exact_duplicates_removed", 0))),
        ("near duplicates removed", num(d.get("near_duplicates_removed", 0))),
        ("documents in clusters", num(d.get("clustered_documents", 0))),
        ("exact groups / edges", f"{num(d.get('exact_groups', 0))} / {num(d.get('exact_edges', 0))}"),
        ("LSH buckets / pairs", f"{num(d.get('lsh_buckets', 0))} / {num(d.get('lsh_pairs', 0))}"
                                + (f"; largest bucket {num(d['largest_bucket'])}" if "largest_bucket" in d else "")
                                + (f"; {num(d['lsh_oversized_buckets'])} oversized (max {d.get('max_bucket')})"
                                   if d.get("lsh_oversized_buckets") else "")),
        ("candidate / verified pairs", f"{num(d.get('candidate_pairs', 0))} / {num(d.get('verified_pairs', 0))}"),
        ("TF-IDF cosine threshold", ", ".join(f"{k} {v}" for k, v in tf.items()) if isinstance(tf, dict) else tf),
        ("MinHash", f"{mh.get('num_perm')} permutations, {mh.get('bands')} bands \u00d7 {mh.get('rows')} rows, "
                    f"char {mh.get('char_ngram')}-grams, word {mh.get('word_ngram')}-grams" if mh else ""),
        ("connected components", f"{d.get('cc_rounds', '')} rounds at most; {d.get('cc_unconverged', 0)} unconverged"),
    ]))
    cos = d.get("cosine_histogram") or {}
    if cos:
        s.add(figure(fg.binned_counts(cos, xlabel="TF-IDF cosine of the candidate pair (bin start)", ylabel="candidate pairs"),
                     "Candidate pairs by their TF-IDF cosine similarity (manifest counts); pairs at or above the threshold are near duplicates."))
    return s


def _taxonomy_for(m: dict):
    """The taxonomy the run labelled with: the rules' `taxonomy` entry beside the rules file, else the repository's."""
    candidates = []
    rules_path = (m.get("rules") or {}).get("path")
    if rules_path:
        try:
            with FileSystems.open(rules_path, compression_type=CompressionTypes.UNCOMPRESSED) as f:
                rules = yaml_files.load(f.read().decode("utf-8")) or {}
            candidates.append(Path(rules_path).parent / rules.get("taxonomy", "taxonomy.yaml"))
        except Exception:  # noqa: BLE001  (a rules file moved or remote: fall back)
            pass
    candidates.append(REPO / "cleaning_rules" / "taxonomy.yaml")
    subs = set((m.get("mix") or {}).get("subcategories", {}))
    for path in candidates:
        try:
            tax = load_taxonomy(path)
        except (OSError, ValueError):
            continue
        if set(tax.subcategory_ids) == subs:
            return tax
    return None


def _taxonomy(m: dict) -> Section:
    s = Section("taxonomy", "Taxonomy mix")
    mix = m.get("mix") or {}
    cats, subs = mix.get("categories", {}), mix.get("subcategories", {})
    if not cats:
        return s.add(note("The manifest has no mix section."))
    tax = _taxonomy_for(m)
    if tax is not None:
        layout = [(c.id, c.name_en, [(sc.id, sc.name_en, sc.name_zh) for sc in c.subcategories]) for c in tax.categories]
    else:                       # ids only: each subcategory goes to the category whose id prefixes it (longest first)
        by_len = sorted(cats, key=len, reverse=True)
        grouped = defaultdict(list)
        for sid in subs:
            grouped[next((c for c in by_len if sid.startswith(c + "_")), by_len[-1])].append((sid, sid, ""))
        layout = [(c, c, grouped[c]) for c in cats]
        s.add(note("The taxonomy file was not found; names are the ids from the manifest."))
    width = max(len(x[2]) for x in layout)
    values, notes = [], []
    for _, _, row in layout:
        vrow, nrow = [], []
        for j in range(width):
            if j < len(row):
                v = subs.get(row[j][0], {})
                vrow.append(v.get("achieved", 0.0))
                nrow.append(f"{v.get('achieved', 0.0):.1%}\n/{v.get('target', 0.0):.1%}")
            else:
                vrow.append(None)
                nrow.append("")
        values.append(vrow)
        notes.append(nrow)
    short = set(mix.get("short_of_data", []))
    s.add(note(f"{num(mix.get('records', 0))} written records; {len(short)} of {len(subs)} subcategories are short of data "
               "(achieved below the rules' short_of_data_below \u00d7 target)."))
    s.add(figure(fg.heatmap(values, [cid for cid, _, _ in layout], [str(j + 1) for j in range(width)], notes,
                            colorbar="achieved share of written records", cell=(0.8, 0.5)),
                 "Categories \u00d7 subcategory index (the taxonomy file's order): colour = achieved share of the written records, "
                 "each cell 'achieved / target' share (manifest mix section). The table below names each subcategory."))
    s.add(table(["category", "records", "target", "achieved", "achieved \u2212 target"],
                [(cid, v.get("records", 0), pct(v.get("target")), pct(v.get("achieved")),
                  f"{(v.get('achieved', 0) - v.get('target', 0)) * 100:+.1f} pt") for cid, v in cats.items()], numeric=(1, 2, 3, 4)))
    rows = []
    for cid, _, row in layout:
        for j, (sid, name_en, name_zh) in enumerate(row):
            v = subs.get(sid, {})
            rows.append((cid, j + 1, sid, name_en, name_zh, v.get("records", 0), pct(v.get("target"), 2),
                         pct(v.get("achieved"), 2), "short of data" if sid in short else ""))
    s.add(details(f"All {len(rows)} subcategories: names, target and achieved shares",
                  table(["category", "#", "id", "name", "\u540d\u79f0", "records", "target", "achieved", ""], rows,
                        numeric=(1, 5, 6, 7))))
    return s


def _outputs(m: dict) -> Section:
    s = Section("outputs", "Output files")
    rows = []
    for kind, files in (m.get("outputs") or {}).items():
        rows.append((f"{kind}/", len(files), sum(f.get("rows", 0) for f in files), _bytes(sum(f.get("bytes", 0) for f in files))))
    s.add(table(["folder", "files", "rows", "size"], rows, numeric=(1, 2, 3)))
    return s


# ------------------------------------------------------------------------------------------ the page
def build_html(m: dict, samples: dict) -> str:
    kind = m.get("kind", "")
    data, rejected = samples["data"], samples["rejected"]
    sections = [_header(m, samples), _funnel(m), _rejections(m, rejected), _dead_letters(m, samples["dead_letter"])]
    if kind != "sft" or data.has("quality_score"):
        sections.append(_quality(data, rejected))
    sections += [_lengths(m, data), _mix(m, data, samples["sampled_out"]), _duplicates(m, data)]
    if kind == "sft":
        sections.append(_taxonomy(m))
    sections.append(_outputs(m))
    title = f"{kind or 'pipeline'} run report"
    subtitle = f"{m.get('output', '')}  \u00b7  finished {m.get('finished', '?')}  \u00b7  {m.get('seconds', 0):,.1f} s on {m.get('runner', '?')}"
    return page(title, subtitle, sections, footer=f"Written by pipelines.report at {mf.now()} from manifest.json "
                                                   "and the Parquet outputs; self-contained, no network access needed.")


def write_report(output: str, sample_rows: int = SAMPLE_ROWS) -> str:
    """Builds OUT/report.html from OUT/manifest.json and a sample of OUT's Parquet files; returns its path."""
    t0 = time.monotonic()
    manifest = mf.read_json(mf.join(output, "manifest.json"))
    samples = {kind: read_sample(output, kind, cols, sample_rows) for kind, cols in COLUMNS.items()}
    text = build_html(manifest, samples)
    path = mf.join(output, REPORT_FILE)
    with FileSystems.create(path, mime_type="text/html", compression_type=CompressionTypes.UNCOMPRESSED) as f:
        f.write(text.encode("utf-8"))
    log.info("report: %s (%.1f s)", path, time.monotonic() - t0)
    return path
