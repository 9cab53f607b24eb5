import gzip
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.core.readers import match, plan_splits, read_split


def read_all(source, fmt, path, split_bytes, batch_records=7, batch_bytes=10_000):
    (path_, size), = match(str(path))
    splits = plan_splits(source, fmt, path_, size, split_bytes)
    items, errors = [], []
    for split in splits:
        for batch in read_split(split, batch_records, batch_bytes):
            assert len(batch.items) <= batch_records
            items.extend(batch.items)
            if batch.error:
                errors.append(batch.error)
    return splits, items, errors


@pytest.mark.parametrize("split_bytes", [1, 100, 4096, 10**9])
def test_splits_cover_every_line_once_with_exact_line_numbers(tmp_path, split_bytes):
    rng = random.Random(split_bytes)
    lines = [("x" * rng.randint(0, 300)).encode() for _ in range(2000)]
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    splits, items, errors = read_all("s", "jsonl", path, split_bytes)
    assert items == list(enumerate(lines, 1))             # blank lines too: the processors account for them
    assert not errors
    assert len(splits) > 1 or split_bytes == 10**9


def test_a_bom_is_dropped_and_a_line_over_the_limit_is_never_read_whole(tmp_path):
    from pipelines.core.readers import TooLong
    path = tmp_path / "a.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + b'{"a": 1}\n' + b"y" * 5000 + b"\r\n" + b"  \n" + b'{"b": 2}')
    (split,) = plan_splits("s", "jsonl", str(path), path.stat().st_size, 10**9)
    items = [item for batch in read_split(split, 100, 10**6, max_record_bytes=1000) for item in batch.items]
    assert items == [(1, b'{"a": 1}'), (2, TooLong(5000, b"y" * 1001)), (3, b"  "), (4, b'{"b": 2}')]


def test_gzip_files_are_read_whole(tmp_path):
    path = tmp_path / "a.jsonl.gz"
    with gzip.open(path, "wb") as f:
        f.write(b'{"text": "one"}\n\n{"text": "three"}\n')
    splits, items, _ = read_all("s", "jsonl", path, 1)
    assert len(splits) == 1 and items == [(1, b'{"text": "one"}'), (2, b''), (3, b'{"text": "three"}')]


def test_a_corrupt_gzip_file_ends_in_an_error_not_a_crash(tmp_path):
    path = tmp_path / "bad.jsonl.gz"
    good = gzip.compress(b"".join(b'{"text": "line %d"}\n' % i for i in range(5000)))
    path.write_bytes(good[: len(good) // 2])
    _, items, errors = read_all("s", "jsonl", path, 1)
    assert 0 < len(items) < 5000
    assert errors and errors[0][1] == "unreadable_file" and errors[0][0] == len(items) + 1


def test_parquet_row_groups_are_splits_with_row_numbers(tmp_path):
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"id": [str(i) for i in range(25)], "text": [f"t{i}" for i in range(25)]}), path, row_group_size=10)
    splits, items, _ = read_all("s", "parquet", path, 1)
    assert [s.first_line for s in splits] == [1, 11, 21]
    assert [n for n, _ in items] == list(range(1, 26)) and items[24][1] == {"id": "24", "text": "t24"}


def test_a_corrupt_parquet_file_is_an_error_batch_not_a_crash(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    splits, items, errors = read_all("s", "parquet", path, 1)
    assert len(splits) == 1 and items == []
    assert errors and errors[0][0] == 1 and errors[0][1] == "unreadable_file"


def test_an_unreadable_jsonl_file_is_an_error_batch(tmp_path):
    from pipelines.core.readers import Split
    (batch,) = list(read_split(Split("s", str(tmp_path / "gone.jsonl"), "jsonl", 0, -1, 1), 10, 1000))
    assert batch.items == [] and batch.error[1] == "unreadable_file" and "gone.jsonl" in batch.error[2]
