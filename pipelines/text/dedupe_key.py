"""Exact-dedupe key: copies that differ only in spacing, punctuation or case share a key.

Pure function, no Beam import. The key is a hex blake2b digest (16 bytes) of the folded text
(:func:`pipelines.text.fold.compact`):

* NFKC normalisation (full-width Latin letters and digits become ASCII: ``Ａ１`` -> ``A1``),
* case folding (``str.casefold``),
* every whitespace / separator (Unicode Z*, plus ``str.isspace``), control and format
  character (Cc, Cf: zero-width spaces, BOM) removed,
* every punctuation and symbol character removed (Unicode P* and S*: ASCII punctuation and
  CJK full-width ``，。！？；：“”‘’（）【】《》、…`` and the like).

A text that is empty after folding (empty, whitespace only, punctuation only) is keyed by
the digest of the original text instead, so such texts do not all collide. That cannot
collide with a folded key: a folded, non-empty string never contains whitespace or
punctuation, and the empty string is never hashed as a folded key.
"""

from __future__ import annotations

import functools
import hashlib
import sys
from typing import Sequence

import numpy as np

from pipelines.text.fold import casefold, drop_table
from pipelines.text.fold import compact as fold   # the folded form exact_key hashes (for debugging and tests)

DIGEST_SIZE = 16


def exact_key(text: str) -> str:
    """Hex blake2b-128 of the folded text; of the original text when the fold is empty."""
    folded = fold(text)
    return hashlib.blake2b((folded if folded else text).encode("utf-8", "surrogatepass"), digest_size=DIGEST_SIZE).hexdigest()


def exact_hash(text: str, casefolded: str | None = None) -> int:
    """The exact-dedupe key as a 64-bit integer, for vectorised grouping: with n documents a
    false match needs a 64-bit collision, probability ~ n**2 / 2**65. Same as
    :func:`exact_hashes` for one text. casefolded: the text after NFKC + casefold, if known."""
    return int(exact_hashes([text], [casefolded] if casefolded is not None else None)[0])


@functools.lru_cache(maxsize=1)
def _drop_mask() -> np.ndarray:
    mask = np.zeros(sys.maxunicode + 1, dtype=bool)
    mask[list(drop_table())] = True
    return mask


def exact_hashes(texts: Sequence[str], casefolded: Sequence[str] | None = None) -> np.ndarray:
    """uint64 exact keys of many texts: blake2b-64 of the UTF-32 code points left after the
    fold (or of the original text when none are left). The dropping is one numpy mask over
    all texts at once; casefolded: the texts after NFKC + casefold, if the caller has them."""
    folded = list(casefolded) if casefolded is not None else [casefold(t) for t in texts]
    out = np.empty(len(texts), dtype=np.uint64)
    if not texts:
        return out
    cps = np.frombuffer("".join(folded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    keep = ~_drop_mask()[cps]
    ends = np.cumsum([len(f) for f in folded])
    kept_before = np.concatenate([[0], np.cumsum(keep)])
    kept = cps[keep]
    starts = kept_before[np.concatenate([[0], ends[:-1]])]
    stops = kept_before[ends]
    for i, (a, b) in enumerate(zip(starts.tolist(), stops.tolist())):
        payload = kept[a:b].tobytes() if b > a else texts[i].encode("utf-32-le", "surrogatepass")
        out[i] = int.from_bytes(hashlib.blake2b(payload, digest_size=8).digest(), "big")
    return out
