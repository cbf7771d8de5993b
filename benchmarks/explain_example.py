"""Render one real explanation: a BBC News article, as HTML and as a PNG.

Trains a pipeline for a few epochs on 80 % of BBC News (stratified, seeded),
then explains the first correctly classified held-out article of at most
``--max-sentences`` sentences and writes ``explanation_example.html`` and
``explanation_example.png`` next to this script.

    python benchmarks/explain_example.py              # about 2 CPU-minutes per epoch
    python benchmarks/explain_example.py --epochs 3 --device cuda

Needs the ``datasets`` extra (BBC News) and matplotlib.
"""

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_mgm import explain, make_mgm_pipeline
from sklearn_mgm.datasets import load_bbc_news

HERE = Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-sentences", type=int, default=10)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    bunch = load_bbc_news()
    labels = np.asarray(bunch.target_names)[bunch.target]
    train, test, y_train, y_test = train_test_split(
        bunch.data, labels, test_size=0.2, stratify=labels, random_state=args.seed
    )
    pipe = make_mgm_pipeline(
        sentence_model="untrained",
        min_df=2,
        embedding_dim=64,
        hidden_size=32,
        max_epochs=args.epochs,
        device=args.device,
        random_state=args.seed,
    )
    start = time.perf_counter()
    pipe.fit(train, y_train)
    print(f"trained {args.epochs} epochs in {time.perf_counter() - start:.0f} s")
    predicted = pipe.predict(test)
    print(f"held-out accuracy: {np.mean(predicted == y_test):.3f} on {len(test)} articles")

    sentences = pipe.named_steps["tokenizer"].transform(test).n_sentences
    index = next(
        i
        for i in range(len(test))
        if predicted[i] == y_test[i] and sentences[i] <= args.max_sentences
    )
    explanation = explain(pipe, [test[index]])[0]
    print(f"article {index} of the held-out set, true label {y_test[index]}")
    print("probabilities:", {k: round(v, 3) for k, v in explanation.probabilities.items()})
    print("paragraph weights:", [round(w, 3) for w in explanation.paragraph_weights])
    flat = [
        (w, " ".join(s))
        for ws, ss in zip(explanation.sentence_weights, explanation.words)
        for w, s in zip(ws, ss)
    ]
    print("heaviest sentences:")
    for weight, sentence in sorted(flat, reverse=True)[:3]:
        print(f"  {weight:.3f}  {sentence[:100]}")
    words = [
        (w, word)
        for paragraph_w, paragraph in zip(explanation.word_weights, explanation.words)
        for sentence_w, sentence in zip(paragraph_w, paragraph)
        for w, word in zip(sentence_w, sentence)
    ]
    print("heaviest words:", [(word, round(w, 3)) for w, word in sorted(words, reverse=True)[:10]])

    (HERE / "explanation_example.html").write_text(explanation.to_html(), encoding="utf-8")
    figure = explanation.plot()
    figure.savefig(HERE / "explanation_example.png", dpi=110)
    print("wrote", HERE / "explanation_example.html", "and", HERE / "explanation_example.png")


if __name__ == "__main__":
    main()
