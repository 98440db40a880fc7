"""Ex-Ante trace synthesis: prompts + a teacher → a validated SFT data set (docs/synth.md).

``run_synth(SynthConfig(...))`` is the Python entry point; ``exante synth --config FILE`` the CLI.
Names load lazily so that ``exante --help`` does not import numpy or torch.
"""

from exante.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "exante.synth.config": ["SynthConfig"],
    "exante.synth.pipeline": ["run_synth"],
    "exante.synth.teachers": ["TEACHERS", "TeacherOutput"],
    "exante.synth.retrieval": ["RuleRetriever"],
})
