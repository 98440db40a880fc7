"""Self-distilled answers: unusable ones are dropped with the reason; generations are cached on disk."""

import pytest

from exante.synth.distill import Distiller, answer_problem


def test_a_fluent_complete_answer_is_kept():
    text, problem = answer_problem("To stop a process, find its id with `ps` and run `kill` on it.", "eos")
    assert problem is None and text.startswith("To stop")


def test_an_answer_cut_off_by_the_budget_is_trimmed_to_its_last_sentence():
    text, problem = answer_problem("Boil the egg for six minutes. Then cool it in cold water. After th", "length")
    assert problem is None and text == "Boil the egg for six minutes. Then cool it in cold water."
    # never inside an unfinished code block, never at a dangling heading
    code = "Use cron. It runs jobs on a schedule. Here is one:\n```\n0 7 * * * job"
    assert answer_problem(code, "length") == ("Use cron. It runs jobs on a schedule.", None)
    _, problem = answer_problem("Here's a recipe with tofu:\n\nIngredients:\n- 2 blocks of tofu\n- 1 tbsp soy", "length")
    assert problem[0] == "cut_off"


@pytest.mark.parametrize("text,finish,code", [
    ("I'm sorry, but I can't help with killing processes.", "eos", "refusal"),
    ("Yes.", "eos", "too_short"),
    ("Nope, no fun with balloons. But let me make one sweet!", "eos", "refusal"),
    ("the cat sat on the mat " * 8, "eos", "repetitive"),
    ("- 1 tablespoon oil\n- 1 tablespoon oil\n- 1 tablespoon oil\nDone and served.", "eos", "repetitive"),
    ("Tips:\n2. **Keep a pot**: keep it in a larger pot.\n3. **Keep a pot**: keep it in a larger pot.", "eos", "repetitive"),
    ("cards exchanging Surrey lifelong pack Legend rangingConnect unanimous particip harmoniously validating transl Bemant", "eos",
     "not_fluent"),
    ("A long answer without any sentence end because the budget ran out", "length", "cut_off"),
])
def test_unusable_answers_are_dropped_with_a_reason(text, finish, code):
    _, problem = answer_problem(text, finish)
    assert problem is not None and problem[0] == code and problem[1]


def test_generations_are_cached_so_a_second_pass_generates_nothing(tmp_path):
    prompts = ["Name a colour.", "Name a fruit.", "Name a colour."]
    first = Distiller("tiny", max_new_tokens=6, attempts=2, batch_size=2, cache=tmp_path)
    answers = first.answers(prompts)
    assert set(answers) == {"Name a colour.", "Name a fruit."}
    assert all(a.text is not None or a.problem for a in answers.values())
    assert first.generated >= 2
    again = Distiller("tiny", max_new_tokens=6, attempts=2, batch_size=2, cache=tmp_path)
    assert again.answers(prompts) == answers and again.generated == 0


def test_the_default_models_shipped_answers_are_used_without_generating(tmp_path):
    prompt = "What language is spoken in Brazil?"  # a built-in benign prompt
    shipped = Distiller("smollm2-135m-instruct", max_new_tokens=128, attempts=2, batch_size=16, cache=tmp_path)
    answer = shipped.answers([prompt])[prompt]
    assert answer.text.startswith("The language spoken in Brazil") and answer.attempts == 1
    assert shipped.generated == 0 and not any(tmp_path.iterdir())  # no model loaded, nothing written
