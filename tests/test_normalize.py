from pipelines.text.normalize import NormalizeConfig, Normalizer

TOKENS = ("<|endoftext|>", "</s>", "<s>", "<pad>", "[PAD]", "<unk>", "<|im_start|>", "<|im_end|>")
normalize = Normalizer(NormalizeConfig(special_tokens=TOKENS))


def test_invisible_and_control_characters_are_removed():
    text, changed = normalize("他\u200b们\u200d来\ufeff了\u00ad。bell\u0007 tab\u000bend\u0085")
    assert text == "他们来了。bell tabend"
    assert changed == ["invisible_removed"]


def test_special_tokens_are_removed_wherever_they_appear():
    text, changed = normalize("开始<|endoftext|>中间[PAD][PAD]结束</s> and <|im_start|>user<|im_end|>")
    assert not any(t in text for t in TOKENS)
    assert "special_tokens_removed" in changed
    assert text.startswith("开始 中间 结束")


def test_html_tags_comments_and_entities_are_cleaned():
    text, changed = normalize('<div class="content"><p>Fish &amp; chips&nbsp;today</p><!-- ad --><script>var x=1;</script></div>')
    assert text == "Fish & chips today"
    assert changed == ["html_removed"]


def test_text_that_only_looks_like_markup_is_kept():
    assert normalize("if a < b and b > c then AT&T wins")[0] == "if a < b and b > c then AT&T wins"


def test_chinese_full_width_punctuation_is_kept_and_whitespace_collapsed():
    text, _ = normalize("  你好，世界！  “引号”（括号）：；？\n\n\n\n下一段\t\t内容   ")
    assert text == "你好，世界！ “引号”（括号）：；？\n\n下一段 内容"


def test_crlf_and_lone_cr_become_one_newline():
    assert normalize("line one\r\nline two\rline three")[0] == "line one\nline two\nline three"


def test_clean_text_reports_no_change():
    assert normalize("干净的文本。\nClean text.") == ("干净的文本。\nClean text.", [])
