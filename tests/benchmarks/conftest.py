"""The benchmark runners are scripts in benchmarks/, importable as modules from there."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[2] / "benchmarks"))
