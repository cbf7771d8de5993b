import pytest

from sklearn_mgm import HierarchicalTokenizer

TEXTS = [
    "The striker scored twice. The fans cheered loudly!\n\nThe coach praised the team.",
    "Shares fell sharply today. Investors worried about profits.",
    "The minister announced a new budget.\n\nCritics said it was weak. Voters disagreed.",
    "",
    "   \n\n  ",
    "A new phone was launched. It has a faster chip.\n\n\nReviewers liked the screen.",
]


@pytest.fixture
def texts():
    return list(TEXTS)


@pytest.fixture
def tokenizer():
    return HierarchicalTokenizer(sentence_model="untrained")


@pytest.fixture
def documents(texts, tokenizer):
    return tokenizer.fit_transform(texts)
