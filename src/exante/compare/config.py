"""``CompareConfig``: the runs to compare and where the report goes."""

from __future__ import annotations

from dataclasses import dataclass

from exante.config import field
from exante.errors import ExanteError


@dataclass
class CompareConfig:
    runs: list[str] = field([], flag="--run", help="run folders of `exante run` (or eval output folders holding "
                            "report.json), in the order of the report's columns")
    out: str = field("runs/compare", help="output folder: compare.md, compare.json, compare.html, *.png")

    def __post_init__(self) -> None:
        if not self.runs:
            raise ExanteError("CompareConfig: field 'runs' is empty: name at least one run folder")
