"""Time one training step (forward and backward) of the library's bidirectional GRU.

    python benchmarks/gru_step.py
    python benchmarks/gru_step.py --against /tmp/old/sklearn_mgm/recurrence.py
    python benchmarks/gru_step.py --against /tmp/old/sklearn_mgm/recurrence.py --forward-only

Two layers of the size a capped BBC News batch gives at 100/50 (64 documents
of 30 sentences × 40 words at most): the word layer (1,200 sentences of 1 to
40 words, read from a table of 4,300 distinct words, as the network does) and
the sentence layer (64 documents of 1 to 30 sentences). One torch thread;
the median of 10 steps after 2 warm-up steps. With ``--against``, a second
copy of ``recurrence.py`` (another version of the library, imported with its
package) is timed in the same process, the two taking turns, and the ratio
is printed: the way to compare versions on a machine whose speed drifts.
``--forward-only`` times the forward pass alone, as prediction runs it.
"""

import argparse
import importlib
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent

LAYERS = {  # sequences, longest, table rows (None: one row per item), input size
    "words": (1200, 40, 4300, 100),
    "sentences": (64, 30, None, 100),
}
HIDDEN = 50


def load_recurrence(path, name):
    """The ``recurrence.py`` at ``path``, imported with its package under the name ``name``.

    The package is imported too (the module imports its siblings), so two
    versions of the library can run side by side in one process.
    """
    package = Path(path).resolve().parent
    spec = importlib.util.spec_from_file_location(
        name, package / "__init__.py", submodule_search_locations=[str(package)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return importlib.import_module(f"{name}.recurrence")


def layer_inputs(sequences, longest, table_rows, input_size, random_state=0):
    """A GRU, its input table, the layout and an upstream gradient."""
    rng = np.random.RandomState(random_state)
    torch.manual_seed(random_state)
    lengths = rng.randint(1, longest + 1, sequences)
    starts = np.cumsum(lengths) - lengths
    n_items = int(lengths.sum())
    gru = torch.nn.GRU(input_size, HIDDEN, bidirectional=True)
    table = torch.randn(table_rows or n_items, input_size, requires_grad=True)
    item_rows = None
    if table_rows is not None:
        item_rows = torch.from_numpy(rng.randint(0, table_rows, n_items))
    upstream = torch.randn(n_items, 2 * HIDDEN)
    return gru, table, starts, lengths, item_rows, upstream


def step_seconds(module, inputs, forward_only=False):
    """Seconds of one forward and backward pass of ``module.bidirectional_gru``.

    With ``forward_only``, of one forward pass under ``torch.inference_mode``,
    as in prediction.
    """
    gru, table, starts, lengths, item_rows, upstream = inputs
    start = time.perf_counter()
    if forward_only:
        with torch.inference_mode():
            module.bidirectional_gru(gru, table, starts, lengths, item_rows=item_rows)
        return time.perf_counter() - start
    states = module.bidirectional_gru(gru, table, starts, lengths, item_rows=item_rows)
    (states * upstream).sum().backward()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", help="another recurrence.py to time in turn")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument(
        "--forward-only", action="store_true", help="time the forward pass alone, as in prediction"
    )
    args = parser.parse_args()
    torch.set_num_threads(1)
    versions = {"this": load_recurrence(HERE.parent / "sklearn_mgm" / "recurrence.py", "this")}
    if args.against:
        versions["against"] = load_recurrence(args.against, "against")
    for layer, sizes in LAYERS.items():
        inputs = layer_inputs(*sizes)
        seconds = {name: [] for name in versions}
        for _ in range(args.steps + 2):
            for name, module in versions.items():
                seconds[name].append(step_seconds(module, inputs, args.forward_only))
        medians = {name: float(np.median(times[2:])) for name, times in seconds.items()}
        line = ", ".join(f"{name} {median * 1e3:.1f} ms" for name, median in medians.items())
        if args.against:
            line += f"; this / against {medians['this'] / medians['against']:.3f}"
        print(f"{layer}: {line}", flush=True)


if __name__ == "__main__":
    main()
