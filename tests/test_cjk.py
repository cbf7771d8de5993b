"""Chinese and Japanese text: sentences, words, paragraphs, and everything downstream."""

import csv
import sys

import numpy as np
import pytest
from nltk.tokenize.punkt import PunktSentenceTokenizer

from sklearn_mgm import HierarchicalTokenizer, explain, load, make_mgm_pipeline, save
from sklearn_mgm.cjk import FullWidthSentences, join_words
from sklearn_mgm.cli import main
from sklearn_mgm.datasets import load_bbc_news

pytest.importorskip("jieba")

# four sentences, with clauses between commas: the old tokenizer made each clause a "word"
PARAGRAPH = (
    "今天天气很好，我们去公园散步。公园里的花都开了！你喜欢春天吗？我非常喜欢春天，也喜欢秋天。"
)


def sentences_of(text, **params):
    tokenizer = HierarchicalTokenizer(sentence_model="untrained", **params).fit([text])
    (document,) = tokenizer.inverse_transform(tokenizer.transform([text]))
    return [sentence for paragraph in document for sentence in paragraph]


def test_a_chinese_paragraph_of_four_sentences_gives_four_sentences_of_words():
    sentences = sentences_of(PARAGRAPH)
    assert len(sentences) == 4
    assert sentences[0] == ["今天天气", "很", "好", "我们", "去", "公园", "散步"]
    words = [word for sentence in sentences for word in sentence]
    assert all(len(word) <= 4 for word in words), words  # words, not clauses
    assert "，" not in "".join(words)


def test_auto_resolves_to_jieba_when_installed_and_keeps_it_as_a_fitted_attribute():
    tokenizer = HierarchicalTokenizer(sentence_model="untrained").fit([PARAGRAPH])
    assert tokenizer.word_tokenizer == "auto" and tokenizer.word_tokenizer_ == "jieba"


def test_characters_need_nothing_and_keep_latin_words_and_numbers_whole():
    text = "我们在2024年买了iPhone的new-model手机。"
    (first,) = sentences_of(text, word_tokenizer="characters")
    assert first == [*"我们在", "2024", "年", "买", "了", "iphone", "的", "new-model", *"手机"]


def test_without_jieba_auto_takes_characters_and_jieba_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "jieba", None)  # as if jieba were not installed
    tokenizer = HierarchicalTokenizer(sentence_model="untrained").fit([PARAGRAPH])
    assert tokenizer.word_tokenizer_ == "characters"
    assert tokenizer.inverse_transform(tokenizer.transform(["好天气。"])) == [[[[*"好天气"]]]]
    with pytest.raises(ValueError, match=r"sklearn-mgm\[chinese\]"):
        HierarchicalTokenizer(word_tokenizer="jieba").fit([PARAGRAPH])


def test_kana_paragraphs_are_taken_character_by_character_even_with_jieba():
    (first,) = sentences_of("東京は晴れです。")
    assert first == ["東", "京", "は", "晴", "れ", "で", "す"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("真的吗？！太好了。", ["真的吗？！", "太好了。"]),
        ("他说：“走吧。”我们就走了……后来呢", ["他说：“走吧。”", "我们就走了……", "后来呢"]),
        ("第一句。。。第二句！！", ["第一句。。。", "第二句！！"]),
        (
            "价格不错。It was cheap. We left. 好评！",
            ["价格不错。", "It was cheap.", "We left.", "好评！"],
        ),
        ("一；二；三", ["一；二；三"]),
    ],
)
def test_full_width_sentence_ends_runs_and_closing_quotes(text, expected):
    split = FullWidthSentences(PunktSentenceTokenizer())
    assert [text[a:b] for a, b in split.span_tokenize(text)] == expected


def test_semicolons_end_sentences_when_asked():
    assert len(sentences_of("一个好；两个坏；三个好", split_semicolons=True)) == 3
    assert len(sentences_of("一个好；两个坏；三个好")) == 1


def test_single_line_breaks_separate_paragraphs_of_chinese_text_without_blank_lines():
    tokenizer = HierarchicalTokenizer(sentence_model="untrained")
    texts = [
        "第一段很短。\n第二段也很短。\n第三段。",  # Chinese, no blank line: one per line
        "第一段。\n\n第二段。\n还是第二段。",  # blank lines decide
        "One line.\nSame paragraph.",  # Latin script: as before, one paragraph
    ]
    X = tokenizer.fit_transform(texts)
    assert X.n_paragraphs.tolist() == [3, 2, 1]
    lines = HierarchicalTokenizer(sentence_model="untrained", paragraph_pattern=None)
    assert lines.fit_transform(texts).n_paragraphs.tolist() == [1, 1, 1]


