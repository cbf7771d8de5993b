"""The ``sklearn-mgm`` command."""

import argparse
import csv
import json
import os
import sys
import warnings

import numpy as np

from . import __version__
from .baselines import MODEL_NAMES, check_model_names
from .compare import DEFAULT_TRAIN_SIZES

TEXT_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class DataError(ValueError):
    """A problem with the user's data file, reported in one line."""


def read_labelled_texts(path, text_column, label_column):
    """Read texts and labels from a CSV, TSV or JSON Lines file.

    The format follows the extension: ``.tsv``/``.tab`` is tab-separated,
    ``.jsonl``/``.ndjson`` is JSON Lines, anything else is CSV. The file must
    be UTF-8.

    Parameters
    ----------
    path : str
        The file.
    text_column, label_column : str
        Names of the text and label columns (keys in JSON Lines).

    Returns
    -------
    (list of str, list of str)

    Raises
    ------
    DataError
        Missing file, undecodable bytes, missing column, empty file or a
        malformed line, with the place named.
    """
    texts, labels = [], []
    for number, record in _read_records(path, (text_column, label_column)):
        label = record.get(label_column)
        if label in (None, ""):
            raise DataError(f"{path}, row {number}: {label_column!r} is empty.")
        texts.append(_text(record, text_column, path, number))
        labels.append(str(label))
    return texts, labels


def read_texts(path, text_column):
    """Read the texts of one column of a CSV, TSV or JSON Lines file.

    The format follows the extension, as in :func:`read_labelled_texts`.

    Parameters
    ----------
    path : str
        The file.
    text_column : str
        Name of the text column (key in JSON Lines).

    Returns
    -------
    list of str
        One text per row, in the file's order.

    Raises
    ------
    DataError
        Missing file, undecodable bytes, missing column, empty file or a
        row without text, with the place named.
    """
    return [
        _text(record, text_column, path, number)
        for number, record in _read_records(path, (text_column,))
    ]


def _read_records(path, columns):
    """The rows of a data file that has ``columns``, with the number of each row."""
    if not os.path.isfile(path):
        raise DataError(f"{path}: no such file.")
    kind = TEXT_FORMATS.get(os.path.splitext(path)[1].lower(), "csv")
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            records = (
                _json_lines(handle, path) if kind == "jsonl" else _delimited(handle, kind, path)
            )
            records = list(records)
    except UnicodeDecodeError as error:
        raise DataError(
            f"{path}: not valid UTF-8 (byte 0x{error.object[error.start]:02x} at offset "
            f"{error.start}); save the file as UTF-8."
        ) from None
    if not records:
        raise DataError(f"{path}: the file holds no rows.")
    for column in columns:
        if column not in records[0]:
            raise DataError(f"{path}: no column {column!r}; the columns are {sorted(records[0])}.")
    return enumerate(records, start=2 if kind != "jsonl" else 1)


def _text(record, column, path, number):
    text = record.get(column)
    if not isinstance(text, str):
        raise DataError(f"{path}, row {number}: {column!r} is {text!r}, not text.")
    return text


def _delimited(handle, kind, path):
    # a document may be longer than the csv module's default limit of 131,072 characters
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    reader = csv.DictReader(handle, delimiter="\t" if kind == "tsv" else ",")
    try:
        yield from reader
    except csv.Error as error:
        raise DataError(f"{path}, line {reader.line_num}: {error}.") from None


def _json_lines(handle, path):
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"{path}, line {number}: not JSON ({error.msg}).") from None
        if not isinstance(record, dict):
            raise DataError(f"{path}, line {number}: expected a JSON object.")
        yield record


def _add_data_arguments(parser):
    data = parser.add_argument_group("data (default: the BBC News corpus)")
    data.add_argument("--csv", metavar="PATH", help="CSV, TSV (.tsv) or JSON Lines (.jsonl) file")
    data.add_argument("--text-column", default="text", help="column of the texts (default: text)")
    data.add_argument(
        "--label-column", default="label", help="column of the labels (default: label)"
    )


def _load_data(args):
    if args.csv is None:
        from .datasets import load_bbc_news

        bunch = load_bbc_news()
        return bunch.data, [bunch.target_names[i] for i in bunch.target], "BBC News"
    texts, labels = read_labelled_texts(args.csv, args.text_column, args.label_column)
    return texts, labels, args.csv


