import gzip
import os

import numpy as np
import pytest
import torch
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_mgm import HierarchicalTokenizer, MultiGranularityClassifier, make_mgm_pipeline
from sklearn_mgm.datasets import make_hierarchical_documents
from sklearn_mgm.embeddings import align_word_vectors

DIM = 4
SMALL = dict(sentence_model="untrained", embedding_dim=DIM, hidden_size=4, random_state=0)


@pytest.fixture(scope="module")
def corpus():
    return make_hierarchical_documents(30, random_state=0)


@pytest.fixture(scope="module")
def vocabulary(corpus):
    return HierarchicalTokenizer(sentence_model="untrained").fit(corpus[0]).vocabulary_


@pytest.fixture(scope="module")
def vectors(vocabulary):
    """Vectors for every other vocabulary word, plus words the corpus lacks."""
    words = [*sorted(vocabulary)[::2], "outside", "unseen"]
    rng = np.random.default_rng(0)
    return dict(zip(words, rng.normal(size=(len(words), DIM)).astype(np.float32)))


def text_lines(vectors):
    return [f"{word} {' '.join(repr(float(x)) for x in v)}\n" for word, v in vectors.items()]


def binary_records(vectors, newline):
    end = b"\n" if newline else b""
    return b"".join(
        word.encode() + b" " + v.astype("<f4").tobytes() + end for word, v in vectors.items()
    )


def header(vectors):
    return f"{len(vectors)} {DIM}\n"


WRITERS = {
    "glove.txt": lambda v: "".join(text_lines(v)).encode(),
    "fasttext.vec": lambda v: (header(v) + "".join(text_lines(v))).encode(),
    "glove.txt.gz": lambda v: gzip.compress("".join(text_lines(v)).encode()),
    "word2vec.bin": lambda v: header(v).encode() + binary_records(v, newline=True),
    # no newline after each record, as gensim writes; binary told by content, not name
    "gensim_binary.w2v": lambda v: header(v).encode() + binary_records(v, newline=False),
    "word2vec.bin.gz": lambda v: gzip.compress(header(v).encode() + binary_records(v, True)),
}


@pytest.fixture(params=sorted(WRITERS))
def vector_file(request, tmp_path, vectors):
    path = tmp_path / request.param
    path.write_bytes(WRITERS[request.param](vectors))
    return path


def test_every_format_gives_the_vectors_of_the_vocabulary_words(vector_file, vectors, vocabulary):
    ids, found = align_word_vectors(vector_file, vocabulary, DIM)
    expected = {vocabulary[w]: v for w, v in vectors.items() if w in vocabulary}
    assert ids.tolist() == sorted(expected)
    np.testing.assert_allclose(found, [expected[i] for i in ids.tolist()], rtol=1e-6)
    assert found.dtype == np.float32


def test_path_as_str_dict_and_irregular_lines(tmp_path, vocabulary):
    word, other = sorted(vocabulary)[:2]
    path = tmp_path / "odd.txt"
    # a tab-separated line and a multi-word key (GloVe 840B has ". . .")
    path.write_text(f"{word}\t1 2 3 4\n. . . 5 6 7 8\n{other}  1  0 0 0 \n")
    ids, found = align_word_vectors(str(path), vocabulary, DIM)
    assert ids.tolist() == sorted([vocabulary[word], vocabulary[other]])
    assert found[ids.tolist().index(vocabulary[word])].tolist() == [1, 2, 3, 4]
    ids, found = align_word_vectors({word: [1, 2, 3, 4], "absent": [0] * 4}, vocabulary, DIM)
    assert ids.tolist() == [vocabulary[word]] and found.tolist() == [[1, 2, 3, 4]]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "odd.txt is empty"),
        (
            "cat 1 2 3 4 5\n",
            "odd.txt, line 1: expected 4 numbers after the word, got 5. Set embedding_dim=5",
        ),
        (
            "cat 1 2 3 4\ndog 1 2 3 4\nfish 1 2 3\n",
            "odd.txt, line 3: expected 4 numbers after the word, got 3.",
        ),
        ("3 5\ncat 1 2 3 4 5\n", "odd.txt, line 1: the header announces 5-dimensional vectors"),
        ("3 4\ncat 1 2 3 4\n", "the header announces 3 vectors, but the file holds 1"),
        ("2 4\n", "odd.txt holds no vectors"),
    ],
)
def test_malformed_files_name_the_file_and_line(tmp_path, content, message):
    path = tmp_path / "odd.txt"
    path.write_text(content)
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        align_word_vectors(path, {"cat": 2, "dog": 3}, DIM)