def test_latin_script_text_is_split_exactly_as_before():
    texts = load_bbc_news(return_X_y=True)[0][:300]
    before = HierarchicalTokenizer(word_tokenizer="regexp", paragraph_pattern=r"\n\s*\n")
    old, new = before.fit_transform(texts), HierarchicalTokenizer().fit_transform(texts)
    assert old.vocabulary == new.vocabulary
    for name in ("word_ids", "sentence_offsets", "paragraph_offsets", "document_offsets"):
        np.testing.assert_array_equal(getattr(old, name), getattr(new, name))


@pytest.mark.parametrize("word_tokenizer", ["jieba", "characters"])
def test_parallel_splitting_matches_one_process(word_tokenizer):
    texts = [PARAGRAPH * (i % 3 + 1) + "\n第二段。" for i in range(40)]
    one = HierarchicalTokenizer(word_tokenizer=word_tokenizer).fit_transform(texts)
    two = HierarchicalTokenizer(word_tokenizer=word_tokenizer, n_jobs=2).fit_transform(texts)
    np.testing.assert_array_equal(one.word_ids, two.word_ids)


def test_vocabulary_parameters_count_chinese_words():
    texts = ["我们喜欢春天。", "我们喜欢秋天。", "他们讨厌冬天。"]
    tokenizer = HierarchicalTokenizer(min_df=2).fit(texts)
    assert set(tokenizer.vocabulary_) == {"我们", "喜欢"}


def test_join_words_leaves_no_space_inside_chinese_text():
    assert join_words(["价格", "不错", "iphone", "15", "好评"]) == "价格不错 iphone 15 好评"


REVIEWS = [
    ("这家酒店的服务很好，房间干净。早餐也很丰富！", "pos"),
    ("房间很干净，服务热情。下次还会再来。", "pos"),
    ("服务周到，位置方便。非常满意！", "pos"),
    ("酒店太差了，房间很脏。服务员态度恶劣！", "neg"),
    ("房间又脏又小。再也不来了。", "neg"),
    ("服务很差，等了很久。非常失望！", "neg"),
] * 4


@pytest.fixture(scope="module")
def chinese_pipeline():
    texts, labels = zip(*REVIEWS)
    pipeline = make_mgm_pipeline(
        sentence_model="untrained", embedding_dim=8, hidden_size=8, max_epochs=12, random_state=0
    )
    return pipeline.fit(list(texts), list(labels))


def test_the_default_pipeline_learns_chinese_reviews(chinese_pipeline):
    texts, labels = zip(*REVIEWS)
    assert chinese_pipeline.score(list(texts), list(labels)) == 1.0
    # held-out reviews that join sentences of one class's training reviews anew
    unseen = ["房间又脏又小。服务员态度恶劣！", "房间很干净，服务热情。非常满意！"]
    assert chinese_pipeline.predict(unseen).tolist() == ["neg", "pos"]


def test_explanations_show_chinese_words_without_inserted_spaces(chinese_pipeline):
    (explanation,) = explain(chinese_pipeline, ["这家酒店的服务很好。房间干净！"])
    page = explanation.to_html()
    assert "</span> <span" not in page.split("<body>")[1]
    assert ">服务</span>" in page and ">很</span><span" in page


@pytest.mark.parametrize("word_tokenizer", ["jieba", "characters"])
def test_save_and_load_keep_the_word_tokenizer(tmp_path, word_tokenizer, monkeypatch):
    texts, labels = zip(*REVIEWS)
    pipeline = make_mgm_pipeline(
        word_tokenizer=word_tokenizer, embedding_dim=8, hidden_size=8, max_epochs=1
    ).fit(list(texts), list(labels))
    save(pipeline, tmp_path / "model")
    loaded = load(tmp_path / "model")
    assert loaded[0].word_tokenizer_ == word_tokenizer
    np.testing.assert_array_equal(
        loaded.predict_proba(list(texts)), pipeline.predict_proba(list(texts))
    )
    monkeypatch.setitem(sys.modules, "jieba", None)
    if word_tokenizer == "jieba":
        with pytest.raises(ValueError, match=r"jieba.*sklearn-mgm\[chinese\]"):
            load(tmp_path / "model")
    else:
        assert load(tmp_path / "model")[0].word_tokenizer_ == "characters"


def test_cli_trains_and_predicts_on_chinese_text(tmp_path, capsys):
    data = tmp_path / "reviews.csv"
    with open(data, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(REVIEWS)
    model = tmp_path / "model"
    train = ["train", "--csv", str(data), "--max-epochs", "1", "--model", str(model), "--quiet"]
    assert main(train) == 0
    assert load(model)[0].word_tokenizer_ == "jieba"
    capsys.readouterr()
    assert main(["predict", "--model", str(model), "--text", "服务很好。"]) == 0
    assert "prediction" in capsys.readouterr().out
