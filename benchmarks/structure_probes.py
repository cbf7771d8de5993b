"""What each level of the network knows about the cue words, on the paragraph-level corpus.

    python benchmarks/structure_probes.py [--seed 0]

Trains the default pipeline on 400 documents of
``make_hierarchical_documents(level="paragraph")`` (label: do the two cue words
share a paragraph?), once with the network's pooling and skip connections of
before (``module__pooling="attention", module__residual=False``) and once with
the defaults. Then it reads the network's sentence vectors (the word-level
pool's output) and paragraph vectors (the sentence-level pool's output) for
the training and the 200 held-out documents, and fits a logistic-regression
probe on the training vectors for each question: does this sentence hold
"zephyr"? "quill"? does this paragraph hold "zephyr", "quill", both? The
table gives each probe's held-out balanced accuracy (0.5: the vector does not
say) beside the pipeline's held-out accuracy.
"""

import argparse

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score

from sklearn_mgm import make_mgm_pipeline
from sklearn_mgm.batching import collate_documents
from sklearn_mgm.datasets import CUE_WORDS, make_hierarchical_documents

CONFIGURATIONS = {
    "attention pooling, no skips (before)": {
        "module__pooling": "attention",
        "module__residual": False,
    },
    "defaults": {},
}


def level_vectors(pipe, texts):
    """Sentence and paragraph vectors of ``texts``, in document order, and their documents."""
    X = pipe[0].transform(texts)
    module = pipe[-1].module_.eval()
    captured = {}

    def keep(name):
        def hook(_, args, output):
            captured[name] = output[0]

        return hook

    hooks = [
        getattr(module, name).register_forward_hook(keep(name))
        for name in ("word_attention", "sentence_attention")
    ]
    try:
        with torch.no_grad():
            module(collate_documents(X, word_group_ratio=None))  # one group: sentence order
    finally:
        for hook in hooks:
            hook.remove()
    return X, captured["word_attention"].numpy(), captured["sentence_attention"].numpy()


def cue_labels(pipe, X):
    """For each sentence and paragraph of ``X``: does it hold each cue word?"""
    ids = [pipe[0].vocabulary_[cue] for cue in CUE_WORDS]
    sentence_of_word = np.repeat(
        np.arange(len(X.sentence_offsets) - 1), np.diff(X.sentence_offsets)
    )
    paragraph_of_sentence = np.repeat(
        np.arange(len(X.paragraph_offsets) - 1), np.diff(X.paragraph_offsets)
    )
    sentences, paragraphs = {}, {}
    for cue, index in zip(CUE_WORDS, ids):
        holds = np.zeros(len(X.sentence_offsets) - 1, dtype=bool)
        holds[sentence_of_word[X.word_ids == index]] = True
        sentences[cue] = holds
        paragraphs[cue] = np.bincount(paragraph_of_sentence, holds) > 0
    paragraphs["both"] = paragraphs[CUE_WORDS[0]] & paragraphs[CUE_WORDS[1]]
    return sentences, paragraphs


def probe(train_vectors, train_labels, test_vectors, test_labels):
    model = LogisticRegression(max_iter=2000, class_weight="balanced")
    model.fit(train_vectors, train_labels)
    return balanced_accuracy_score(test_labels, model.predict(test_vectors))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    texts, y = make_hierarchical_documents(600, level="paragraph", random_state=args.seed)
    train, test = slice(0, 400), slice(400, 600)
    header = ["configuration", "held-out accuracy"]
    header += [f"sentence holds {cue}" for cue in CUE_WORDS]
    header += [f"paragraph holds {cue}" for cue in (*CUE_WORDS, "both")]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for name, params in CONFIGURATIONS.items():
        pipe = make_mgm_pipeline(max_epochs=15, random_state=args.seed, **params)
        pipe.fit(texts[train], y[train])
        row = [name, f"{pipe.score(texts[test], y[test]):.3f}"]
        (X_a, s_a, p_a), (X_b, s_b, p_b) = (
            level_vectors(pipe, texts[train]),
            level_vectors(pipe, texts[test]),
        )
        (sl_a, pl_a), (sl_b, pl_b) = cue_labels(pipe, X_a), cue_labels(pipe, X_b)
        row += [f"{probe(s_a, sl_a[cue], s_b, sl_b[cue]):.3f}" for cue in CUE_WORDS]
        row += [f"{probe(p_a, pl_a[key], p_b, pl_b[key]):.3f}" for key in (*CUE_WORDS, "both")]
        print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