def test_bad_numbers_in_a_vocabulary_word_are_reported(tmp_path):
    path = tmp_path / "odd.txt"
    path.write_text("dog 1 2 3 4\ncat 1 2 x 4\n")
    with pytest.raises(ValueError, match=r"odd\.txt, line 2: 'x' is not a number"):
        align_word_vectors(path, {"cat": 2}, DIM)
    path.write_text("cat 1 2 nan 4\n")
    with pytest.raises(ValueError, match=r"odd\.txt, line 1 \('cat'\).*NaN or infinite"):
        align_word_vectors(path, {"cat": 2}, DIM)


def test_truncated_binary_file_and_bad_sources(tmp_path, vectors, vocabulary):
    path = tmp_path / "cut.bin"
    path.write_bytes(WRITERS["word2vec.bin"](vectors)[:-10])
    with pytest.raises(ValueError, match=r"cut\.bin: the file ends inside vector \d+; its header"):
        align_word_vectors(path, vocabulary, DIM)
    path.write_bytes(b"cat 1 2 3 4\n")
    with pytest.raises(ValueError, match=r"cut\.bin, line 1: a word2vec binary file starts"):
        align_word_vectors(path, vocabulary, DIM)
    with pytest.raises(FileNotFoundError, match=r"no vector file at .*missing\.txt"):
        align_word_vectors(tmp_path / "missing.txt", vocabulary, DIM)
    with pytest.raises(ValueError, match=r"pretrained_embeddings\['cat'\] has shape \(3,\)"):
        align_word_vectors({"cat": [1, 2, 3]}, {"cat": 2}, DIM)
    with pytest.raises(TypeError, match=r"pass model\.wv"):
        align_word_vectors(42, vocabulary, DIM)


def embedding_of(pipe):
    return pipe[-1].module_.embedding.weight.detach().numpy().copy()


def test_fit_starts_from_the_vectors_and_measures_coverage(tmp_path, corpus, vectors, capsys):
    path = tmp_path / "glove.txt.gz"
    path.write_bytes(WRITERS["glove.txt.gz"](vectors))
    texts, y = corpus
    pipe = make_mgm_pipeline(pretrained_embeddings=path, max_epochs=0, verbose=1, **SMALL)
    pipe.fit(texts, y)
    classifier, vocabulary = pipe[-1], pipe[0].vocabulary_
    weight = embedding_of(pipe)
    for word, vector in vectors.items():
        if word in vocabulary:
            np.testing.assert_array_equal(weight[vocabulary[word]], vector)
    assert not weight[0].any()
    # words without a vector keep the network's own seeded initialisation
    plain = embedding_of(make_mgm_pipeline(max_epochs=0, **SMALL).fit(texts, y))
    missing = [i for w, i in vocabulary.items() if w not in vectors] + [1]
    np.testing.assert_array_equal(weight[missing], plain[missing])

    documents = pipe[0].inverse_transform(pipe[0].transform(texts))
    tokens = [
        w for doc in documents for paragraph in doc for sentence in paragraph for w in sentence
    ]
    expected_tokens = np.mean([w in vectors for w in tokens])
    expected_words = np.mean([w in vectors for w in vocabulary])
    assert 0 < expected_tokens < 1 and 0 < expected_words < 1
    assert classifier.embedding_coverage_ == pytest.approx(
        {"vocabulary": expected_words, "tokens": expected_tokens}
    )
    shown = capsys.readouterr().out
    assert f"{expected_words:.1%}" in shown and f"{expected_tokens:.1%} of the training" in shown


