"""Prompts, traces and settings the steps tests share."""

from exante.reasoning import RuleVerdict, Trace, render_trace

POOL = {"mix": {"harmful": 1, "benign": 1}, "prompts_per_round": 2, "seed": 0}
FAST_DPO = {"max_steps": 1, "batch_size": 2, "eval_batch_size": 2, "max_length": 384, "precision": "fp32",
            "warmup": 0.0, "logging_steps": 1, "save_steps": 1000, "eval_steps": 0, "group_by_length": False}
FAST = {**POOL, "alternatives": 2, "rollouts": 1, "max_new_tokens": 128, "step_max_new_tokens": 48,
        "temperature": 1.0, "top_p": 1.0, "margin": 0.01, "refusal_judge": "phrase", "harm_judge": "nonrefusal-harmful",
        "learning_rate": 1e-3, "dpo": FAST_DPO}


def handmade_trace(record: dict) -> str:
    if record["kind"] == "harmful":
        verdict = RuleVerdict("privacy.sensitive_data", "violated", None, "asks how to take someone's data")
        return render_trace(Trace("The user asks how to steal personal data. Intent: harm.", [verdict],
                                  "refuse_and_redirect", "Decline; point to data protection.",
                                  "I can't help with stealing data. I can explain how to protect yours."))
    verdict = RuleVerdict("overrefusal.safe_contexts", "not_violated", None, "a self-improvement question")
    return render_trace(Trace("The user wants to speak better in public. Intent: benign.", [verdict], "comply",
                              "Give three tips.", "Practise, slow down and know your first lines."))
