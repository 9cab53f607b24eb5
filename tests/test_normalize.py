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


def test_whitespace_and_invisible_shortcuts_equal_the_plain_definitions():
    """The quick substring tests in front of the rewrites change nothing: compared with the plain
    regex definitions on random strings of the characters that matter."""
    import random
    import re

    from pipelines.text.normalize import _DELETE_TABLE, collapse_whitespace, remove_invisible

    def plain_collapse(text):
        text = re.sub(r"[^\S\n]+", " ", text)
        text = re.sub(r" ?\n ?", "\n", text)
        return re.sub(r"\n{3,}", "\n\n", text).strip()

    def plain_invisible(text):
        return text.replace("\r\n", "\n").translate(_DELETE_TABLE)

    alphabet = [" ", "\n", "\t", "\u3000", "\xa0", "a", "中", "\r", "\u200b", "\x00", "\x85", "\u2028", " \n ", "\x0b"]
    rng = random.Random(7)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert collapse_whitespace(text) == plain_collapse(text), repr(text)
        assert remove_invisible(text) == plain_invisible(text), repr(text)
