"""The ``hf`` teacher: a local model (any ``exante.models.load_model`` spec) writes the traces, batched."""

from __future__ import annotations

from exante.rules import Rulebook
from exante.synth.config import SynthConfig
from exante.synth.prompting import system_prompt, teacher_messages
from exante.synth.teachers import Emit, TeacherOutput


class HFTeacher:
    name = "hf"

    def __init__(self, config: SynthConfig, rulebook: Rulebook):
        self.config = config
        self.system = system_prompt(rulebook, config.style)

    def run(self, records: list[dict], emit: Emit) -> None:
        from exante.models import GenerationParams, HFBackend, load_model

        backend = HFBackend(load_model(self.config.teacher_model), progress=False)
        params = GenerationParams(max_new_tokens=self.config.max_tokens, temperature=self.config.temperature,
                                  batch_size=self.config.batch_size)
        step = self.config.batch_size
        for start in range(0, len(records), step):
            chunk = records[start:start + step]
            generations = backend.generate([teacher_messages(r, self.system) for r in chunk], params)
            for record, gen in zip(chunk, generations):
                info = {"completion_tokens": gen.completion_tokens, "finish_reason": gen.finish_reason}
                emit(TeacherOutput(record["id"], gen.text, info=info))
