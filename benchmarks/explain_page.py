"""The explanation page of a real BBC News run, as `sklearn-mgm explain` writes it, shot.

Trains the default pipeline with `sklearn-mgm train` on 80 % of BBC News
(stratified, seed 0), explains three held-out articles with `sklearn-mgm
explain`, and takes a screenshot of the page with headless Chromium (Debian's
``chromium`` package):

    python benchmarks/explain_page.py        # about 2 CPU-minutes

Writes ``explanation_page.html`` next to this script and the screenshot,
which the docs' explanation page shows, to ``results/explanation_page.png``.
"""

import csv
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from sklearn_mgm.cli import main as cli
from sklearn_mgm.datasets import load_bbc_news

HERE = Path(__file__).resolve().parent
SCREENSHOT = HERE / "results" / "explanation_page.png"


def write_csv(path, texts, labels=None):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"] if labels is not None else ["text"])
        for row in zip(texts, labels) if labels is not None else ([t] for t in texts):
            writer.writerow(row)


def main():
    bunch = load_bbc_news()
    labels = np.asarray(bunch.target_names)[bunch.target]
    train, test, y_train, _ = train_test_split(
        bunch.data, labels, test_size=0.2, stratify=labels, random_state=0
    )
    short = [text for text in test if text.count("\n\n") <= 4][:3]  # fits a screenshot
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        write_csv(folder / "train.csv", train, y_train)
        write_csv(folder / "explain.csv", short)
        model = folder / "model"
        assert cli(["train", "--csv", str(folder / "train.csv"), "--model", str(model)]) == 0
        page = HERE / "explanation_page.html"
        assert cli(["explain", "--model", str(model), "--csv", str(folder / "explain.csv"),
                    "--output", str(page)]) == 0  # fmt: skip
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium: apt install chromium, then run again")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={SCREENSHOT}", "--window-size=1000,1300", page.as_uri()],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    print(f"wrote {page} and {SCREENSHOT}")


if __name__ == "__main__":
    main()
