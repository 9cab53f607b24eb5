import pytest

from pipelines.core.records import BadRecord, decode_line, record_id, text_field


@pytest.mark.parametrize("raw,kind", [
    (b'{"id": "broken", "text": "unterminated', "bad_json"),
    (b'[{"id": "x", "text": "an array"}]', "not_an_object"),
    (b'{"id": "x", "text": "caf\xe9 \xff\xfe broken"}', "invalid_utf8"),
])
def test_undecodable_lines_are_bad_records(raw, kind):
    with pytest.raises(BadRecord) as e:
        decode_line(raw)
    assert e.value.kind == kind


@pytest.mark.parametrize("obj,kind", [
    ({"id": "x", "body": "wrong key"}, "missing_text"),
    ({"id": "x", "text": 12345}, "text_not_string"),
    ({"id": "x", "text": None}, "text_not_string"),
    ({"id": "x", "text": ["a"]}, "text_not_string"),
    ({"id": "x", "text": "   \n "}, "blank_text"),
    ({"id": "x", "text": "nul\u0000inside"}, "nul_bytes"),
])
def test_unusable_text_is_a_bad_record_with_a_clear_message(obj, kind):
    with pytest.raises(BadRecord) as e:
        text_field(obj, "text")
    assert e.value.kind == kind
    assert "'text'" in str(e.value)


def test_id_is_kept_or_a_stable_content_hash():
    assert record_id({"id": "doc-1"}, "t", "s") == "doc-1"
    assert record_id({"id": 7}, "t", "s") == "7"
    hashed = record_id({}, "some text", "src")
    assert hashed.startswith("h:") and hashed == record_id({"id": ""}, "some text", "src")
    assert hashed != record_id({}, "other text", "src")
