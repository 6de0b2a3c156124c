"""The process's resident memory, for the child processes that measure it (``_rss_child.py``,
``_batch_child.py``). They are started by path, so they import this as a top-level module
(``benchmarks/`` is their ``sys.path[0]``); it imports nothing, and adds nothing to what they
measure."""

from __future__ import annotations


def vm_rss_kib() -> int:
    """VmRSS from ``/proc/self/status``, in KiB (Linux)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")