def _compare(args):
    from .compare import compare_with_baselines

    texts, labels, source = _load_data(args)
    repeated = f" repeated {args.repeats} times" if args.repeats > 1 else ""
    kinds = f"{len(set(labels))} classes"
    if args.label_separator is not None:
        labels, names = label_sets(labels, args.label_separator)
        kinds = f"{len(names)} labels, several per document"
    print(
        f"Comparing on {source}: {len(texts)} documents, {kinds}, "
        f"{args.cv}-fold cross-validation{repeated} (seed {args.seed}).",
        flush=True,
    )
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _print_warning
            table = compare_with_baselines(
                texts,
                labels,
                cv=args.cv,
                models=args.models,
                random_state=args.seed,
                max_epochs=args.max_epochs,
                n_jobs=args.n_jobs,
                repeats=args.repeats,
                learning_curve=args.learning_curve or False,
                verbose=1 if args.quiet else 2,
            )
    except KeyboardInterrupt:
        print(
            f"sklearn-mgm: interrupted; the comparison stopped and wrote nothing to {args.output}.",
            file=sys.stderr,
        )
        return 130
    print()
    print(table.to_markdown())
    for path in table.save(args.output):
        print(f"wrote {path}")
    return 0


def _print_warning(message, category, filename, lineno, file=None, line=None):
    print(f"sklearn-mgm: warning: {message}", file=sys.stderr, flush=True)


def _model_names(value):
    """argparse type of --models: known short names, separated by commas."""
    try:
        return check_model_names(value)
    except (ValueError, ImportError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _fractions(value):
    """argparse type of --learning-curve: fractions in (0, 1], separated by commas."""
    try:
        fractions = [float(part) for part in value.split(",")]
    except ValueError:
        fractions = []
    if not fractions or not all(0 < fraction <= 1 for fraction in fractions):
        raise argparse.ArgumentTypeError(
            f"expected fractions in (0, 1] separated by commas, e.g. 0.1,0.25,0.5,1; got {value!r}"
        )
    return fractions


def _train(args):
    from .persistence import check_can_save, save
    from .pipeline import make_mgm_pipeline

    check_can_save(args.model, overwrite=args.overwrite)  # before training, not after
    texts, labels, source = _load_data(args)
    kinds = {label for cell in labels for label in _split_cell(cell, args.label_separator)}
    several = "" if args.label_separator is None else " (several per document)"
    print(
        f"Training on {source}: {len(texts)} documents, {len(kinds)} classes{several} "
        f"(seed {args.seed}).",
        flush=True,
    )
    params = {"random_state": args.seed, "verbose": 0 if args.quiet else 1}
    if args.max_epochs is not None:
        params["max_epochs"] = args.max_epochs
    if args.label_separator is not None:
        labels, params["label_names"] = label_sets(labels, args.label_separator)
    pipe = make_mgm_pipeline(**params).fit(texts, labels)
    save(pipe, args.model, overwrite=args.overwrite)
    classifier = pipe[-1]
    if classifier.interrupted_:  # Ctrl-C: skorch ended the fit early and kept the model
        finished = sum("train_loss" in row for row in classifier.history_)
        print(
            f"sklearn-mgm: interrupted after {finished} of {classifier.max_epochs} epochs; "
            f"saved the model trained so far to {args.model}.",
            file=sys.stderr,
        )
        return 130
    views = ", ".join(classifier.granularities_)
    print(f"saved the model to {args.model} (views: {views})")
    return 0


def _load_pipeline(path):
    from .persistence import load

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = load(path, kind="pipeline")
    for warning in caught:
        print(f"sklearn-mgm: warning: {warning.message}", file=sys.stderr)
    return model


def _predict(args):
    model = _load_pipeline(args.model)
    texts = args.text if args.csv is None else read_texts(args.csv, args.text_column)
    proba = model.predict_proba(texts)
    classifier, classes = model[-1], model.classes_
    if classifier.multilabel_:  # each document's labels, joined
        names = classifier.label_names_
        classes = np.asarray(classes if names is None else names).astype(str)
        predictions = [
            args.label_separator.join(classes[row.astype(bool)]) for row in model.predict(texts)
        ]
    else:
        predictions = classes[proba.argmax(axis=1)]
    if args.output is None:
        _write_predictions(sys.stdout, classes, predictions, proba)
    else:
        with open(args.output, "w", newline="", encoding="utf-8") as handle:
            _write_predictions(handle, classes, predictions, proba)
        print(f"wrote {len(texts)} predictions to {args.output}", file=sys.stderr)
    return 0


def _explain(args):
    from .explain import explain, explanation_page

    if args.limit < 1:
        raise ValueError(f"--limit must be at least 1; got {args.limit}.")
    model = _load_pipeline(args.model)
    texts = args.text if args.csv is None else read_texts(args.csv, args.text_column)
    shown = texts[: args.limit]
    page = explanation_page(explain(model, shown), view=args.view)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write(page)
    left_out = (
        f" (the first {len(shown)} of {len(texts)}; see --limit)" if len(texts) > len(shown) else ""
    )
    documents = "1 document" if len(shown) == 1 else f"{len(shown)} documents"
    print(f"wrote explanations of {documents}{left_out} to {args.output}")
    return 0


def label_sets(cells, separator):
    """Label cells that hold several labels, as an indicator matrix and the label names.

    Parameters
    ----------
    cells : list of str
        One cell per document, its labels separated by ``separator``.
    separator : str
        E.g. ``"|"``; blanks around each label are dropped.

    Returns
    -------
    indicator : ndarray of int, shape (n_documents, n_labels)
    names : list of str

    Examples
    --------
    >>> indicator, names = label_sets(["sport|politics", "business", "sport"], "|")
    >>> indicator.tolist(), names
    ([[0, 1, 1], [1, 0, 0], [0, 0, 1]], ['business', 'politics', 'sport'])
    """
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer()
    indicator = binarizer.fit_transform([_split_cell(cell, separator) for cell in cells])
    return indicator, binarizer.classes_.tolist()


def _split_cell(cell, separator):
    if separator is None:
        return [cell]
    return [label.strip() for label in cell.split(separator) if label.strip()]


def _write_predictions(handle, classes, predictions, proba):
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["prediction", *(f"proba_{label}" for label in classes)])
    for prediction, row in zip(predictions, proba):
        # str of a float32 is its shortest exact form
        writer.writerow([prediction, *(str(p) for p in row)])


