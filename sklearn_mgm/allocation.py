"""Keep the memory a fit frees for its next batch, where the C library allows it.

A training step allocates and frees tensors of several MiB each. glibc's
``malloc`` gives blocks that large straight back to the operating system
(``mmap``, or trimming the heap's top), so the next step's tensors are faulted
in again page by page: on a capped BBC News fit, half a million page faults
and a tenth of the time. :func:`reused_memory` raises the two thresholds
involved for the duration of a block, then sets them where glibc's own
adjustment ends up after a large block was freed, so that the next ``free``
hands what is left above them back. Elsewhere than glibc (macOS, Windows,
musl) it changes nothing.
"""

import ctypes
import platform
from contextlib import contextmanager
from functools import cache

# mallopt's parameter numbers (glibc's malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# glibc's upper bound for the mmap threshold on 64-bit systems, which its
# dynamic adjustment also stops at, and the trim threshold it then sets (twice)
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
_SETTLED_TRIM_THRESHOLD = 2 * _MMAP_THRESHOLD_MAX
# free memory kept at the heap's top inside the block: above a step's peak
_KEPT_TRIM_THRESHOLD = 1024 * 1024 * 1024


@cache
def _glibc():
    """The process's C library where it is glibc with ``mallopt``, else None."""
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return None
    library = ctypes.CDLL(None)
    if not hasattr(library, "mallopt"):
        return None
    return library


@contextmanager
def reused_memory():
    """Inside the block, keep freed blocks of up to 32 MiB in the heap for reuse.

    On exit the thresholds stay where glibc's dynamic adjustment settles once
    a block of 32 MiB has been freed (mmap above 32 MiB, trim above 64 MiB):
    the next ``free`` gives the free memory above 64 MiB at the heap's top
    back to the operating system. Where blocks overlap (a nested or concurrent
    fit), the first to end restores: the others go on as without it.

    Examples
    --------
    >>> import numpy as np
    >>> with reused_memory():
    ...     total = sum(float(np.ones(1_000_000).sum()) for _ in range(3))
    >>> total
    3000000.0
    """
    library = _glibc()
    if library is None:
        yield
        return
    library.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)
    library.mallopt(_M_TRIM_THRESHOLD, _KEPT_TRIM_THRESHOLD)
    try:
        yield
    finally:
        library.mallopt(_M_TRIM_THRESHOLD, _SETTLED_TRIM_THRESHOLD)
