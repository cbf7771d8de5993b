import csv
import json

import pytest

from sklearn_mgm.cli import main, read_labelled_texts

ROWS = [
    {"body": f"The team scored goal {i}. Fans cheered.", "topic": "sport"} for i in range(6)
] + [{"body": f"Shares fell {i} points. Investors sold.", "topic": "money"} for i in range(6)]


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
    assert {p.name for p in out.iterdir()} == {
        "results.md",
        "results.csv",
        "results.json",
        "results.png",
    }


def bad_files(tmp_path):
    undecodable = tmp_path / "latin1.csv"
    undecodable.write_bytes("body,topic\ncaf\xe9 ok,a\n".encode("latin-1"))
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    header_only = tmp_path / "header.csv"
    header_only.write_text("body,topic\n")
    single = write_csv(tmp_path / "single.csv", [dict(r, topic="x") for r in ROWS])
    few = write_csv(tmp_path / "few.csv", ROWS[:8])
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"body": "a", "topic": "x"}\n{oops\n')
    return [
        (str(tmp_path / "missing.csv"), "no such file"),
        (str(undecodable), "not valid UTF-8 (byte 0xe9"),
        (str(empty), "holds no rows"),
        (str(header_only), "holds no rows"),
        (write_csv(tmp_path / "cols.csv", [{"text": "a", "y": "b"}]), "no column 'body'"),
        (single, "Only one class"),
        (few, "has only 2 documents, fewer than the 5 folds"),
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


def test_bad_options_exit_through_argparse(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", "--cv", "1"])
    assert exit_info.value.code == 2
    assert "--cv must be at least 2" in capsys.readouterr().err
