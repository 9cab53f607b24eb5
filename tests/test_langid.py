import pytest

from pipelines.text.langid import LangIdConfig, LanguageIdentifier

identify = LanguageIdentifier(LangIdConfig())


@pytest.mark.parametrize("text,lang", [
    ("今天天气很好，我们一起去公园散步吧。", "zh"),
    ("很快，好吃", "zh"),                                   # short review: low model score, still Chinese
    ("木兰花・玉楼春\n春葱指甲轻拢拈。五彩条垂双袖卷。", "zh"),  # classical, with the middle dot ・
    ("问：如何用Python读取文件？\n答：使用open函数打开文件，然后调用read方法读取内容。", "zh"),
    ("The committee approved the new budget after a long debate on Tuesday.", "en"),
    ("日本語の文章です。東京は大きい都市です。", "other"),
    ("Le comité a approuvé le nouveau budget après un long débat mardi.", "other"),
    ("#$%^&*|~<>{}[]=+_-@!?.,:;/\\0123456789", "other"),
    ("", "other"),
])
def test_language(text, lang):
    assert identify(text)[0] == lang


def test_a_batch_is_identified_as_each_text_alone():
    texts = ["今天天气很好，我们一起去公园散步吧。", "The committee approved the new budget.", "", "日本語の文章です。",
             "𠀀𠀁 abc", "Le comité a approuvé le budget.", "问：如何用Python读取文件？", "\n\n  \t"]
    assert identify.many(texts) == [identify(t) for t in texts]


def test_text_decided_by_its_script_scores_its_han_share():
    lang, score = identify("中文 abc")          # 2 Han of 5 letters: >= han_share_zh 0.3
    assert (lang, score) == ("zh", 0.4)
