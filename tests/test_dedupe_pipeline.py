"""End to end: `python -m pipelines.dedupe` (the same Beam stages the pretraining pipeline runs
after its filters) on a small corpus with exact copies, a chain of near copies, a boilerplate-sharing
pair and unrelated documents."""
import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.dedupe import run as dedupe_corpus
from tests.conftest import rules_copy

ZH_SENTENCES = [
    "今年春天南方多个城市遭遇持续强降雨，部分河流水位超过警戒线。", "气象部门提醒市民减少外出，注意防范山洪和城市内涝。",
    "市政部门连夜抢修排水管道，确保主干道路通行顺畅。", "学校根据天气情况调整了上课时间，家长接送更加方便。",
    "农业专家建议农户及时排水，防止农作物根系长期浸泡。", "电力公司组织抢修队伍，尽快恢复受影响小区的供电。",
    "博物馆新开设的青铜器展厅吸引了大批游客前来参观。", "讲解员介绍说，这批文物大多出土于上世纪七十年代。",
    "展览还利用数字技术复原了古代工匠的铸造过程。", "不少家长带着孩子利用周末时间走进博物馆学习历史。",
    "研究人员发现，适量运动可以明显改善睡眠质量。", "实验持续了十二周，参与者每天步行至少三十分钟。",
    "结果显示，运动组的入睡时间平均缩短了十五分钟。", "专家提醒，睡前两小时内不宜进行剧烈运动。",
]
EN_WORDS = ("river bridge market harvest winter council library teacher garden engine ocean forest village "
            "museum painter signal doctor island ladder mirror candle rocket basket violin tunnel desert").split()
BOILER = "本文来源网络版权归原作者所有如有侵权请联系删除。点击关注我们获取更多精彩资讯每日更新。"


def en_doc(rng, n=120):
    return " ".join(rng.choice(EN_WORDS) for _ in range(n)) + "."


def zh_doc(rng, k=8):
    return "".join(rng.sample(ZH_SENTENCES, k))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    rng = random.Random(5)
    root = tmp_path_factory.mktemp("dedupe")
    rows = []

    def add(doc_id, text, lang, score=0.5, category="web"):
        rows.append({"id": doc_id, "text": text, "lang": lang, "category": category, "quality_score": score, "source": f"{lang}_src"})

    base_en = en_doc(rng)
    add("en-orig", base_en, "en", 0.4)
    add("en-copy1", base_en.upper(), "en", 0.9)                        # exact after folding case: the better copy
    add("en-copy2", "  " + base_en.replace(" ", "  "), "en", 0.1)       # exact after folding whitespace
    # A chain a-b-c-d: each a light edit of the previous one.
    words = en_doc(rng, 200).split()
    chain = []
    for i in range(4):
        words = words[:]
        words[20 + 40 * i] = "zebra"
        words.insert(60 + 30 * i, "quartz")
        chain.append(" ".join(words))
    for i, t in enumerate(chain):
        add(f"chain-{i}", t, "en", 0.5)
    # Two different Chinese articles that share a long boilerplate footer, many more articles with it too.
    for i in range(12):
        add(f"zh-boiler-{i}", zh_doc(random.Random(100 + i), 4) + BOILER, "zh", 0.5, "news")
    zh_base = zh_doc(rng, 10)
    add("zh-orig", zh_base, "zh", 0.8, "news")
    add("zh-near", zh_base.replace("。", "。 ", 3) + "点击关注我们。", "zh", 0.3, "news")
    for i in range(30):
        add(f"other-{i}", en_doc(random.Random(1000 + i)), "en", 0.5)
    half = len(rows) // 2
    pq.write_table(pa.Table.from_pylist(rows[:half]), root / "a.parquet", row_group_size=10)
    pq.write_table(pa.Table.from_pylist(rows[half:]), root / "b.parquet", row_group_size=10)
    return root, {r["id"]: r for r in rows}


def run(root, tmp_path, mode="drop", extra_rules=None):
    path = rules_copy(tmp_path, lambda rules: [rules[k].update(v) for k, v in (extra_rules or {}).items()])
    out = tmp_path / f"out-{mode}"
    manifest = dedupe_corpus.run(["--input", str(root / "*.parquet"), "--output", str(out), "--rules", str(path), "--mode", mode])
    data = {r["id"]: r for r in pq.read_table(out / "data").to_pylist()}
    rejected = {r["id"]: r for r in pq.read_table(out / "rejected").to_pylist()} if list((out / "rejected").glob("*.parquet")) else {}
    return manifest, data, rejected


@pytest.fixture(scope="module")
def dropped(corpus, tmp_path_factory):
    return run(corpus[0], tmp_path_factory.mktemp("drop"))


def test_every_document_is_accounted_for(dropped, corpus):
    manifest, data, rejected = dropped
    assert manifest["accounting"]["holds"]
    assert len(data) + len(rejected) == len(corpus[1])
    assert manifest["counts"]["read"] == len(corpus[1])


