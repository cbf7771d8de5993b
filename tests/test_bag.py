import numpy as np
import pytest
import torch
from sklearn.feature_extraction.text import TfidfVectorizer

from sklearn_mgm import TokenizedDocuments
from sklearn_mgm.bag import BagOfNgrams, bag_features
from sklearn_mgm.batching import collate_documents

VOCABULARY = {"a": 2, "b": 3, "c": 4, "d": 5}
# documents > paragraphs > sentences > word ids; 1 is the unknown word
NESTED = [
    [[[2, 3, 2], [4]], [[2, 1]]],
    [[[5, 5, 5, 3]]],
    [[[4, 2]], [[1]]],
    [[[]]],
]


def test_bag_features_counts_known_words_per_document():
    documents, features, counts = bag_features(
        collate_documents(TokenizedDocuments.from_nested(NESTED, VOCABULARY)), 6
    )
    assert list(zip(documents.tolist(), features.tolist(), counts.tolist())) == [
        (0, 2, 3),
        (0, 3, 1),
        (0, 4, 1),
        (1, 3, 1),
        (1, 5, 3),
        (2, 2, 1),
        (2, 4, 1),
    ]


def test_bigrams_stay_inside_sentences_and_skip_unknown_words():
    batch = collate_documents(TokenizedDocuments.from_nested(NESTED, VOCABULARY))
    documents, features, counts = bag_features(batch, 6, bigram_buckets=1000)
    bigrams = features >= 6
    # pairs: doc 0 "a b", "b a" (not "a c" across sentences, not "a <unk>");
    # doc 1 "d d" twice and "d b"; doc 2 "c a"
    assert documents[bigrams].tolist() == [0, 0, 1, 1, 2]
    assert sorted(counts[bigrams].tolist()) == [1, 1, 1, 1, 2]


@pytest.mark.parametrize(("buckets", "ngrams"), [(0, 2), (64, 2), (64, 3), (4096, 4)])
def test_tfidf_weights_match_scikit_learn(buckets, ngrams):
    docs = TokenizedDocuments.from_nested(NESTED[:3], VOCABULARY)
    bag = BagOfNgrams(vocabulary_size=6, output_size=4, bigram_buckets=buckets, ngrams=ngrams)
    bag.count_documents(docs)
    documents, features, weights = bag.tfidf(collate_documents(docs))
    ours = np.zeros((3, 6 + buckets))
    ours[documents.numpy(), features.numpy()] = weights.numpy()

    def hashed(run):
        code = run[0]
        for word in run[1:]:
            code = (code * 1_000_003 + word) % buckets
        return 6 + code

    def feature_names(document):
        sentences = [sentence for paragraph in document for sentence in paragraph]
        words = [w for sentence in sentences for w in sentence if w > 1]
        runs = [
            hashed(sentence[start : start + n])
            for sentence in sentences
            for n in range(2, ngrams + 1)
            for start in range(len(sentence) - n + 1)
            if buckets and all(w > 1 for w in sentence[start : start + n])
        ]
        return [str(feature) for feature in words + runs]

    vectorizer = TfidfVectorizer(analyzer=feature_names, sublinear_tf=True)
    theirs = vectorizer.fit_transform(NESTED[:3]).toarray()
    columns = [int(name) for name in vectorizer.get_feature_names_out()]
    np.testing.assert_allclose(ours[:, columns], theirs, rtol=1e-6)
    assert np.count_nonzero(ours) == np.count_nonzero(theirs)


def test_longer_ngrams_add_runs_of_known_words_only():
    batch = collate_documents(TokenizedDocuments.from_nested(NESTED, VOCABULARY))
    _, bigram_features, bigram_counts = bag_features(batch, 6, bigram_buckets=10_000)
    _, features, counts = bag_features(batch, 6, bigram_buckets=10_000, ngrams=3)
    # trigrams of known words within a sentence: "a b a" (doc 0), "d d d" and "d d b" (doc 1)
    assert len(features) - len(bigram_features) == 3
    assert counts.sum() - bigram_counts.sum() == 3


@pytest.mark.parametrize("buckets", [0, 64])
def test_features_no_training_document_holds_weigh_nothing(buckets):
    train = TokenizedDocuments.from_nested(NESTED[:1], VOCABULARY)  # "d" unseen
    unseen_only = [[[5, 5]]]
    test = TokenizedDocuments.from_nested([NESTED[1], unseen_only], VOCABULARY)
    bag = BagOfNgrams(vocabulary_size=6, output_size=4, bigram_buckets=buckets)
    bag.count_documents(train)
    documents, features, weights = bag.tfidf(collate_documents(test))
    assert bag.idf[5] == 0
    assert torch.isfinite(weights).all()
    # the first test document keeps only "b" (seen), of weight 1 after normalising
    kept = weights > 0
    assert list(zip(documents[kept].tolist(), features[kept].tolist())) == [(0, 3)]
    np.testing.assert_allclose(weights[kept].numpy(), [1.0])
    vectors = bag(collate_documents(test))
    assert torch.isfinite(vectors).all()
    assert vectors[1].abs().sum() == 0


def test_bag_view_sums_weighted_embeddings_and_empty_documents_are_zero():
    docs = TokenizedDocuments.from_nested(NESTED, VOCABULARY)
    bag = BagOfNgrams(vocabulary_size=6, output_size=6)
    with torch.no_grad():
        bag.embedding.weight.copy_(torch.eye(6))
    bag.count_documents(docs)
    batch = collate_documents(docs)
    vectors = bag(batch)
    assert vectors.shape == (4, 6)
    np.testing.assert_allclose(vectors.norm(dim=1).detach().numpy(), [1, 1, 1, 0], rtol=1e-6)
    assert vectors[0, 2] > vectors[0, 3] > 0  # "a" three times, "b" once