@pytest.mark.parametrize("freeze", [True, False])
def test_freeze_keeps_the_embeddings(tmp_path, corpus, vectors, freeze):
    texts, y = corpus
    initial = make_mgm_pipeline(pretrained_embeddings=vectors, max_epochs=0, **SMALL).fit(texts, y)
    before = embedding_of(initial)
    pipe = make_mgm_pipeline(
        pretrained_embeddings=vectors, freeze_embeddings=freeze, max_epochs=2, lr=0.05, **SMALL
    ).fit(texts, y)
    after = embedding_of(pipe)
    known = [i for w, i in pipe[0].vocabulary_.items() if w in vectors]
    assert np.array_equal(after[known], before[known]) == freeze
    assert np.array_equal(after, before) == freeze
    assert pipe[-1].module_.embedding.weight.requires_grad != freeze
    # the rest of the network trains either way
    output_before, output_after = initial[-1].module_.output.weight, pipe[-1].module_.output.weight
    assert not torch.equal(output_before, output_after)


def test_file_is_read_again_only_when_it_changes(tmp_path, corpus, vectors):
    texts, y = corpus
    path = tmp_path / "glove.txt"
    path.write_bytes(WRITERS["glove.txt"](vectors))
    pipe = make_mgm_pipeline(pretrained_embeddings=path, max_epochs=0, **SMALL).fit(texts, y)
    classifier = pipe[-1]
    word = next(w for w in vectors if w in pipe[0].vocabulary_)
    row = pipe[0].vocabulary_[word]
    # same size and modification time: re-initialising the module reuses what was read
    stat = path.stat()
    path.write_bytes(WRITERS["glove.txt"]({**vectors, word: vectors[word][::-1].copy()}))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    classifier.initialize_module()
    np.testing.assert_array_equal(embedding_of(pipe)[row], vectors[word])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    classifier.initialize_module()
    np.testing.assert_array_equal(embedding_of(pipe)[row], vectors[word][::-1])


def test_invalid_parameters_are_rejected_at_fit(corpus, vectors):
    texts, y = corpus
    with pytest.raises(InvalidParameterError, match="'pretrained_embeddings' parameter"):
        make_mgm_pipeline(pretrained_embeddings=42, **SMALL).fit(texts, y)
    with pytest.raises(InvalidParameterError, match="'freeze_embeddings' parameter"):
        make_mgm_pipeline(freeze_embeddings="yes", **SMALL).fit(texts, y)
    wrong = {word: np.ones(DIM + 1) for word in vectors}
    with pytest.raises(ValueError, match=r"has shape \(5,\); expected \(4,\)"):
        make_mgm_pipeline(pretrained_embeddings=wrong, **SMALL).fit(texts, y)
    params = MultiGranularityClassifier(pretrained_embeddings=vectors).get_params()
    assert params["pretrained_embeddings"] is vectors


def test_gensim_keyed_vectors(tmp_path, corpus, vectors, vocabulary):
    gensim_models = pytest.importorskip(
        "gensim.models", reason="gensim (the 'embeddings' extra) is not installed"
    )
    keyed = gensim_models.KeyedVectors(DIM)
    keyed.add_vectors(list(vectors), np.stack(list(vectors.values())))
    expected_ids, expected = align_word_vectors(vectors, vocabulary, DIM)
    ids, found = align_word_vectors(keyed, vocabulary, DIM)
    np.testing.assert_array_equal(ids, expected_ids)
    np.testing.assert_array_equal(found, expected)
    # files written by gensim read the same, in both its formats
    for binary, name in [(True, "gensim.bin"), (False, "gensim.txt")]:
        keyed.save_word2vec_format(str(tmp_path / name), binary=binary)
        ids, found = align_word_vectors(tmp_path / name, vocabulary, DIM)
        np.testing.assert_array_equal(ids, expected_ids)
        np.testing.assert_allclose(found, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="Set embedding_dim=4"):
        align_word_vectors(keyed, vocabulary, DIM + 1)
    texts, y = corpus
    pipe = make_mgm_pipeline(pretrained_embeddings=keyed, max_epochs=0, **SMALL).fit(texts, y)
    weight = embedding_of(pipe)
    np.testing.assert_array_equal(weight[expected_ids], expected)
