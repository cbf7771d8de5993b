"""Explanations over the text as written: word offsets, the HTML, the CLI and a real browser."""

import html.parser
import shutil
import subprocess

import numpy as np
import pytest

from sklearn_mgm import HierarchicalTokenizer, explain, make_mgm_pipeline, save
from sklearn_mgm.cli import main
from sklearn_mgm.datasets import load_bbc_news
from sklearn_mgm.explain import explanation_page
from sklearn_mgm.source_text import locate_words, text_html

TEXTS = [
    "The Striker scored TWICE!  Fans cheered (loudly).\n\nThe coach praised the team.",
    "Shares fell 3.5% today; investors worried about profits...\nMarkets slid.",
    "The minister announced a new budget.\n\n\n   Critics said it was weak. Voters disagreed.",
    "A new phone was launched. It has a faster chip.\n\nReviewers liked the screen.",
] * 3
LABELS = ["sport", "business", "politics", "tech"] * 3


class DocumentText(html.parser.HTMLParser):
    """The text content of every ``<div class="document">`` of a page, in order."""

    def __init__(self):
        super().__init__()
        self.documents, self._depth = [], 0

    def handle_starttag(self, tag, attrs):
        if self._depth:
            self._depth += tag == "div"
        elif tag == "div" and ("class", "document") in attrs:
            self._depth = 1
            self.documents.append("")

    def handle_endtag(self, tag):
        if self._depth and tag == "div":
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.documents[-1] += data


def document_texts(page):
    parser = DocumentText()
    parser.feed(page)
    return parser.documents


def located_words(tokenizer, text):
    layout = locate_words(tokenizer.splitter(), text)
    return [
        [[text[a:b].lower() for a, b in sentence] for sentence in paragraph]
        for paragraph in layout.words
    ]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"stop_words": "english", "max_words": 4, "max_sentences": 5, "max_paragraphs": 2},
        {"word_tokenizer": "wordpunct"},
        {"word_tokenizer": "characters"},
        {"word_tokenizer": "jieba"},
        {"paragraph_pattern": r"(\n)\n"},  # a group: its text is a piece of its own
    ],
)
def test_located_words_are_the_words_transform_keeps(params):
    if params.get("word_tokenizer") == "jieba":
        pytest.importorskip("jieba")
    texts = [
        *load_bbc_news(return_X_y=True)[0][:40],
        "今天天气很好，我们去公园散步。公园里的花都开了！\n下雨了。",
        "東京は晴れです。Tokyo is sunny.",
        "",
        "İstanbul ΣΟΦΙΑ. Done.",
    ]
    tokenizer = HierarchicalTokenizer(sentence_model="untrained", **params).fit(texts)
    for text, words in zip(texts, tokenizer.inverse_transform(tokenizer.transform(texts))):
        assert located_words(tokenizer, text) == words


@pytest.fixture(scope="module")
def pipeline():
    small = dict(sentence_model="untrained", embedding_dim=8, hidden_size=8, max_epochs=2)
    return make_mgm_pipeline(stop_words=["the"], max_words=6, random_state=0, **small).fit(
        TEXTS, LABELS
    )


def test_the_page_holds_the_text_as_written_character_for_character(pipeline):
    explanations = explain(pipeline, [*TEXTS[:4], "Unheard-of words, <b>bold</b> & odd."])
    page = explanation_page(explanations)
    assert document_texts(page) == [*TEXTS[:4], "Unheard-of words, <b>bold</b> & odd."]
    assert "<b>" not in page and "&lt;" in page and "&gt; &amp; <span" in page
    assert "white-space: pre-wrap" in page


def test_words_are_shaded_unknown_ones_and_unread_text_marked(pipeline):
    (explanation,) = explain(pipeline, ["The budget fell sharply in zanzibar. Fans cheered."])
    page = explanation.to_html()
    assert '<span class="word unknown"' in page and ">zanzibar</span>" in page
    assert 'title="not read by the model">The</span>' in page  # a stop word
    # the caps: max_words=6 keeps "budget fell sharply in zanzibar" and drops nothing else
    assert page.count('class="word') == 7


def test_text_past_the_caps_is_shown_and_marked_not_read(pipeline):
    text = "One two three four five six seven eight. Short one."
    (explanation,) = explain(pipeline, [text])
    page = explanation.to_html()
    assert document_texts(page) == [text]
    assert 'title="not read by the model">seven</span>' in page


def test_the_tokens_view_is_still_there(pipeline):
    (explanation,) = explain(pipeline, TEXTS[:1])
    page = explanation.to_html(view="tokens")
    assert document_texts(page) == [] and ">striker</span>" in page
    with pytest.raises(ValueError, match="view"):
        explanation.to_html(view="pixels")


def test_cli_explain_writes_one_page_with_a_section_per_document(pipeline, tmp_path, capsys):
    save(pipeline, tmp_path / "model")
    data = tmp_path / "texts.csv"
    data.write_text("body\n" + "\n".join(f'"{t}"' for t in TEXTS), encoding="utf-8")
    output = tmp_path / "page.html"
    argv = ["explain", "--model", str(tmp_path / "model"), "--csv", str(data)]
    assert main([*argv, "--text-column", "body", "--output", str(output), "--limit", "3"]) == 0
    assert "the first 3 of 12" in capsys.readouterr().out
    page = output.read_text(encoding="utf-8")
    assert page.count('<section class="explanation">') == 3
    assert document_texts(page) == TEXTS[:3]
    assert main([*argv, "--output", str(output)]) == 2  # no column "text"
    assert "text" in capsys.readouterr().err


def browser():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("no headless browser: install Debian's chromium package (apt install chromium)")


def test_a_real_browser_renders_the_page(pipeline, tmp_path):
    chromium = browser()
    explanations = explain(pipeline, TEXTS[:2])
    page = tmp_path / "page.html"
    page.write_text(explanation_page(explanations), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert document_texts(dom) == TEXTS[:2]
    shot = tmp_path / "page.png"
    subprocess.run(
        [chromium, *flags, f"--screenshot={shot}", "--window-size=900,700", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (700, 900)
    reds = (pixels[..., 0] > pixels[..., 2] + 0.1).mean()  # shaded words
    assert pixels.std() > 0.05 and reds > 0.001
    np.testing.assert_array_less(0, reds)


def test_empty_words_past_the_caps_do_not_stall_the_page():
    text = "one  two  three"
    tokenizer = HierarchicalTokenizer(
        sentence_model="untrained", word_tokenizer=lambda s: s.split(" "), max_words=1
    ).fit([text])
    layout = locate_words(tokenizer.splitter(), text)
    words = tokenizer.inverse_transform(tokenizer.transform([text]))[0]
    weights = [[[1.0] * len(s) for s in p] for p in words]
    page = text_html(text, layout, words, weights, [[1.0]], [1.0])
    assert document_texts(page) == [text]
