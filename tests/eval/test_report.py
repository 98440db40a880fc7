"""Reports from hand-made judged samples: files written, models side by side, every sample in the browser."""

import json
import re

from exante.eval.benchmarks import BENCHMARKS
from exante.eval.report import write_reports

EVIL = "</script><script>alert(1)</script><!--"


def judged(i, bench, kind, category, refused, harmful, answer="Sure, here you go.", attack=None):
    return {
        "id": f"{bench}:{i}", "bench": bench, "prompt": f"prompt {i} of {bench}", "kind": kind, "category": category,
        "source": "handmade", "attack": attack, "judge_prompt": f"prompt {i} of {bench}", "output": answer,
        "reasoning": None, "answer": answer, "prompt_tokens": 10, "completion_tokens": 20 + i,
        "reasoning_tokens": 0, "answer_tokens": 20 + i, "finish_reason": "eos", "latency_s": 0.5, "tokens_per_s": 40.0,
        "verdicts": {"refusal": {"judge": "phrase", "label": "refusal" if refused else "compliance",
                                 "score": float(refused), "rationale": "hand-made"}},
        "refused": refused, "harmful": harmful, "quality": 0.7 if kind == "benign" else None,
        "quality_parts": {"finished": 1.0} if kind == "benign" else None,
        "trace": {"tagged": False, "valid": False, "path": None, "cited": [], "violated": [], "citation_correct": None},
    }


def model_samples(refusing: bool):
    return [
        judged(0, "harmful", "harmful", "weapons", refusing, not refusing),
        judged(1, "harmful", "harmful", "cyber", True, False, answer=EVIL),
        judged(2, "jailbreak", "jailbreak", "weapons", refusing, not refusing, attack="base64"),
        judged(3, "over-refusal", "borderline", "homonyms", refusing, None),
        judged(4, "helpfulness", "benign", "coding", False, None),
    ]


def make_report(samples_by_model):
    models = {}
    for model, samples in samples_by_model.items():
        metrics = {name: b.score([s for s in samples if s["bench"] == name] if b.generates else samples)
                   for name, b in BENCHMARKS.items()}
        stats = {"requested": len(samples), "cached": 0, "generated": len(samples), "corrupt_dropped": 0,
                 "seconds": 1.0, "completion_tokens": 100}
        models[model] = {"spec": model, "fingerprint": "f", "generation": stats, "metrics": metrics}
    settings = {"max_new_tokens": 64, "temperature": 0.0, "top_p": 1.0, "repetition_penalty": 1.0, "seed": 0, "batch_size": 16, "dtype": "fp32",
                "system_prompt": None, "sample_salt": "s", "prompts": {"harmful": 2}, "judges": {"refusal": "phrase"},
                "rulebook": "default"}
    return {"exante_version": "0", "created": "now", "suite": "quick", "benches": list(BENCHMARKS),
            "descriptions": {}, "settings": settings, "notes": ["XSTest skipped: offline"], "models": models, "seconds": 3.0}


def test_reports_put_models_side_by_side_and_the_html_browser_holds_every_sample(tmp_path):
    samples = {"base": model_samples(refusing=False), "aligned": model_samples(refusing=True)}
    paths = write_reports(make_report(samples), samples, tmp_path)

    report = json.loads(paths["json"].read_text())
    assert report["models"]["base"]["metrics"]["harmful"]["asr"] == 0.5
    assert report["models"]["aligned"]["metrics"]["harmful"]["asr"] == 0.0

    markdown = paths["md"].read_text()
    assert "| metric | base | aligned |" in markdown
    assert re.search(r"\| Harmful ASR ↓ \| 50\.0% \(n=2\) \| 0\.0% \(n=2\) \|", markdown)
    assert "XSTest skipped: offline" in markdown

    page = paths["html"].read_text()
    assert 'id="browser"' in page and 'id="f-verdict"' in page and 'id="f-attack"' in page
    data = re.search(r'<script type="application/json" id="sample-data">(.*?)</script>', page, re.S).group(1)
    browsed = json.loads(data)["samples"]
    assert sorted((s["model"], s["id"]) for s in browsed) == sorted((m, s["id"]) for m, items in samples.items() for s in items)
    assert all(s["verdicts"]["refusal"]["judge"] == "phrase" for s in browsed)
    assert EVIL not in page  # model output cannot close the script block or inject markup
    assert page.count("data:image/png;base64,") >= 4  # the figures are embedded
    assert "http://" not in page and "https://" not in page  # nothing fetched from a CDN
