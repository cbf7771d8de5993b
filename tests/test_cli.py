import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import joblib
import numpy as np
import psutil
import pytest

from sklearn_mgm import load, make_mgm_pipeline, save
from sklearn_mgm.cli import main, read_labelled_texts

ROWS = [
    {"body": f"The team scored goal {i}. Fans cheered.", "topic": "sport"} for i in range(6)
] + [{"body": f"Shares fell {i} points. Investors sold.", "topic": "money"} for i in range(6)]


EPOCH_ROW = re.compile(r"\s+1\s")  # skorch's line for epoch 1


def answer_ctrl_c():
    """In the child before it starts: SIGINT back to its default disposition.

    A shell that starts the tests in the background ignores SIGINT, and the
    command would inherit that; from a terminal, Ctrl-C reaches a process
    that answers it.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def ctrl_c_after_first_epoch(argv, tmp_path):
    """Run ``sklearn-mgm *argv`` in a new process; send it SIGINT once epoch 1 is printed.

    Returns the exit status, standard output and standard error.
    """
    with open(tmp_path / "stderr.txt", "w+", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "sklearn_mgm.cli", *argv],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=answer_ctrl_c,
        )
        watchdog = threading.Timer(120, process.kill)
        watchdog.start()
        try:
            printed = []
            for line in process.stdout:
                printed.append(line)
                if EPOCH_ROW.match(line):
                    process.send_signal(signal.SIGINT)
                    break
            printed.append(process.communicate()[0])
        finally:
            watchdog.cancel()
        stderr.seek(0)
        return process.returncode, "".join(printed), stderr.read()


def write_csv(path, rows, delimiter=","):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def test_read_csv_tsv_and_json_lines(tmp_path):
    expected = ([r["body"] for r in ROWS], [r["topic"] for r in ROWS])
    assert read_labelled_texts(write_csv(tmp_path / "d.csv", ROWS), "body", "topic") == expected
    tsv = write_csv(tmp_path / "d.tsv", ROWS, delimiter="\t")
    assert read_labelled_texts(tsv, "body", "topic") == expected
    jsonl = tmp_path / "d.jsonl"
    jsonl.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    assert read_labelled_texts(str(jsonl), "body", "topic") == expected


def test_compare_on_a_csv_writes_every_output(tmp_path, capsys):
    path = write_csv(tmp_path / "d.csv", ROWS)
    out = tmp_path / "results"
    status = main(
        [
            "compare",
            "--csv",
            path,
            "--text-column",
            "body",
            "--label-column",
            "topic",
            "--cv",
            "2",
            "--max-epochs",
            "1",
            "--seed",
            "3",
            "--output",
            str(out),
            "--quiet",
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "12 documents, 2 classes, 2-fold" in printed
    assert "| TF-IDF + LogisticRegression |" in printed
    assert "| MGM (sklearn-mgm) |" in printed
    concurrent = min(joblib.cpu_count(), 8)  # all cores by default; 4 models x 2 folds
    assert (f"fit s / fold ({concurrent} at once)" in printed) is (concurrent > 1)
    assert {p.name for p in out.iterdir()} == {
        "results.md",
        "results.csv",
        "results.json",
        "results.png",
        "per_class.csv",
        "confusion_matrices.png",
    }


def test_compare_chosen_models_repeated_folds_and_a_learning_curve(tmp_path, capsys):
    path = write_csv(tmp_path / "d.csv", ROWS)
    out = tmp_path / "results"
    argv = ["compare", "--csv", path, "--text-column", "body", "--label-column", "topic"]
    options = ["--cv", "2", "--repeats", "2", "--models", "logreg,char-svc", "--n-jobs", "1"]
    status = main([*argv, *options, "--learning-curve", "0.5", "--output", str(out), "--quiet"])
    assert status == 0
    printed = capsys.readouterr().out
    assert "2-fold cross-validation repeated 2 times (seed 0)" in printed
    assert printed.count(": accuracy ") == 2 * 4 * 2  # a line per fit: models, folds, sizes
    assert "| char n-gram TF-IDF + LinearSVC |" in printed and "MGM" not in printed
    assert "same 4 folds" in printed
    assert {"learning_curve.csv", "learning_curve.png"} <= {p.name for p in out.iterdir()}
    with open(out / "results.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["model"] for row in rows] == [
        "TF-IDF + LogisticRegression",
        "char n-gram TF-IDF + LinearSVC",
    ]
    assert sorted(row["p_value_vs_best"] == "" for row in rows) == [False, True]


def test_compare_help_names_the_models(capsys):
    with pytest.raises(SystemExit):
        main(["compare", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "from: mgm, logreg, svc, fasttext, char-svc" in help_text
    assert "--n-jobs N" in help_text and "--learning-curve [FRACTIONS]" in help_text


def test_ctrl_c_stops_compare_without_writing_results(tmp_path):
    path = write_csv(tmp_path / "d.csv", ROWS)
    out = tmp_path / "results"
    argv = ["compare", "--csv", path, "--text-column", "body", "--label-column", "topic"]
    status, printed, err = ctrl_c_after_first_epoch(
        [*argv, "--cv", "2", "--max-epochs", "2000", "--n-jobs", "1", "--output", str(out)],
        tmp_path,
    )
    assert status == 130, err
    message = f"sklearn-mgm: interrupted; the comparison stopped and wrote nothing to {out}."
    assert message in err.splitlines(), err
    assert "| model |" not in printed
    assert not out.exists()


def test_ctrl_c_stops_every_worker_of_a_parallel_compare(tmp_path):
    path = write_csv(tmp_path / "d.csv", ROWS)
    out = tmp_path / "results"
    argv = [
        *("compare", "--csv", path, "--text-column", "body", "--label-column", "topic"),
        *("--cv", "2", "--max-epochs", "2000", "--n-jobs", "2", "--output", str(out)),
    ]
    # a session of its own, so that SIGINT reaches the command and its workers, as Ctrl-C
    # in a terminal reaches the whole foreground process group
    process = subprocess.Popen(
        [sys.executable, "-m", "sklearn_mgm.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=answer_ctrl_c,
    )
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    try:
        workers = training_workers(psutil.Process(process.pid), 2)
        os.killpg(process.pid, signal.SIGINT)
        printed, err = process.communicate()
    finally:
        watchdog.cancel()
    assert process.returncode == 130, err
    message = f"sklearn-mgm: interrupted; the comparison stopped and wrote nothing to {out}."
    assert message in err.splitlines(), err
    assert "| model |" not in printed
    assert not out.exists()
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive


def training_workers(parent, count):
    """Wait until ``count`` child processes of ``parent`` have trained for a second each."""
    while True:
        busy = [c for c in parent.children(recursive=True) if c.cpu_times().user > 1]
        if len(busy) >= count:
            return busy
        time.sleep(0.2)


def bad_files(tmp_path):
    undecodable = tmp_path / "latin1.csv"
    undecodable.write_bytes("body,topic\ncaf\xe9 ok,a\n".encode("latin-1"))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = tmp_path / "header.csv"
    header_only.write_text("body,topic\n")
    single = write_csv(tmp_path / "single.csv", [dict(r, topic="x") for r in ROWS])
    few = write_csv(tmp_path / "few.csv", ROWS[:7])
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"body": "a", "topic": "x"}\n{oops\n')
    return [
        (str(tmp_path / "missing.csv"), "no such file"),
        (str(undecodable), "not valid UTF-8 (byte 0xe9"),
        (str(empty), "holds no rows"),
        (str(header_only), "holds no rows"),
        (write_csv(tmp_path / "cols.csv", [{"text": "a", "y": "b"}]), "no column 'body'"),
        (single, "Only one class"),
        (few, "would train on one class only ('sport')"),
        (str(broken), "line 2: not JSON"),
    ]


def test_bad_input_is_one_line_and_a_non_zero_exit(tmp_path, capsys):
    for path, message in bad_files(tmp_path):
        status = main(
            [
                "compare",
                "--csv",
                path,
                "--text-column",
                "body",
                "--label-column",
                "topic",
                "--output",
                str(tmp_path / "o"),
            ]
        )
        err = capsys.readouterr().err
        assert status == 2, path
        assert message in err, (path, err)
        assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--cv", "1"], "--cv must be at least 2"),
        (["--repeats", "0"], "--repeats must be at least 1"),
        (["--n-jobs", "0"], "--n-jobs must not be 0; -1 uses all cores"),
        (
            ["--models", "mgm,bert"],
            "argument --models: Unknown model 'bert'; choose from mgm, logreg, svc, fasttext, "
            "char-svc, mgm-vote, mgm-ensemble.",
        ),
        (["--models", "svc,svc"], "Model 'svc' is named twice"),
        (["--learning-curve", "0,0.5"], "argument --learning-curve: expected fractions in (0, 1]"),
    ],
)
def test_bad_options_exit_through_argparse(capsys, options, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", *options])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


TRAIN_ARGS = ["--text-column", "body", "--label-column", "topic", "--max-epochs", "1"]


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("train")
    model = folder / "model"
    data = write_csv(folder / "d.csv", ROWS)
    assert main(["train", "--csv", data, *TRAIN_ARGS, "--model", str(model), "--quiet"]) == 0
    return model


def test_train_fits_the_seeded_pipeline_shows_progress_and_saves(tmp_path, capsys):
    path = write_csv(tmp_path / "d.csv", ROWS)
    model = tmp_path / "model"
    assert main(["train", "--csv", path, *TRAIN_ARGS, "--seed", "3", "--model", str(model)]) == 0
    out = capsys.readouterr().out
    assert "Training on" in out and "12 documents, 2 classes (seed 3)" in out
    assert "epoch" in out and "train_loss" in out
    texts, labels = read_labelled_texts(path, "body", "topic")
    expected = make_mgm_pipeline(random_state=3, max_epochs=1).fit(texts, labels)
    views = ", ".join(expected[-1].granularities_)
    assert f"saved the model to {model} (views: {views})" in out
    np.testing.assert_array_equal(load(model).predict_proba(texts), expected.predict_proba(texts))


def test_ctrl_c_during_train_saves_the_model_trained_so_far(tmp_path):
    path = write_csv(tmp_path / "d.csv", ROWS)
    model = tmp_path / "model"
    argv = ["train", "--csv", path, "--text-column", "body", "--label-column", "topic"]
    status, printed, err = ctrl_c_after_first_epoch(
        [*argv, "--max-epochs", "2000", "--model", str(model)], tmp_path
    )
    assert status == 130, err
    message = re.search(
        rf"^sklearn-mgm: interrupted after (\d+) of 2000 epochs; saved the model trained so "
        rf"far to {re.escape(str(model))}\.$",
        err,
        flags=re.MULTILINE,
    )
    assert message, err
    assert "saved the model to" not in printed
    restored = load(model)
    assert restored[-1].interrupted_
    assert sum("train_loss" in row for row in restored[-1].history_) == int(message[1]) >= 1
    assert restored.predict_proba([row["body"] for row in ROWS]).shape == (12, 2)


def test_train_refuses_an_occupied_directory_before_training(trained_model, tmp_path, capsys):
    path = write_csv(tmp_path / "d.csv", ROWS)
    argv = ["train", "--csv", path, *TRAIN_ARGS, "--model", str(trained_model), "--quiet"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "already holds a saved model; pass overwrite=True" in captured.err
    assert "Training on" not in captured.out


def test_predict_texts_to_stdout(trained_model, capsys):
    texts = ["The team scored again.", "Shares fell further."]
    assert (
        main(["predict", "--model", str(trained_model), "--text", texts[0], "--text", texts[1]])
        == 0
    )
    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    model = load(trained_model)
    assert rows[0] == ["prediction", "proba_money", "proba_sport"]
    assert [row[0] for row in rows[1:]] == model.predict(texts).tolist()
    np.testing.assert_array_equal(
        np.array([row[1:] for row in rows[1:]], dtype=np.float32), model.predict_proba(texts)
    )


def test_predict_a_csv_keeps_rows_in_order(trained_model, tmp_path):
    rows = [*ROWS[::-1], {"body": "", "topic": "?"}]
    path = write_csv(tmp_path / "new.csv", rows)
    out = tmp_path / "predictions.csv"
    argv = ["predict", "--model", str(trained_model), "--csv", path, "--text-column", "body"]
    assert main([*argv, "--output", str(out)]) == 0
    with open(out, newline="", encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    texts = [row["body"] for row in rows]
    model = load(trained_model)
    assert [row["prediction"] for row in written] == model.predict(texts).tolist()
    # one epoch may predict one class for all: the probabilities tell the rows apart
    proba = np.array([[row["proba_money"], row["proba_sport"]] for row in written], np.float32)
    np.testing.assert_array_equal(proba, model.predict_proba(texts))
    assert len(set(proba[:, 0])) > 1


def test_predict_bad_input_is_one_line_and_a_non_zero_exit(trained_model, tmp_path, capsys):
    tampered = tmp_path / "tampered"
    shutil.copytree(trained_model, tampered)
    weights = tampered / "classifier.safetensors"
    weights.write_bytes(weights.read_bytes()[:-10])
    tokenizer_only = tmp_path / "tokenizer"
    save(load(trained_model)[0], tokenizer_only)
    data = write_csv(tmp_path / "d.csv", ROWS)
    cases = [
        (tmp_path / "absent", ["--text", "a"], "absent: no such model directory"),
        (tmp_path, ["--text", "a"], "not a model saved by sklearn_mgm.save"),
        (tampered, ["--text", "a"], "classifier.safetensors: the SHA-256 checksum does not match"),
        (tokenizer_only, ["--text", "a"], "holds a tokenizer, not the pipeline expected"),
        (trained_model, ["--csv", str(tmp_path / "no.csv")], "no.csv: no such file"),
        (trained_model, ["--csv", data], "no column 'text'; the columns are ['body', 'topic']"),
    ]
    for model, data_args, message in cases:
        assert main(["predict", "--model", str(model), *data_args]) == 2, message
        err = capsys.readouterr().err
        assert message in err, (message, err)
        assert err.count("\n") == 1 and "Traceback" not in err


def test_train_bad_input_is_one_line_and_a_non_zero_exit(tmp_path, capsys):
    single = write_csv(tmp_path / "single.csv", [dict(r, topic="x") for r in ROWS])
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("keep")
    cases = [
        (single, tmp_path / "m", "The number of classes has to be greater than one"),
        (write_csv(tmp_path / "d.csv", ROWS), tmp_path / "notes", "holds other files"),
    ]
    for data, model, message in cases:
        argv = ["train", "--csv", data, *TRAIN_ARGS, "--model", str(model), "--quiet"]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message in err, err
        assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "m").exists()


def test_predict_needs_texts_or_a_file(trained_model, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["predict", "--model", str(trained_model)])
    assert exit_info.value.code == 2
    assert "one of the arguments --csv --text is required" in capsys.readouterr().err
