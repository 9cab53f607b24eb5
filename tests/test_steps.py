"""The step protocol (pipelines/core/steps.py): a step written here, named in a rules file, is run,
counted in the manifest and traced by `rules explain`, without any change to the pipelines or the
curator tool."""
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from pipelines.pretrain import run as pretrain
from pipelines.core import counters as C
from pipelines.core.steps import Reject, Step, StepChain
from pipelines.curator.cli import main as curator
from tests.conftest import write_lines, write_sources

CALM = "Our village market opens every Saturday morning with fresh bread, apples and cheese from the farms nearby!!! "
SHOUT = "THE VILLAGE MARKET OPENS EVERY SATURDAY MORNING WITH FRESH BREAD, APPLES AND CHEESE FROM THE FARMS NEARBY. "
PLAIN = "The library lends books, maps and music to everyone in the valley, and its reading room is open late. "


class CalmDown(Step):
    """A toy rule: drop shouting, and collapse runs of exclamation marks."""
    name = "calm_down"

    def __init__(self, max_upper_share: float = 0.5):
        self.max_upper_share = max_upper_share

    def apply(self, doc):
        letters = [c for c in doc["text"] if c.isalpha()]
        share = sum(c.isupper() for c in letters) / max(1, len(letters))
        if share > self.max_upper_share:
            return Reject("shouting", f"{share:.0%} of the letters are capitals", share, self.max_upper_share)
        if "!!" in doc["text"]:
            doc["text"] = doc["text"].replace("!!!", "!")
            doc["flags"].append("exclamations_collapsed")
        return doc


def _rules_with_the_toy_step(tmp: Path) -> Path:
    rules = yaml.safe_load(pretrain.DEFAULT_RULES.read_text(encoding="utf-8"))
    rules["custom_steps"] = [{"step": "tests.test_steps:CalmDown", "after": "language", "parameters": {"max_upper_share": 0.6}}]
    rules["quality"]["enabled"] = False
    rules["quality"]["model"]["path"] = str(pretrain.DEFAULT_RULES.parent / rules["quality"]["model"]["path"])
    rules["sensitive_words"]["lists"] = []
    path = tmp / "rules.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def toy_input(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("toy")
    write_lines(tmp / "web.jsonl", [{"id": "calm", "text": CALM * 3}, {"id": "shout", "text": SHOUT * 3},
                                    {"id": "plain", "text": PLAIN * 3}])
    return tmp, _rules_with_the_toy_step(tmp), write_sources(tmp / "s.json", {"web": {"lang": "en", "category": "web",
                                                                                     "files": ["web.jsonl"]}})


def test_a_step_from_a_test_file_is_counted_in_the_manifest(toy_input):
    tmp, rules, sources = toy_input
    manifest = pretrain.run(["--sources", str(sources), "--output", str(tmp / "out"), "--rules", str(rules)])
    counts = manifest["counts"]
    assert counts["steps"]["calm_down"] == {"in": 3, "out": 2, "rejected": 1}
    assert counts["by_rule"] == {"shouting": 1} and manifest["accounting"]["holds"]
    (rejected,) = pq.read_table(tmp / "out" / "rejected").to_pylist()
    assert rejected["id"] == "shout" and rejected["rule"] == "shouting" and rejected["threshold"] == 0.6
    docs = {d["id"]: d for d in pq.read_table(tmp / "out" / "data").to_pylist()}
    assert "!!!" not in docs["calm"]["text"] and "exclamations_collapsed" in docs["calm"]["flags"]
    assert "exclamations_collapsed" not in docs["plain"]["flags"]
    # the steps before it saw all three, the language step ran first (after: language)
    assert counts["steps"]["language"]["out"] == 3


def test_rules_explain_traces_the_toy_step(toy_input, capsys):
    tmp, rules, _ = toy_input
    page_path = tmp / "explain.html"
    assert curator(["explain", "--rules", str(rules), "--input", str(tmp / "web.jsonl"), "--output", str(page_path)]) == 0
    page = page_path.read_text(encoding="utf-8")
    assert "data-rule='calm_down' data-hits='1' data-dropped='0'" in page       # the collapse, a change
    assert "data-rule='shouting' data-hits='1' data-dropped='1'" in page        # its rejection, a row of its own
    assert "of the letters are capitals" in page


def test_a_rules_file_naming_a_missing_step_is_a_usage_error(tmp_path):
    rules = yaml.safe_load(pretrain.DEFAULT_RULES.read_text(encoding="utf-8"))
    rules["custom_steps"] = [{"step": "tests.test_steps:NoSuchStep"}]
    rules["quality"]["model"]["path"] = str(pretrain.DEFAULT_RULES.parent / rules["quality"]["model"]["path"])
    rules["sensitive_words"]["lists"] = []
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
    write_lines(tmp_path / "a.jsonl", [{"text": PLAIN}])
    sources = write_sources(tmp_path / "s.json", {"web": {"lang": "en", "category": "web", "files": ["a.jsonl"]}})
    with pytest.raises(pretrain.UsageError, match="NoSuchStep"):
        pretrain.run(["--sources", str(sources), "--output", str(tmp_path / "out"), "--rules", str(tmp_path / "rules.yaml")])


class Upper(Step):
    name = "upper"

    def apply(self, doc):
        doc["text"] = doc["text"].upper()
        doc["flags"].append("upper")
        return doc


