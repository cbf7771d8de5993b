"""The default MGM pipeline with its bag view's table trained alone first, over model seeds.

    python benchmarks/bag_first.py trec-fine --seeds 0 1 2
    python benchmarks/bag_first.py drugs --seeds 0 1 2 --bag-epochs 10

In each fold a bag-only network (``granularities=("bag",)``) is fitted for
``--bag-epochs`` epochs; the default network then starts from its table and
trains as usual. Asks whether the bag, a linear model of the TF-IDF weights
that three epochs leave undertrained (``other_corpora.py trec-fine --set
"granularities=('bag',)" --set max_epochs=30``), lifts the fused network
when it starts trained. The folds and corpora are those of
``other_corpora.py``.
"""

import argparse
import warnings

from corpora import CORPORA
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline

from sklearn_mgm import HierarchicalTokenizer, MultiGranularityClassifier


class BagFirstClassifier(MultiGranularityClassifier):
    """The default classifier, its bag's table taken from a bag-only fit on the same data."""

    bag_epochs = 10

    def fit(self, X, y, **fit_params):
        bag_only = MultiGranularityClassifier(
            granularities=("bag",), max_epochs=self.bag_epochs, random_state=self.random_state
        ).fit(X, y)
        self.bag_start_ = bag_only.module_.bag.embedding.weight.detach().clone()
        return super().fit(X, y, **fit_params)

    def initialize_module(self):
        super().initialize_module()
        if hasattr(self, "bag_start_"):
            self.module_.bag.embedding.weight.data.copy_(self.bag_start_)
        return self


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", choices=sorted(CORPORA))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--bag-epochs", type=int, default=10)
    args = parser.parse_args()
    BagFirstClassifier.bag_epochs = args.bag_epochs
    texts, labels = CORPORA[args.corpus]()
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=0).split(texts, labels))
    for seed in args.seeds:
        pipe = Pipeline(
            [
                ("tokenizer", HierarchicalTokenizer()),
                ("classifier", BagFirstClassifier(random_state=seed)),
            ]
        )
        with warnings.catch_warnings():
            # the rarest TREC classes have fewer members than folds
            warnings.filterwarnings("ignore", message="The least populated class")
            result = cross_validate(
                pipe, texts, labels, cv=folds, scoring=("accuracy", "f1_macro"), error_score="raise"
            )
        print(
            f"{args.corpus}, bag first for {args.bag_epochs} epochs, seed {seed}: "
            f"accuracy {100 * result['test_accuracy'].mean():.2f}, "
            f"macro-F1 {100 * result['test_f1_macro'].mean():.2f}, "
            f"fit {result['fit_time'].mean():.1f} s/fold",
            flush=True,
        )


if __name__ == "__main__":
    main()
