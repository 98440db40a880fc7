"""exante: reasoning-based safety alignment for LLMs (ERPO / SAFER / SaRO)."""

import os

# Idle OpenMP threads sleep instead of spinning: on a CPU shared with other torch processes,
# spinning threads made each forward pass ~10x slower (docs/models.md). Set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
