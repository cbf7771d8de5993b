"""Training and prediction documents/s of the MGM classifier on a GPU against its CPU.

    python benchmarks/gpu.py [--epochs 2] [--cpu-threads N]

On BBC News (all 2,225 documents), the default MultiGranularityClassifier is
trained for ``--epochs`` epochs and then predicts every document, on the CPU
and on the GPU (float32, then bfloat16 autocast with ``mixed_precision=True``;
batch 32 as the CPU, then batch 128), all in this run. It also checks that a
model trained on the GPU predicts on the CPU after moving (``device="cpu"``)
and that GPU accuracy on a held-out fifth matches the CPU's.
"""

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.model_selection import train_test_split

from sklearn_mgm import HierarchicalTokenizer, MultiGranularityClassifier
from sklearn_mgm.datasets import load_bbc_news

OUTPUT = Path(__file__).parent / "results" / "gpu"


def measure(X_train, y_train, X_test, y_test, epochs, **params):
    classifier = MultiGranularityClassifier(max_epochs=epochs, random_state=0, **params)
    started = time.perf_counter()
    classifier.fit(X_train, y_train)
    if params.get("device", "cpu") == "cuda":
        torch.cuda.synchronize()
    fit_seconds = time.perf_counter() - started
    classifier.predict_proba(X_test)  # warm-up
    started = time.perf_counter()
    predictions = classifier.predict(X_test)
    predict_seconds = time.perf_counter() - started
    return classifier, {
        "train_docs_per_s": epochs * len(X_train) / fit_seconds,
        "predict_docs_per_s": len(X_test) / predict_seconds,
        "accuracy": float(np.mean(predictions == y_test)),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--cpu-threads", type=int, default=None)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("benchmarks/gpu.py needs a CUDA device; none is visible.")
    if args.cpu_threads:
        torch.set_num_threads(args.cpu_threads)
    texts, y = load_bbc_news(return_X_y=True)
    train_texts, test_texts, y_train, y_test = train_test_split(
        texts, y, test_size=0.2, stratify=y, random_state=0
    )
    tokenizer = HierarchicalTokenizer()
    X_train = tokenizer.fit_transform(train_texts)
    X_test = tokenizer.transform(test_texts)
    print(
        f"GPU {torch.cuda.get_device_name()}, CPU threads {torch.get_num_threads()}, "
        f"torch {torch.__version__}; {len(X_train)} training and {len(X_test)} test documents, "
        f"{args.epochs} epochs",
        flush=True,
    )
    configurations = {
        "CPU, float32, batch 32": {"device": "cpu"},
        "GPU, float32, batch 32": {"device": "cuda"},
        "GPU, bfloat16 autocast, batch 32": {"device": "cuda", "mixed_precision": True},
        "GPU, float32, batch 128": {"device": "cuda", "batch_size": 128},
        "GPU, bfloat16 autocast, batch 128": {
            "device": "cuda",
            "mixed_precision": True,
            "batch_size": 128,
        },
    }
    results = {}
    for name, params in configurations.items():
        classifier, results[name] = measure(X_train, y_train, X_test, y_test, args.epochs, **params)
        print(f"{name}: {results[name]}", flush=True)
    gpu_proba = classifier.predict_proba(X_test)
    classifier.set_params(device="cpu")
    classifier.module_.to("cpu")
    cpu_proba = classifier.predict_proba(X_test)
    results["gpu_model_on_cpu_max_abs_difference"] = float(np.abs(gpu_proba - cpu_proba).max())
    cpu = results["CPU, float32, batch 32"]
    print("\n| configuration | train docs/s | × CPU | predict docs/s | × CPU | accuracy |")
    print("|---|---|---|---|---|---|")
    for name, row in results.items():
        if not isinstance(row, dict):
            continue
        print(
            f"| {name} | {row['train_docs_per_s']:,.0f} | "
            f"{row['train_docs_per_s'] / cpu['train_docs_per_s']:.1f} | "
            f"{row['predict_docs_per_s']:,.0f} | "
            f"{row['predict_docs_per_s'] / cpu['predict_docs_per_s']:.1f} | "
            f"{100 * row['accuracy']:.1f} % |"
        )
    print(
        "GPU-trained model moved to the CPU: max |Δ proba| = "
        f"{results['gpu_model_on_cpu_max_abs_difference']:.2e}"
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    (OUTPUT / "gpu.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
