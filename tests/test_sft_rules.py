"""SFT record rules (cleaning_rules/sft.yaml, pipelines/sft/record_rules.py).

* every example of sft.yaml and sft_replacements.yaml;
* unit tests per rule.
The acceptance figures on the benchmark corpus run through the whole pipeline
(tests/test_sft_bench_corpus.py).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.curator.examples import example_failure
from pipelines.sft.record_rules import (RecordCleaner, SftRulesError, build_sensitive_filter, build_sensitive_filters, fold, load_replacements,
                                        load_sft_rules, near_repeat)

REPO = Path(__file__).resolve().parent.parent
RULES_DIR = REPO / "cleaning_rules"
RULES_PATH = RULES_DIR / "sft.yaml"

RULES = load_sft_rules(RULES_PATH)


@pytest.fixture(scope="module")
def cleaner() -> RecordCleaner:
    return RecordCleaner.from_rules(RULES, RULES_DIR)


def rec(**kw) -> dict:
    base = {"id": "t#0", "source": "test", "lang": "", "instruction": "", "input": "", "output": "", "history": [],
            "flags": [], "category": None, "subcategory": None, "label_source": None, "source_class": None}
    base.update(kw)
    return base


# --------------------------------------------------------------------------- examples in the YAML
def _examples():
    for section in ("cleaning", "filters"):
        for rule in RULES[section]:
            for i, ex in enumerate(rule.get("examples") or []):
                yield pytest.param(rule["id"], ex, id=f"{section}:{rule['id']}:{i}")


@pytest.mark.parametrize("rule_id,example", list(_examples()))
def test_rule_examples(cleaner, rule_id, example):
    assert example_failure(cleaner, example) is None, rule_id


def test_every_rule_is_documented():
    for section in ("cleaning", "filters"):
        for rule in RULES[section]:
            assert rule.get("id") and rule.get("description") and rule.get("fields") and rule.get("action"), rule
            assert rule["action"] in ("drop", "clear_field", "rewrite")
            assert "examples" in rule
            if rule["id"] not in ("sensitive_words", "contaminated"):      # both act on files the user points at
                assert rule["examples"], rule["id"]


REPLACEMENTS = load_replacements(RULES_DIR / RULES["replacements"])


@pytest.mark.parametrize("rep", REPLACEMENTS, ids=[r.id for r in REPLACEMENTS])
def test_replacement_examples(rep):
    assert rep.example, f"replacement {rep.id} has no example"
    assert rep(rep.example["text"]) == rep.example["expect"]


def test_replacements_apply_only_to_their_fields(cleaner):
    out, _, applied = cleaner.clean(rec(instruction="答：这是指令吗？", output="答：是的。"))
    assert out["instruction"] == "答：这是指令吗？" and out["output"] == "是的。"
    assert "replaced:answer_prefix_zh" in applied


def test_bad_rules_are_reported(tmp_path):
    with pytest.raises(SftRulesError):
        RecordCleaner.from_rules({**RULES, "filters": [{"id": "no_such_rule"}]}, RULES_DIR)
    bad = tmp_path / "r.yaml"
    bad.write_text("replacements:\n  - {id: x, pattern: '(', replacement: ''}\n", encoding="utf-8")
    with pytest.raises(SftRulesError):
        load_replacements(bad)


# --------------------------------------------------------------------------- unit tests per rule
def test_clean_does_not_mutate_and_keeps_other_fields(cleaner):
    r = rec(instruction="什么是三原色？", output="红、黄、蓝。</s>", category="qa", flags=["x"])
    snapshot = json.dumps(r, ensure_ascii=False)
    out, _, applied = cleaner.clean(r)
    assert json.dumps(r, ensure_ascii=False) == snapshot
    assert out["category"] == "qa" and out["flags"] == ["x", "special_tokens_removed"]
    assert applied == ["special_tokens_removed"]


def test_clean_record_is_untouched(cleaner):
    r = rec(instruction="Give three tips for staying healthy.", output="1. Eat well.\n2. Exercise.\n3. Sleep.")
    out, rej, applied = cleaner.clean(r)
    assert rej is None and applied == [] and out["output"] == r["output"]


def test_special_tokens_and_invisible_everywhere(cleaner):
    r = rec(instruction="<|im_start|>user\u200b 写诗", input="[PAD]春天", output="春风\ufeff<|im_end|>\u0007",
            history=[{"user": "你好<pad>", "assistant": "你好！\u200d</s>"}])
    out, _, applied = cleaner.clean(r)
    assert out["output"] == "春风" and out["input"] == "春天"
    assert out["history"] == [{"user": "你好", "assistant": "你好！"}]
    assert {"special_tokens_removed", "invisible_removed"} <= set(applied)


def test_code_indentation_is_kept(cleaner):
    code = "```python\ndef f(x):\n    if x < 2:\n        return x\n    return f(x - 1)\n```"
    out, _, _ = cleaner.clean(rec(instruction="Write a recursive function.", output=code))
    assert out["output"] == code


def test_html_answer_is_kept_and_residue_removed(cleaner):
    html_task = rec(instruction="Create an HTML form with a name field.", output='<form><input type="text" name="n"></form>')
    assert cleaner.clean(html_task)[0]["output"] == html_task["output"]
    out, _, applied = cleaner.clean(rec(instruction="Describe the sea.", output="The sea is <span style=\"color:red\">blue</span>."))
    assert out["output"] == "The sea is blue."
    assert "html_removed" in applied


def test_template_residue_variants(cleaner):
    out, _, applied = cleaner.clean(rec(instruction="### Instruction:\nName a color.\n", input="### Input:\nsky",
                                        output="### Response: Blue."))
    assert (out["instruction"], out["input"], out["output"]) == ("Name a color.", "sky", "Blue.")
    assert "template_residue_removed" in applied
    out, _, _ = cleaner.clean(rec(instruction="Below is an instruction that describes a task. Write a response.\n\n"
                                              "### Instruction:\nName a color.", output="Blue."))
    assert out["instruction"] == "Name a color."
    # Not at the start: kept.
    out, _, _ = cleaner.clean(rec(instruction="Explain what '### Response:' means in a prompt.", output="It marks the answer."))
    assert out["instruction"] == "Explain what '### Response:' means in a prompt."


def test_t2s_only_traditional_records(cleaner):
    out, _, applied = cleaner.clean(rec(instruction="請給出三個保持健康的提示。", input="", output="多喝水，多運動。"))
    assert out["instruction"] == "请给出三个保持健康的提示。" and out["output"] == "多喝水，多运动。"
    assert "t2s" in applied and "t2s" in out["flags"]
    # A short field with no Traditional-only character follows its record.
    out, _, _ = cleaner.clean(rec(instruction="翻譯這個詞。", input="头发", output="hair"))
    assert out["instruction"] == "翻译这个词。"
    _, _, applied = cleaner.clean(rec(instruction="什么是三原色？", output="红、黄、蓝。"))
    assert "t2s" not in applied


@pytest.mark.parametrize("value", ["<一段文本>", "<noinput>", "<无输入>", "<input>", "无", "N/A", "<文章>", "n/a", "None",
                                   "无。", "（无）", "[无输入]", "<一首诗>", "null", " 无 ", "No input"])
def test_invalid_inputs_are_cleared(cleaner, value):
    out, rej, applied = cleaner.clean(rec(instruction="写一首关于春天的诗。", input=value, output="春风拂面花自开。"))
    assert rej is None and out["input"] == "" and out["output"] == "春风拂面花自开。"
    assert "input_cleared:invalid_input" in applied


@pytest.mark.parametrize("value", ["无论如何", "None of the above apply.", "<b>", "N/A means not applicable", "3 + 4"])
def test_real_inputs_are_kept(cleaner, value):
    out, _, _ = cleaner.clean(rec(instruction="Explain this text.", input=value, output="It is a short text, explained."))
    assert out["input"] == value or (value == "<b>" and out["input"] == "")


def test_input_repeating_instruction_is_cleared(cleaner):
    for instr, inp in [("描述一个原子的结构。", "描述一个原子的结构。"), ("描述一个原子的结构。", "描述一个原子的结构"),
                       ("Describe the structure of an atom.", "describe the structure of an atom"),
                       ("Describe the structure of an atom.", "Describe the structure of the atom.")]:
        out, rej, applied = cleaner.clean(rec(instruction=instr, input=inp, output="An atom has a nucleus."))
        assert rej is None and out["input"] == "", (instr, inp)
        assert "input_cleared:input_repeats_instruction" in applied


def test_near_repeat():
    assert near_repeat("什么是三原色？", "什么是三原色", 0.8, 0.75)
    assert not near_repeat("Translate to French.", "I like cheese.", 0.8, 0.75)
    assert not near_repeat("Is this sentence correct?", "Is", 0.8, 0.75)
    assert fold("Hello, World!") == "helloworld"


@pytest.mark.parametrize("value", ["[图画]", "[图片]", "<image>", "[音频]", "", "   ", "[视频]", "【图片】", "<img>", "[image]",
                                   "(picture)", "<nooutput>", "![](a.png)"])
def test_invalid_outputs_are_dropped(cleaner, value):
    out, rej, _ = cleaner.clean(rec(instruction="画一只猫。", output=value))
    assert out is None and rej[0] == "invalid_output", (value, rej)


@pytest.mark.parametrize("value", ["抱歉，我无法回答这个问题。", "对不起，我不能回答这个问题。", "很抱歉，作为一个AI语言模型，我无法提供这方面的信息。",
                                   "I'm sorry, I cannot answer that question.", "Sorry, as an AI language model, I cannot help with that.",
                                   "I am unable to provide an answer to this."])
def test_bare_refusals_are_dropped(cleaner, value):
    out, rej, _ = cleaner.clean(rec(instruction="你喜欢什么颜色？", output=value))
    assert out is None and rej[0] == "refusal_output", (value, rej)


@pytest.mark.parametrize("value", ["抱歉，我无法回答这个问题，但我可以告诉你：三原色是红、黄、蓝，它们可以混合出其他所有颜色。",
                                   "I'm sorry to hear that. Here are some tips: get enough sleep, talk to a friend, and go for a walk every day.",
                                   "我无法确定。"])
def test_refusal_with_content_is_kept(cleaner, value):
    instr = "你喜欢什么颜色？" if value[0] in "抱我" else "I feel sad today."
    out, rej, _ = cleaner.clean(rec(instruction=instr, output=value))
    if value == "我无法确定。":
        assert rej is None or rej[0] != "refusal_output"
    else:
        assert rej is None, rej


def test_output_repeating_instruction_is_dropped(cleaner):
    for instr, o in [("Describe the structure of an atom.", "Describe the structure of an atom"),
                     ("什么是三原色？", "什么是三原色？")]:
        out, rej, _ = cleaner.clean(rec(instruction=instr, output=o))
        assert out is None and rej[0] == "output_repeats_instruction"


def test_length_bounds(cleaner):
    p = next(r for r in RULES["filters"] if r["id"] == "length_bounds")["parameters"]
    _, rej, _ = cleaner.clean(rec(instruction="写" * (p["instruction_max"] + 1), output="好"))
    assert rej[0] == "length_bounds"
    _, rej, _ = cleaner.clean(rec(instruction="写一篇文章", output="字" * (p["output_max"] + 1)))
    assert rej[0] == "length_bounds"
    out, rej, applied = cleaner.clean(rec(instruction="", input="Name a color.", output="Blue."))
    assert rej is None and out["instruction"] == "Name a color." and "input_as_instruction" in applied


def test_language_mismatch(cleaner):
    en = "An atom consists of a nucleus of protons and neutrons surrounded by electrons."
    _, rej, _ = cleaner.clean(rec(instruction="描述一个原子的结构。", output=en))
    assert rej[0] == "language_mismatch"
    # Translation, short answers, code and math are never judged.
    for instr, o in [("把这句话翻译成英语：原子很小。", "Atoms are very small, much smaller than anything we can see."),
                     ("Translate into Chinese: atoms are small.", "原子很小，比我们能看到的任何东西都小得多。"),
                     ("美国的首都是哪里？", "Washington, D.C."),
                     ("计算下列表达式的值。", "(3 + 4) * 5 = 35; 35 / 7 = 5; 5 ^ 2 = 25; sqrt(25) = 5"),
                     ("写一个函数计算阶乘。", "def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)"),
                     ("生成一个以字母A开头的英文句子。", "A little bird sang a beautiful song in the morning.")]:
        out, rej, _ = cleaner.clean(rec(instruction=instr, output=o))
        assert rej is None, (instr, rej)


def test_language_mismatch_in_bulk_decides_each_record_as_alone(cleaner):
    step = next(s for s in cleaner.chain.steps if s.name == "language_mismatch")
    en = "An atom consists of a nucleus of protons and neutrons surrounded by electrons."
    zh = "原子由原子核和围绕原子核运动的电子组成，原子核由质子和中子构成，电子带负电荷。"
    pairs = [("描述一个原子的结构。", en), ("Please describe the structure of an atom in a few sentences.", zh), ("描述一个原子的结构。", zh), ("Describe an atom.", en),
             ("Go", zh), ("写一个函数计算阶乘。", "def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)"),
             ("美国的首都是哪里？", "Washington, D.C."), ("日本語で書いてください。", en)]
    alone = [step.apply_batch([rec(instruction=i, output=o, lang="en")])[0] for i, o in pairs]
    together = step.apply_batch([rec(instruction=i, output=o, lang="en") for i, o in pairs])
    verdict = [getattr(r, "reason", "kept") for r in alone]
    assert verdict == [getattr(r, "reason", "kept") for r in together]
    assert verdict[:5] == ["instruction is zh, output is en", "instruction is en, output is zh", "kept", "kept",
                           "instruction is en, output is zh"]


def test_unknown_lang_uses_record_lang_for_short_instructions(cleaner):
    long_zh = "原子由原子核和围绕原子核运动的电子组成，原子核由质子和中子构成，电子带负电荷。"
    _, rej, _ = cleaner.clean(rec(instruction="Go", lang="en", output=long_zh))
    assert rej is not None and rej[0] == "language_mismatch"
    _, rej, _ = cleaner.clean(rec(instruction="Go", lang="", output=long_zh))
    assert rej is None


class _FakeOutcome:
    def __init__(self, text, dropped_by=None, reason="", masked=0):
        self.text, self.dropped_by, self.reason, self.masked = text, dropped_by, reason, masked


class _FakeSensitive:
    """Drops text with "BAD", masks "darn"; records the languages it was asked about."""

    def __init__(self):
        self.langs = []

    def apply(self, text, lang):
        self.langs.append(lang)
        if "BAD" in text:
            return _FakeOutcome(text, "fake_list", "fake_list: 1 hit (BAD)")
        if "darn" in text:
            return _FakeOutcome(text.replace("darn", "****"), masked=1)
        return _FakeOutcome(text)


def test_sensitive_hook():
    fake = _FakeSensitive()
    c = RecordCleaner.from_rules(RULES, RULES_DIR, sensitive=fake)
    out, rej, _ = c.clean(rec(instruction="写一句话。", output="好的BAD"))
    assert out is None and rej[0] == "sensitive_words" and "BAD" in rej[1]
    out, rej, applied = c.clean(rec(instruction="Say it.", output="Oh darn, it rains."))
    assert out["output"] == "Oh ****, it rains." and "masked:sensitive_words" in applied
    assert "zh" in fake.langs and "en" in fake.langs
    # Without a filter the rule is skipped.
    assert RecordCleaner.from_rules(RULES, RULES_DIR).clean(rec(instruction="写一句话。", output="好的BAD"))[1] is None


def test_sensitive_filter_from_the_pretraining_lists():
    f = build_sensitive_filter(RULES, RULES_DIR)
    assert f is not None and f.term_counts
    c = RecordCleaner.from_rules(RULES, RULES_DIR, sensitive=f)
    out, rej, _ = c.clean(rec(instruction="推荐一个网站。", output="这里有很多色情视频。"))
    assert out is None and rej[0] == "sensitive_words"
    out, rej, _ = c.clean(rec(instruction="这款手机性能如何？", output="性能很好，续航也不错。"))
    assert rej is None


def test_source_allow_words_apply_to_their_source_only(tmp_path):
    words = tmp_path / "extra.txt"
    words.write_text("阴茎\n", encoding="utf-8")
    rules = json.loads(json.dumps(RULES))
    params = next(r for r in rules["filters"] if r["id"] == "sensitive_words")["parameters"]
    params["extra_lists"] = [{"name": "extra", "lang": "zh", "category": "mixed", "paths": [str(words)], "action": "drop"}]
    params["source_allow_words"] = {"medical": ["阴茎"]}
    c = RecordCleaner.from_rules(rules, RULES_DIR, sensitive=build_sensitive_filters(rules, RULES_DIR))
    question = dict(instruction="阴茎上长了小疙瘩怎么办？", output="建议到医院泌尿外科检查。")
    assert c.clean(rec(source="medical", **question))[1] is None
    out, rej, _ = c.clean(rec(source="chat", **question))
    assert out is None and rej[0] == "sensitive_words" and "阴茎" in rej[1]


@pytest.mark.parametrize("output, want", [
    ("<p>长城是为抵御北方游牧民族修建的。</p><p>它把烽火台连成一体。</p>", "长城是为抵御北方游牧民族修建的。\n\n它把烽火台连成一体。"),
    ("<b>长城</b>是古代的防御工程。", "长城是古代的防御工程。"),
    ("第一行<br>第二行<br/>第三行", "第一行\n第二行\n第三行"),
    ("The <b>Great Wall</b> is long.", "The Great Wall is long."),
    ("床前明月光 疑是地上霜", "床前明月光 疑是地上霜"),          # no tag: spaces are content
])
def test_html_residue_keeps_the_text_shape(cleaner, output, want):
    out, rej, _ = cleaner.clean(rec(instruction="介绍一下长城的修建目的。", output=output))
    assert rej is None and out["output"] == want
