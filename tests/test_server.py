"""The server's memory settings (explorer.app.server), each in a fresh interpreter: they change the whole process."""
import json

import pytest

from conftest import run_python

pytestmark = pytest.mark.skipif(not __import__("os").path.exists("/proc/self/statm"), reason="reads Linux's /proc")

MEASURE = """
import json, resource, torch
from explorer.app.server import MMAP_THRESHOLD, give_memory_back, keep_memory_flat
keep_memory_flat()
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4096
def faults(nbytes, times=40):
    torch.ones(nbytes // 4)  # the first one may grow the heap
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(times):
        torch.ones(nbytes // 4)  # allocated, written, freed
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
"""


def test_tensors_under_the_threshold_reuse_the_heap_and_larger_ones_are_mapped_afresh():
    """A B/16 forward's per-image tensors (a 3 MB channel-MLP hidden) are reused from the heap: writing one again
    faults no new pages. A 9 MB one is mapped and unmapped each time: every one of its pages faults again."""
    code = MEASURE + "print(json.dumps([MMAP_THRESHOLD, faults(3 << 20), faults(9 << 20)]))"
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    threshold, small, large = json.loads(done.stdout)
    assert (3 << 20) < threshold < (9 << 20)
    pages_each = lambda nbytes: nbytes // 4096  # noqa: E731
    assert small < 0.05 * 40 * pages_each(3 << 20)
    assert large > 0.9 * 40 * pages_each(9 << 20)


def test_memory_freed_into_the_heap_is_given_back():
    """Half of 200 tensors of 2 MB freed, every other one (holes the heap cannot shrink past): give_memory_back
    returns their pages, about 200 MB."""
    code = MEASURE + """
held = [torch.ones((2 << 20) // 4) for _ in range(200)]
del held[::2]
before = rss()
give_memory_back()
print(json.dumps([before, rss()]))
"""
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    before, after = json.loads(done.stdout)
    assert before - after > 0.8 * 100 * (2 << 20)
