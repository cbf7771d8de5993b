import pytest

from sklearn_mgm import HierarchicalTokenizer, make_mgm_pipeline

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


@pytest.fixture(scope="session")
def structure_pipeline():
    """Build the pipeline that learns the structure corpus, for a given seed."""

    def build(random_state):
        return make_mgm_pipeline(
            sentence_model="untrained",
            granularities=("sentence",),
            embedding_dim=16,
            hidden_size=16,
            dropout=0.0,
            lr=0.01,
            batch_size=16,
            max_epochs=12,
            callbacks__lr_scheduler=None,  # constant lr: the task plateaus before it is learned
            random_state=random_state,
        )

    return build
