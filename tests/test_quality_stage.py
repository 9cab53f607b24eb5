"""The quality stages inside the pipeline: signals as columns, auditable rejects, masking,
the classifier and its training command, deterministic Pareto sampling."""
import json
import subprocess
import sys

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from pipelines.core import counters as C
from pipelines.pretrain import run as pretrain
from pipelines.core.readers import RawBatch
from pipelines.text.quality_model import QualityModel, pareto_keep, train
from schemas.pretrain import SIGNAL_COLUMNS
from tests.conftest import REPO, write_lines, write_sources

GOOD_ZH = "子曰：学而时习之，不亦说乎？有朋自远方来，不亦乐乎？人不知而不愠，不亦君子乎？曾子曰：吾日三省吾身。"
GOOD_EN = ("The committee met on Tuesday to discuss the budget for the coming year. After a long debate, "
           "the members agreed to fund the new library and to repair the roads in the northern district.")


def batch(*texts, source="zh_web"):
    return RawBatch(source, "f.jsonl", "jsonl", [(i, json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False).encode())
                                                 for i, t in enumerate(texts, 1)])


@pytest.fixture(scope="module")
def processor(processor_config):
    from pipelines.pretrain.processor import DocumentProcessor
    return DocumentProcessor(processor_config)


def test_signals_are_columns_of_kept_documents(processor):
    out = processor.process(batch(GOOD_ZH, GOOD_EN))
    assert [d["id"] for d in out.documents] == ["d1", "d2"]
    for d in out.documents:
        assert all(isinstance(d[c], float) for c in SIGNAL_COLUMNS)
        assert 0 <= d["quality_score"] <= 1 and d["model_score"] is not None
    assert out.documents[0]["q_cjk_ratio"] > 0.7 and out.documents[1]["q_cjk_ratio"] == 0


@pytest.mark.parametrize("text,rule", [
    ("好吃", "too_short"),
    ("\n".join(["这家店的外卖送得很快，味道也不错。"] * 20), "repeated_lines"),
    (" ".join(["免费下载 最新 破解版 高清"] * 30), "repeated_ngrams"),
    ("#$%^&*|~<>{}[]=+_-@!?.,:;/\\0123456789" * 10 + "这是一段文字", "symbol_soup"),
])
def test_junk_is_rejected_with_rule_value_and_threshold(processor, text, rule):
    out = processor.process(batch(text))
    (rej,) = out.rejected
    assert rej["rule"] == rule
    assert rej["value"] is not None and rej["threshold"] is not None and str(round(rej["threshold"], 2)).rstrip("0").rstrip(".") in rej["reason"]


def test_mojibake_is_rejected(processor):
    broken = ("Café prices rose again — the owner said “we had no choice”. Regulars at the café on the corner "
              "were not happy about it, and some of them said they would go elsewhere.").encode("utf-8").decode("latin-1")
    (rej,) = processor.process(batch(broken, source="en_web")).rejected
    assert rej["rule"] == "mojibake"


def test_innocent_words_in_reviews_and_classics_are_kept(processor):
    review = "这款手机性能很好，性价比高，电池续航也不错，快递两天就到了，包装完整，推荐购买。"
    classic = "秋，晋侯杀其大夫。奸臣当道，国人苦之，君子曰：不亦宜乎？于是诸侯皆叛，国乃大乱。"
    out = processor.process(batch(review, classic))
    assert all(d["sensitive_hits"] == 0 for d in out.documents)
    assert not [r for r in out.rejected if r["rule"].startswith("sensitive:")]


def test_spam_words_drop_and_profanity_is_masked(processor):
    spam = "最新消息：加微信领取优惠，代开发票，加微信咨询，代开发票，诚信经营。" * 2
    out = processor.process(batch(spam))
    assert out.rejected and out.rejected[0]["rule"] == "sensitive:zh_ads"
    en = processor.process(batch(GOOD_EN + " What the fuck, he said, that fucking road again!", source="en_web"))
    (doc,) = en.documents
    assert "sensitive_masked" in doc["flags"] and "fuck" not in doc["text"] and "****" in doc["text"]


def test_pareto_keep_is_deterministic_and_favours_high_scores():
    ids = [f"doc-{i}" for i in range(4000)]
    assert [pareto_keep(i, 0.5, 9) for i in ids] == [pareto_keep(i, 0.5, 9) for i in ids]
    kept = {s: sum(pareto_keep(i, s, 9) for i in ids) / len(ids) for s in (0.1, 0.5, 0.9, 0.99)}
    assert kept[0.1] < kept[0.5] < kept[0.9] < kept[0.99]
    # Lomax(9): P(draw > 1 - s) = (2 - s) ** -9
    assert abs(kept[0.5] - 1.5 ** -9) < 0.02 and abs(kept[0.99] - 1.01 ** -9) < 0.03


