"""Resolution of duplicate clusters: which member stays, and what the others become.

`drop`: the best member (highest quality score, then smallest id) is kept; every
other member is rejected as a duplicate of it (`exact_duplicate` when its
exact-dedupe key equals the kept member's, else `near_duplicate`).
`weight`: every member is kept with weight 1 / cluster size ("soft" dedupe: the
trainer samples the cluster as if it were one document).
Both modes fill cluster_id (the kept/best member's id), cluster_size and weight.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MODES = ("drop", "weight")
EXACT_RULE, NEAR_RULE = "exact_duplicate", "near_duplicate"

# One row per clustered document, as the Beam layer joins it: component label + features.
MEMBERS = pa.schema([
    ("handle", pa.uint64()), ("root", pa.uint64()), ("id", pa.string()), ("score", pa.float32()),
    ("exact", pa.uint64()), ("chunk", pa.string()), ("row", pa.int64()),
    ("lang", pa.string()), ("category", pa.string()), ("n_bytes", pa.int64()),
])

DECISIONS = pa.schema([
    ("handle", pa.uint64()), ("id", pa.string()), ("chunk", pa.string()), ("row", pa.int64()), ("keep", pa.bool_()),
    ("rule", pa.string()), ("dup_of", pa.string()), ("cluster_id", pa.string()),
    ("cluster_size", pa.int32()), ("weight", pa.float32()),
    ("lang", pa.string()), ("category", pa.string()), ("n_bytes", pa.int64()),
])


def resolve(members: pa.Table, mode: str, score_tolerance: float = 0.0) -> pa.Table:
    """MEMBERS rows of whole clusters (grouped by root) -> DECISIONS rows.

    The kept ("best") member has the highest quality score; members within `score_tolerance`
    of it count as tied (a quality score is an estimate: a few typos move it a little), and a
    tie goes to the smallest id. Missing scores rank last."""
    if mode not in MODES:
        raise ValueError(f"dedupe mode must be one of {MODES}, got {mode!r}")
    if members.num_rows == 0:
        return DECISIONS.empty_table()
    t = members.set_column(members.schema.get_field_index("score"), "score",
                           pc.fill_null(members.column("score"), -1.0))
    t = t.sort_by([("root", "ascending"), ("score", "descending"), ("id", "ascending")])
    root = t.column("root").to_numpy()
    n = len(root)
    starts = np.flatnonzero(np.concatenate([[True], root[1:] != root[:-1]]))
    sizes = np.diff(np.concatenate([starts, [n]]))
    if score_tolerance > 0:
        # Move the tied members (score >= top - tolerance) first, smallest id first.
        score = t.column("score").to_numpy()
        tied = score >= np.repeat(score[starts], sizes) - score_tolerance
        t = t.append_column("_tied", pa.array(tied)).sort_by(
            [("root", "ascending"), ("_tied", "descending"), ("id", "ascending")]).drop_columns(["_tied"])
    best = np.repeat(starts, sizes)
    size = np.repeat(sizes, sizes).astype(np.int32)
    ids = t.column("id")
    best_id = ids.take(pa.array(best))
    exact = t.column("exact").to_numpy()
    is_best = np.arange(n) == best
    if mode == "drop":
        keep = is_best
        weight = np.where(keep, 1.0, 0.0).astype(np.float32)
    else:
        keep = np.ones(n, dtype=bool)
        weight = (1.0 / size).astype(np.float32)
    rule = np.where(keep, None, np.where(exact == exact[best], EXACT_RULE, NEAR_RULE))
    dup_of = pc.if_else(pa.array(keep), pa.nulls(n, pa.string()), best_id)
    return pa.table({
        "handle": t.column("handle"), "id": ids, "chunk": t.column("chunk"), "row": t.column("row"),
        "keep": pa.array(keep), "rule": pa.array(rule, pa.string()), "dup_of": dup_of,
        "cluster_id": best_id, "cluster_size": pa.array(size), "weight": pa.array(weight),
        "lang": t.column("lang"), "category": t.column("category"), "n_bytes": t.column("n_bytes"),
    }, schema=DECISIONS)
