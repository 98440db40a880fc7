"""exante: reasoning-based safety alignment for LLMs (ERPO / SAFER / SaRO)."""

__version__ = "0.1.0"