def test_model_round_trips_and_separates_the_classes(tmp_path):
    pos = [GOOD_ZH + f"第{i}章。" for i in range(20)] + [GOOD_EN + f" Chapter {i}." for i in range(20)]
    neg = [f"亲，包邮哦！{i}号店大促销，快来抢购吧！！！" for i in range(20)] + [f"BUY NOW!!! cheap deal {i} click here" for i in range(20)]
    model = train(pos, neg, n_features=4096)
    model.save(str(tmp_path / "m.npz"))
    loaded = QualityModel.load(str(tmp_path / "m.npz"))
    scores = loaded.score([GOOD_ZH, "亲，包邮哦！大促销，快来抢购吧！！！"])
    assert np.allclose(scores, model.score([GOOD_ZH, "亲，包邮哦！大促销，快来抢购吧！！！"]), atol=1e-5)
    assert scores[0] > 0.5 > scores[1]


def test_train_command_writes_a_model_the_pipeline_uses(tmp_path):
    pos = write_lines(tmp_path / "ref.jsonl", [{"text": GOOD_ZH + str(i)} for i in range(30)] + [{"text": GOOD_EN + str(i)} for i in range(30)])
    neg = write_lines(tmp_path / "web.jsonl", [{"text": f"亲，包邮哦！{i}号店大促销，快来抢购吧！"} for i in range(30)]
                      + [{"text": f"BUY NOW cheap deal number {i}, click here to order today"} for i in range(30)])
    model = tmp_path / "q.npz"
    proc = subprocess.run([sys.executable, "-m", "pipelines.quality", "train", "--positive", str(pos), "--negative", str(neg),
                           "--output", str(model), "--n-features", "4096"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout[: proc.stdout.rindex("}") + 1])["holdout"]["accuracy"] >= 0.9
    # A rules file that uses it in threshold mode rejects the web text with rule quality_score.
    rules = yaml.safe_load(pretrain.DEFAULT_RULES.read_text())
    rules["quality"]["model"].update(path=str(model), mode="threshold", min_score=0.5)
    rules["sensitive_words"]["lists"] = []
    for s in rules["sensitive_words"]["lists"]:
        s["paths"] = [str(pretrain.DEFAULT_RULES.parent / p) for p in s["paths"]]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True))
    write_lines(tmp_path / "in.jsonl", [{"id": "ref", "text": GOOD_ZH}, {"id": "ad", "text": "亲，包邮哦！88号店大促销，快来抢购吧！"}])
    sources = write_sources(tmp_path / "s.json", {"web": {"lang": "zh", "category": "web", "files": ["in.jsonl"]}})
    manifest = pretrain.run(["--sources", str(sources), "--output", str(tmp_path / "out"), "--rules", str(tmp_path / "rules.yaml")])
    assert manifest["counts"]["by_rule"] == {"quality_score": 1}
    (rej,) = pq.read_table(tmp_path / "out" / "rejected").to_pylist()
    assert rej["id"] == "ad" and rej["value"] < 0.5 and rej["threshold"] == 0.5


def test_an_unexpected_error_in_a_stage_becomes_a_dead_letter(processor, monkeypatch):
    def boom(text, lang):
        if "boom" in text:
            raise RuntimeError("signal code failed")
        return real(text, lang)
    def boom_batch(texts, langs):
        if any("boom" in t for t in texts):
            raise RuntimeError("signal code failed")
        return real_batch(texts, langs)
    import pipelines.steps.quality as dp
    real, real_batch = dp.compute_signals, dp.compute_signals_batch
    monkeypatch.setattr(dp, "compute_signals", boom)
    monkeypatch.setattr(dp, "compute_signals_batch", boom_batch)     # the batch fails, then each record is tried alone
    out = processor.process(batch(GOOD_EN + " boom", GOOD_EN, source="en_web"))
    assert [d["id"] for d in out.documents] == ["d2"]
    (dead,) = out.dead_letters
    assert dead["error_kind"] == "processing_error" and "signal code failed" in dead["error"] and dead["source_line"] == 1
    assert out.counts[C.READ] == 2 == out.counts[C.WRITTEN] + out.counts[C.N_REJECTED] + out.counts[C.N_DEAD_LETTER]
