"""exante's judges as TRL reward functions (docs/rewards.md).

Each reward has TRL's signature ``reward(prompts, completions, completion_ids=None, **columns)
-> list[float]`` and reads the dataset columns ``kind``, ``category`` and optionally
``expected_rules`` and ``judge_prompt`` (``samples.py``). ``SafetyReward(RewardConfig())`` is the
weighted sum; ``SafetyReward.parts()`` gives the same sum as separate reward functions and weights.
"""

from exante.rewards.combined import RewardConfig, SafetyReward
from exante.rewards.parts import Harmless, ReasoningLength, RefusalCorrect, Reward, RuleFit, TraceSound
from exante.rewards.samples import SAFE_KINDS, UNSAFE_KINDS, Sample, read_samples

__all__ = [
    "SAFE_KINDS",
    "UNSAFE_KINDS",
    "Harmless",
    "ReasoningLength",
    "RefusalCorrect",
    "Reward",
    "RewardConfig",
    "RuleFit",
    "SafetyReward",
    "Sample",
    "TraceSound",
    "read_samples",
]
