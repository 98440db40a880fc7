"""Ex-Ante trace synthesis: prompts + a teacher → a validated SFT data set (docs/synth.md).

``run_synth(SynthConfig(...))`` is the Python entry point; ``exante synth --config FILE`` the CLI.
Names load lazily so that ``exante --help`` does not import numpy or torch.
"""

from importlib import import_module

_EXPORTS = {
    "SynthConfig": "exante.synth.config",
    "run_synth": "exante.synth.pipeline",
    "TEACHERS": "exante.synth.teachers",
    "TeacherOutput": "exante.synth.teachers",
    "RuleRetriever": "exante.synth.retrieval",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'exante.synth' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
