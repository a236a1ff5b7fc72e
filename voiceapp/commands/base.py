"""What every command module shares: the sub-parser type and plain-text tables."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TypeAlias

# argparse's sub-parser action is generic only to type checkers.
Groups: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain text table, column widths fitted to the content."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in cells
    ]
    return "\n".join(line.rstrip() for line in lines)
