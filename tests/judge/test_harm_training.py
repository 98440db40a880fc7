"""How the harm substance head is trained: public labels kept apart from the evaluation rows, and
cross-validated choice of C and threshold on the rows that matter."""

import numpy as np
import pytest

from exante.judge.head import fit_head_cv


def test_cross_validated_head_is_scored_only_on_selected_rows_and_refitted_on_all():
    rng = np.random.default_rng(0)
    # Selected rows: the label follows feature 0. Unselected rows: the label follows feature 1,
    # weighted low; a head scored on the selected rows must learn feature 0.
    x = rng.normal(size=(400, 2))
    select = np.arange(400) < 200
    y = np.where(select, x[:, 0] > 0, x[:, 1] > 0)
    weights = np.where(select, 1.0, 0.05)
    groups = [f"p{i // 2}" for i in range(400)]
    head = fit_head_cv(x, y, weights, groups, select)
    assert head.info["n_selected"] == 200 and head.info["n_train"] == 400
    assert head.info["dev_f1"] > 0.9
    assert abs(head.weights[0]) > 3 * abs(head.weights[1])
    assert head.prob(np.array([[2.0, -2.0]]))[0] > head.threshold > head.prob(np.array([[-2.0, 2.0]]))[0]


@pytest.mark.integration
def test_public_training_answers_share_no_response_or_prompt_with_the_evaluation_files():
    from exante.judge.humanlabels import load_labelled_sets
    from exante.judge.trainset import objective_rows

    rows = objective_rows()
    held = load_labelled_sets("harm") + load_labelled_sets("refusal")
    responses = {t.strip() for s in held for t in s.responses}
    prompts = {t.strip() for s in held for t in s.prompts}
    assert 100 <= len(rows) <= 200  # 395 rows in PyRIT 1.1.0, over half of them near-duplicates
    assert not any(r.response.strip() in responses or r.prompt.strip() in prompts for r in rows)
    assert 0.3 < np.mean([r.achieved for r in rows]) < 0.7
