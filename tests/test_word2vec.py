import subprocess
import sys

import numpy as np
import pytest

from sklearn_mgm import HierarchicalTokenizer, load, make_mgm_pipeline, save

pytest.importorskip("gensim.models", reason="gensim (the 'embeddings' extra) is not installed")

from sklearn_mgm.word2vec import word2vec_vectors

DIM = 8
SMALL = dict(sentence_model="untrained", embedding_dim=DIM, hidden_size=4, random_state=0)


def pet_and_market_texts(n_documents=60, seed=0):
    """Pets and markets each in contexts of their own; labels say which."""
    rng = np.random.default_rng(seed)
    pets, markets = ["cat", "dog", "rabbit"], ["shares", "bonds", "stocks"]
    texts, labels = [], []
    for i in range(n_documents):
        topic = i % 2
        sentences = []
        for _ in range(rng.integers(3, 6)):
            if topic == 0:
                sentences.append(f"the {rng.choice(pets)} sat on the warm mat.")
            else:
                sentences.append(f"{rng.choice(markets)} rose in early trading today.")
        texts.append(" ".join(sentences))
        labels.append(topic)
    return texts, np.array(labels)


@pytest.fixture(scope="module")
def corpus():
    return pet_and_market_texts()


@pytest.fixture(scope="module")
def documents(corpus):
    return HierarchicalTokenizer(sentence_model="untrained").fit_transform(corpus[0])


def cosine(a, b):
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_words_used_alike_start_alike():
    texts, _ = pet_and_market_texts(800)
    documents = HierarchicalTokenizer(sentence_model="untrained").fit_transform(texts)
    ids, vectors = word2vec_vectors(documents, DIM, seed=3)
    row = {word: vectors[np.searchsorted(ids, i)] for word, i in documents.vocabulary.items()}
    assert sorted(ids.tolist()) == ids.tolist() and ids.min() > 1
    assert set(ids.tolist()) == set(documents.vocabulary.values())
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    alike = cosine(row["cat"], row["dog"]), cosine(row["shares"], row["bonds"])
    unlike = cosine(row["cat"], row["shares"]), cosine(row["dog"], row["bonds"])
    assert min(alike) > 0.9 and max(unlike) < 0.5


def test_vectors_do_not_depend_on_the_process_hash_seed(documents, tmp_path):
    _, vectors = word2vec_vectors(documents, DIM, seed=3)
    path = tmp_path / "documents.npz"
    np.savez(
        path,
        word_ids=documents.word_ids,
        sentence_offsets=documents.sentence_offsets,
        paragraph_offsets=documents.paragraph_offsets,
        document_offsets=documents.document_offsets,
    )
    vocabulary = dict(documents.vocabulary)
    script = (
        "import numpy as np\n"
        "from sklearn_mgm import TokenizedDocuments\n"
        "from sklearn_mgm.word2vec import word2vec_vectors\n"
        f"arrays = np.load({str(path)!r})\n"
        f"docs = TokenizedDocuments(**arrays, vocabulary={vocabulary!r})\n"
        f"ids, vectors = word2vec_vectors(docs, {DIM}, seed=3)\n"
        f"np.save({str(tmp_path / 'vectors.npy')!r}, vectors)\n"
    )
    for hash_seed in ("1", "2"):
        subprocess.run(
            [sys.executable, "-c", script], check=True, env={"PYTHONHASHSEED": hash_seed}
        )
        np.testing.assert_array_equal(np.load(tmp_path / "vectors.npy"), vectors)


def embedding_of(pipe):
    return pipe[-1].module_.embedding.weight.detach().numpy().copy()


def test_fit_starts_from_word2vec_vectors_reproducibly(corpus):
    texts, y = corpus
    pipe = make_mgm_pipeline(pretrained_embeddings="word2vec", max_epochs=0, **SMALL).fit(texts, y)
    weight = embedding_of(pipe)
    plain = embedding_of(make_mgm_pipeline(max_epochs=0, **SMALL).fit(texts, y))
    known = sorted(pipe[0].vocabulary_.values())
    assert not np.allclose(weight[known], plain[known])
    # at the scale of the random start they replace
    lengths = np.linalg.norm(weight[known], axis=1)
    np.testing.assert_allclose(lengths, np.linalg.norm(plain[known], axis=1).mean(), rtol=1e-5)
    # the padding and unknown rows keep the network's own start
    np.testing.assert_array_equal(weight[:2], plain[:2])
    assert pipe[-1].embedding_coverage_["vocabulary"] == 1.0
    again = make_mgm_pipeline(pretrained_embeddings="word2vec", max_epochs=0, **SMALL)
    np.testing.assert_array_equal(embedding_of(again.fit(texts, y)), weight)
    other_seed = make_mgm_pipeline(pretrained_embeddings="word2vec", max_epochs=0, **SMALL)
    other_seed.set_params(classifier__random_state=1)
    assert not np.allclose(embedding_of(other_seed.fit(texts, y))[known], weight[known])


def test_word2vec_start_trains_frozen_or_not(corpus):
    texts, y = corpus
    start = embedding_of(
        make_mgm_pipeline(pretrained_embeddings="word2vec", max_epochs=0, **SMALL).fit(texts, y)
    )
    frozen = make_mgm_pipeline(
        pretrained_embeddings="word2vec", freeze_embeddings=True, max_epochs=2, **SMALL
    ).fit(texts, y)
    np.testing.assert_array_equal(embedding_of(frozen), start)
    trained = make_mgm_pipeline(pretrained_embeddings="word2vec", max_epochs=10, lr=0.05, **SMALL)
    trained.fit(texts, y)
    assert not np.array_equal(embedding_of(trained), start)
    assert trained.score(texts, y) == 1.0


def test_missing_gensim_names_the_extra(corpus, monkeypatch):
    texts, y = corpus
    monkeypatch.setitem(sys.modules, "gensim.models", None)
    pipe = make_mgm_pipeline(pretrained_embeddings="word2vec", max_epochs=0, **SMALL)
    with pytest.raises(ImportError, match=r"sklearn-mgm\[embeddings\]"):
        pipe.fit(texts, y)


def test_saved_word2vec_model_predicts_the_same_after_loading(corpus, tmp_path):
    texts, y = corpus
    pipe = make_mgm_pipeline(pretrained_embeddings="word2vec", max_epochs=1, **SMALL).fit(texts, y)
    save(pipe, tmp_path / "model")
    loaded = load(tmp_path / "model")
    assert loaded[-1].pretrained_embeddings == "word2vec"
    np.testing.assert_array_equal(embedding_of(loaded), embedding_of(pipe))
    np.testing.assert_allclose(loaded.predict_proba(texts), pipe.predict_proba(texts), rtol=1e-6)