class ScoreAll(Step):
    name = "score_all"
    batch = True

    def apply_batch(self, docs):
        return [d if len(d["text"]) > 3 else Reject("tiny", "3 characters or fewer") for d in docs]


class Explodes(Step):
    name = "explodes"

    def apply(self, doc):
        if doc["text"] == "boom":
            raise RuntimeError("boom")
        return doc


def test_the_chain_counts_traces_and_keeps_order():
    docs = [{"text": "abcd"}, {"text": "ab"}, {"text": "boom"}, {"text": "wxyz"}]
    counts, traces = Counter(), []
    kept, rejected, failed = StepChain([Explodes(), Upper(), ScoreAll()]).run(docs, counts, traces)
    assert [d["text"] for d in kept] == ["ABCD", "WXYZ"]
    assert [(d["text"], r.rule) for d, r, _ in rejected] == [("AB", "tiny")]
    assert [(d["text"], str(e)) for d, e in failed] == [("boom", "boom")]
    assert counts[C.step("explodes", "in")] == 4 and counts[C.step("explodes", "out")] == 3
    assert counts[C.step("score_all", "in")] == 3 and counts[C.step("score_all", "rejected")] == 1
    first = traces[0]
    assert [e.step for e in first] == ["explodes", "upper", "score_all"]
    assert first[1].before == {"text": "abcd"} and first[1].after == {"text": "ABCD"} and first[1].hits[0].flag == "upper"
    assert traces[1][-1].reject.rule == "tiny" and traces[2] == []


def test_a_misspelled_counter_kind_fails_at_once():
    with pytest.raises(ValueError, match="unknown counter kind"):
        C.Count("rejectd", "x")


class UpperInBulk(Upper):
    """A step with a bulk form that cannot handle one record: the chain retries record by record."""
    name = "upper_bulk"

    def apply_batch(self, docs):
        if any(d["text"] == "ab" for d in docs):
            raise ValueError("the bulk form does not like 'ab'")
        return [self.apply(d) for d in docs]

    def apply(self, doc):
        if doc["text"] == "ab":
            raise ValueError("nor does the single form")
        return super().apply(doc)


def test_a_bulk_step_that_raises_is_retried_record_by_record_and_only_the_culprit_fails():
    docs = [{"text": "abcd"}, {"text": "ab"}, {"text": "wxyz"}]
    counts = Counter()
    chain = StepChain([UpperInBulk(), ScoreAll()])
    kept, rejected, failed = chain.run(docs, counts)
    assert [d["text"] for d in kept] == ["ABCD", "WXYZ"]
    assert [(d["text"], str(e)) for d, e in failed] == [("ab", "nor does the single form")]
    assert counts[C.step("upper_bulk", "in")] == 3 and counts[C.step("upper_bulk", "out")] == 2
    assert counts[C.step("upper_bulk", "rejected")] == 0
    assert set(chain.seconds) == {"upper_bulk", "score_all"} and all(s >= 0 for s in chain.seconds.values())


def test_rejections_come_back_in_input_order_whichever_step_rejected():
    class DropB(Step):
        name = "drop_b"

        def apply(self, doc):
            return Reject("b", "has b") if "b" in doc["text"] else doc

    class DropX(Step):
        name = "drop_x"

        def apply(self, doc):
            return Reject("x", "has x") if "x" in doc["text"] else doc

    docs = [{"text": t} for t in ("x1", "b2", "x3", "ok", "b5")]
    _, rejected, _ = StepChain([DropB(), DropX()]).run(docs, Counter())
    assert [d["text"] for d, _, _ in rejected] == ["x1", "b2", "x3", "b5"]


def test_a_failed_bulk_call_leaves_no_flags_behind_for_the_retry():
    class FlagThenFail(Step):
        name = "flag_then_fail"

        def apply_batch(self, docs):
            for d in docs:
                d["flags"].append("seen")
            if len(docs) > 1:
                raise RuntimeError("bulk form gave up")
            return docs

        def counts(self, doc, flags):
            return [C.stage(f) for f in flags]

    docs = [{"text": t} for t in ("a", "b", "c")]
    counts = Counter()
    kept, _, failed = StepChain([FlagThenFail()]).run(docs, counts)
    assert not failed and [d["flags"] for d in kept] == [["seen"]] * 3 and counts[C.stage("seen")] == 3


def test_a_batch_steps_rejections_come_before_those_of_the_steps_after_it():
    class DropEven(Step):
        name = "drop_even"

        def apply(self, doc):
            return Reject("even", "even") if doc["n"] % 2 == 0 else doc

    class DropFive(Step):
        name = "drop_five"
        batch = True

        def apply_batch(self, docs):
            return [Reject("five", "five") if d["n"] == 5 else d for d in docs]

    class DropOne(Step):
        name = "drop_one"

        def apply(self, doc):
            return Reject("one", "one") if doc["n"] == 1 else doc

    docs = [{"text": str(n), "n": n} for n in range(6)]
    _, rejected, _ = StepChain([DropEven(), DropFive(), DropOne()]).run(docs, Counter())
    assert [(d["n"], r.rule) for d, r, _ in rejected] == [(0, "even"), (2, "even"), (4, "even"), (5, "five"), (1, "one")]
