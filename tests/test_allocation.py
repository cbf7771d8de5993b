import platform
import resource

import numpy as np
import pytest

from sklearn_mgm.allocation import reused_memory

BLOCKS, BLOCK_BYTES, STEPS = 16, 8 * 2**20, 8
STEP_PAGES = BLOCKS * BLOCK_BYTES // resource.getpagesize()

needs_glibc = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="the thresholds are glibc's malloc's; elsewhere reused_memory changes nothing",
)


def page_faults():
    """Minor page faults of STEPS steps that each write 16 blocks of 8 MiB and free them."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(STEPS):
        blocks = [np.ones(BLOCK_BYTES // 8) for _ in range(BLOCKS)]
        del blocks
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@needs_glibc
def test_freed_blocks_are_reused_inside_the_block_and_not_after_it():
    # 128 MiB freed at once passes glibc's trim threshold: outside the block,
    # steps fault pages in afresh (about two steps' worth over eight here)
    with reused_memory():
        inside = page_faults()
    after = page_faults()
    assert inside < STEP_PAGES // 2  # part of the first step's pages, then none
    assert after > 2 * inside  # the thresholds left are glibc's again


def test_the_block_runs_its_body_and_passes_exceptions_through():
    with pytest.raises(KeyError), reused_memory():
        raise KeyError("inside")
    with reused_memory():
        total = float(np.ones(10).sum())
    assert total == 10.0
