"""A server process's memory, read from /proc, for tests that bound what a request costs."""

from __future__ import annotations

from pathlib import Path


def memory_kb(pid: int, field: str) -> int:
    """One figure of /proc/PID/status in kB: VmRSS (now), VmHWM (the peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == field:
            return int(value.split()[0])
    raise AssertionError(f"no {field} for {pid}")


def peak_restarted(pid: int) -> int:
    """VmRSS in kB, from which VmHWM (the peak) starts again (Linux: "5" to clear_refs)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return memory_kb(pid, "VmRSS")
