"""The data stage's config: how the prompt set is de-duplicated, split and jailbreak-augmented."""

from __future__ import annotations

from dataclasses import dataclass

from exante.config import field


@dataclass(frozen=True)
class DataConfig:
    split_fractions: list[float] = field([0.8, 0.1, 0.1], help="train/dev/test shares of the groups")
    split_salt: str = field("exante-v1", help="salt of every hash-based choice: splits, held-out templates, template picks")
    near_dup_threshold: float = field(0.7, help="content-word cosine at which two prompts are near-duplicates")
    jailbreaks_per_prompt: int = field(
        3, help="jailbreak-wrapped variants per harmful prompt, cycling pyrit, programmatic, dan templates")
    held_out_fraction: float = field(0.2, help="share of template groups held out for the test split")
    max_prompt_chars: int = field(
        4000, help="longest wrapped prompt (at most ~1.2k SmolLM2 tokens); longer templates are skipped")
