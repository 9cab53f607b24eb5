"""Chunks that end at sentence boundaries, Chinese (。！？；…) and English (. ! ? followed by a space
or the end), packed up to `size` characters with `overlap` characters of the previous chunk's
sentences carried over. A sentence longer than `size` is cut at `size`. Every chunk keeps its
document id, source, index in the document and character offsets."""
from __future__ import annotations

import re
from dataclasses import dataclass

_SENTENCE = re.compile(r".+?(?:[。！？；!?…]+[”’」』）)]*|[.](?=\s|$)|\n+|$)", re.S)


@dataclass(frozen=True)
class ChunkConfig:
    size: int = 300          # characters per chunk at most
    overlap: int = 50        # characters of trailing sentences repeated at the next chunk's start

    def __post_init__(self):
        if self.size < 20 or not 0 <= self.overlap < self.size:
            raise ValueError(f"chunk size must be >= 20 and 0 <= overlap < size, got size {self.size}, "
                             f"overlap {self.overlap}")


@dataclass(frozen=True)
class Chunk:
    doc_id: str
    source: str
    position: int            # the chunk's index within its document
    start: int               # character offsets in the document's text
    end: int
    text: str


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, spaces kept with the sentence before them."""
    spans = []
    for m in _SENTENCE.finditer(text):
        if m.end() > m.start() and text[m.start():m.end()].strip():
            spans.append((m.start(), m.end()))
    return spans


def _pieces(text: str, size: int) -> list[tuple[int, int]]:
    out = []
    for start, end in sentences(text):
        while end - start > size:                    # a sentence longer than a chunk: cut it
            out.append((start, start + size))
            start += size
        out.append((start, end))
    return out


def chunk_text(doc_id: str, source: str, text: str, config: ChunkConfig = ChunkConfig()) -> list[Chunk]:
    pieces = _pieces(text, config.size)
    chunks: list[Chunk] = []
    i = 0
    while i < len(pieces):
        start, end, j = pieces[i][0], pieces[i][1], i + 1
        while j < len(pieces) and pieces[j][1] - start <= config.size:
            end, j = pieces[j][1], j + 1
        body = text[start:end].strip()
        if body:
            chunks.append(Chunk(doc_id, source, len(chunks), start, end, body))
        if j >= len(pieces):
            break
        # carry whole trailing sentences of up to `overlap` characters into the next chunk
        k = j
        while k - 1 > i and end - pieces[k - 1][0] <= config.overlap:
            k -= 1
        i = k
    return chunks