def _add_compare_arguments(compare):
    compare.add_argument("--cv", type=int, default=5, help="number of folds (default: 5)")
    compare.add_argument(
        "--label-separator",
        metavar="SEP",
        help="the label cells hold several labels split by SEP (e.g. '|'): compare "
        "multi-label models with one-vs-rest baselines",
    )
    compare.add_argument(
        "--repeats",
        type=int,
        default=1,
        metavar="R",
        help="repeat the k-fold split R times, reshuffled each time (default: 1)",
    )
    compare.add_argument(
        "--models",
        type=_model_names,
        metavar="NAMES",
        help=f"models to compare, separated by commas, from: {', '.join(MODEL_NAMES)} (default: "
        "mgm,logreg,svc, fasttext when installed, char-svc when most texts are written "
        "without spaces)",
    )
    compare.add_argument("--max-epochs", type=int, help="epochs of the MGM model")
    compare.add_argument("--seed", type=int, default=0, help="seed of folds and models")
    compare.add_argument(
        "--n-jobs",
        type=int,
        default=-1,
        metavar="N",
        help="fits run at once (default: -1, all cores; 1 runs them one by one and shows the "
        "MGM epochs)",
    )
    compare.add_argument(
        "--learning-curve",
        nargs="?",
        const=list(DEFAULT_TRAIN_SIZES),
        type=_fractions,
        metavar="FRACTIONS",
        help="also train every model on growing fractions of each training fold (default: "
        f"{','.join(f'{size:g}' for size in DEFAULT_TRAIN_SIZES)}) and plot accuracy against "
        "training size",
    )
    compare.add_argument(
        "--output", default="mgm-results", help="folder for the results (default: mgm-results)"
    )
    compare.add_argument("--quiet", action="store_true", help="no progress bar or epochs")