def test_exact_copies_keep_the_best_scored_one(dropped):
    _, data, rejected = dropped
    assert "en-copy1" in data and "en-orig" not in data and "en-copy2" not in data
    assert rejected["en-orig"]["rule"] == "exact_duplicate" and rejected["en-orig"]["dup_of"] == "en-copy1"
    assert data["en-copy1"]["cluster_size"] == 3 and data["en-copy1"]["cluster_id"] == "en-copy1"


def test_a_chain_of_near_copies_ends_in_one_cluster(dropped):
    _, data, rejected = dropped
    survivors = [f"chain-{i}" for i in range(4) if f"chain-{i}" in data]
    assert survivors == ["chain-0"]                     # equal scores: the smallest id
    assert all(rejected[f"chain-{i}"]["rule"] == "near_duplicate" and rejected[f"chain-{i}"]["dup_of"] == "chain-0"
               for i in (1, 2, 3))


def test_boilerplate_sharing_articles_are_not_merged_but_a_near_copy_is(dropped):
    _, data, rejected = dropped
    assert all(f"zh-boiler-{i}" in data for i in range(12))
    assert "zh-orig" in data and rejected["zh-near"]["dup_of"] == "zh-orig"


def test_unrelated_documents_survive_with_their_own_cluster(dropped):
    _, data, _ = dropped
    for i in range(30):
        d = data[f"other-{i}"]
        assert (d["cluster_id"], d["cluster_size"], d["weight"]) == (f"other-{i}", 1, 1.0)


def test_manifest_reports_dedupe(dropped):
    manifest, _, _ = dropped
    d = manifest["dedupe"]
    assert d["exact_duplicates_removed"] == 2 and d["near_duplicates_removed"] == 4
    assert d["candidate_pairs"] >= d["verified_pairs"] > 0 and d["cc_unconverged"] == 0 if "cc_unconverged" in d else True


def test_weight_mode_keeps_everyone_with_weights_summing_to_one(corpus, tmp_path):
    manifest, data, rejected = run(corpus[0], tmp_path, mode="weight")
    assert not rejected and len(data) == len(corpus[1]) and manifest["accounting"]["holds"]
    sums = {}
    for d in data.values():
        sums[d["cluster_id"]] = sums.get(d["cluster_id"], 0.0) + d["weight"]
    assert all(abs(s - 1.0) < 1e-6 for s in sums.values())
    assert data["chain-3"]["cluster_id"] == "chain-0" and data["chain-3"]["weight"] == pytest.approx(0.25)


def test_sampling_hits_the_target_shares_and_accounts_for_what_it_leaves_out(corpus, tmp_path):
    docs = corpus[1]
    manifest, data, rejected = run(corpus[0], tmp_path, extra_rules={
        "sampling": {"target": {"documents": 20}, "shares": {"en": {"web": 0.5}, "zh": {"news": 0.5}}, "seed": 3}})
    sampled = pq.read_table(tmp_path / "out-drop" / "sampled_out").to_pylist()
    assert manifest["accounting"]["holds"]
    assert len(data) + len(rejected) + len(sampled) == len(docs)
    report = manifest["sampling"]
    assert report["sampled_out"] == len(sampled) > 0
    zh = report["strata"]["zh/news"]
    assert zh["target_share"] == 0.5 and zh["output"] == zh["input"] == 13   # smaller than its target: kept whole
    assert report["strata"]["en/web"]["output"] < report["strata"]["en/web"]["input"]
    (tmp_path / "again").mkdir()
    again, data2, _ = run(corpus[0], tmp_path / "again", extra_rules={
        "sampling": {"target": {"documents": 20}, "shares": {"en": {"web": 0.5}, "zh": {"news": 0.5}}, "seed": 3}})
    assert set(data2) == set(data)                                              # deterministic per id


def test_empty_input(tmp_path):
    pq.write_table(pa.table({"id": pa.array([], pa.string()), "text": pa.array([], pa.string()),
                             "lang": pa.array([], pa.string())}), tmp_path / "empty.parquet")
    manifest = dedupe_corpus.run(["--input", str(tmp_path / "empty.parquet"), "--output", str(tmp_path / "out")])
    assert manifest["accounting"]["holds"] and manifest["counts"]["read"] == 0


def test_bad_input_is_a_usage_error(tmp_path):
    pq.write_table(pa.table({"id": ["a"], "body": ["x"]}), tmp_path / "bad.parquet")
    assert dedupe_corpus.main(["--input", str(tmp_path / "bad.parquet"), "--output", str(tmp_path / "o")]) == 2
    assert dedupe_corpus.main(["--input", str(tmp_path / "none-*.parquet"), "--output", str(tmp_path / "o")]) == 2