def build_parser():
    """The argument parser of the ``sklearn-mgm`` command."""
    parser = argparse.ArgumentParser(
        prog="sklearn-mgm",
        description="Multi-granularity document classification for scikit-learn.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    compare = commands.add_parser(
        "compare",
        help="cross-validate the MGM pipeline against TF-IDF + linear baselines",
        description="Cross-validate the MGM pipeline and baselines on the same folds, fits in "
        "parallel; test each model against the best (corrected resampled t-test); print the "
        "table and write results.md/.csv/.json, per_class.csv and the figures.",
    )
    _add_data_arguments(compare)
    _add_compare_arguments(compare)
    compare.set_defaults(handler=_compare)

    train = commands.add_parser(
        "train",
        help="train the MGM pipeline and save it",
        description="Train the MGM pipeline (make_mgm_pipeline) on labelled texts and save it "
        "with sklearn_mgm.save (JSON and safetensors, no pickle).",
    )
    _add_data_arguments(train)
    train.add_argument("--max-epochs", type=int, help="epochs (default: the model's, 3)")
    train.add_argument("--seed", type=int, default=0, help="seed of the model (default: 0)")
    train.add_argument("--model", required=True, metavar="DIR", help="directory to save to")
    train.add_argument("--overwrite", action="store_true", help="replace a model saved in DIR")
    train.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    train.add_argument(
        "--label-separator",
        metavar="SEP",
        help="the label cells hold several labels split by SEP (e.g. '|'): a multi-label model",
    )
    train.set_defaults(handler=_train)

    predict = commands.add_parser(
        "predict",
        help="predict with a saved model",
        description="Load a model saved by `sklearn-mgm train` and write, for each text, the "
        "predicted label and the probability of each class as CSV (columns prediction, "
        "proba_<class>), one row per input text in order.",
    )
    predict.add_argument("--model", required=True, metavar="DIR", help="the saved model")
    _add_texts_arguments(predict)
    predict.add_argument("--output", metavar="FILE", help="CSV file to write (default: stdout)")
    predict.add_argument(
        "--label-separator",
        default="|",
        metavar="SEP",
        help="joins the labels of a multi-label model's predictions (default: '|')",
    )
    predict.set_defaults(handler=_predict)

    explain = commands.add_parser(
        "explain",
        help="explain a saved model's predictions as an HTML page",
        description="Load a model saved by `sklearn-mgm train` and write one HTML page with a "
        "section per text: the prediction, every class's probability and the text as written, "
        "words shaded by the network's attention.",
    )
    explain.add_argument("--model", required=True, metavar="DIR", help="the saved model")
    _add_texts_arguments(explain)
    explain.add_argument("--output", required=True, metavar="FILE", help="HTML file to write")
    explain.add_argument(
        "--limit", type=int, default=20, help="explain at most this many texts (default: 20)"
    )
    explain.add_argument(
        "--view",
        choices=["text", "tokens"],
        default="text",
        help="the text as written (default) or the tokens the model read",
    )
    explain.set_defaults(handler=_explain)
    return parser


def _add_texts_arguments(parser):
    texts = parser.add_mutually_exclusive_group(required=True)
    texts.add_argument("--csv", metavar="PATH", help="CSV, TSV (.tsv) or JSON Lines (.jsonl) file")
    texts.add_argument("--text", action="append", metavar="TEXT", help="a text (repeatable)")
    parser.add_argument(
        "--text-column", default="text", help="column of the texts in --csv (default: text)"
    )


def main(argv=None):
    """Run the command; bad input gives a one-line error and exit status 2, Ctrl-C status 130.

    Parameters
    ----------
    argv : list of str or None
        Arguments; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        The exit status.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, least in (("cv", 2), ("max_epochs", 1), ("repeats", 1)):
        value = getattr(args, name, None)
        if value is not None and value < least:
            parser.error(f"--{name.replace('_', '-')} must be at least {least}")
    if getattr(args, "n_jobs", None) == 0:
        parser.error("--n-jobs must not be 0; -1 uses all cores, 1 runs the fits one by one")
    try:
        return args.handler(args)
    except (DataError, ValueError, TypeError, ImportError, OSError, FloatingPointError) as error:
        print(f"sklearn-mgm: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("sklearn-mgm: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
