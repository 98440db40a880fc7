"""Agreement metrics against hand-computed confusion matrices."""

import pytest

from exante.judge.metrics import binary_metrics


def test_confusion_matrix_and_scores_match_a_hand_count():
    gold = [True, True, True, False, False, True, False]
    pred = [True, False, True, True, False, True, False]
    m = binary_metrics(gold, pred)
    # TP: items 0, 2, 5; FN: item 1; FP: item 3; TN: items 4, 6
    assert (m.tp, m.fp, m.fn, m.tn) == (3, 1, 1, 2)
    assert m.n == 7
    assert m.accuracy == pytest.approx(5 / 7)
    assert m.precision == pytest.approx(3 / 4)
    assert m.recall == pytest.approx(3 / 4)
    assert m.f1 == pytest.approx(0.75)


def test_f1_is_the_harmonic_mean_when_precision_and_recall_differ():
    # TP 2, FP 0, FN 2, TN 1 -> precision 1, recall 1/2, F1 = 2 * 1 * 0.5 / 1.5 = 2/3
    m = binary_metrics([True, True, True, True, False], [True, True, False, False, False])
    assert (m.tp, m.fp, m.fn, m.tn) == (2, 0, 2, 1)
    assert m.f1 == pytest.approx(2 / 3)


def test_no_positive_prediction_gives_zero_precision_and_f1_not_a_crash():
    m = binary_metrics([True, False], [False, False])
    assert (m.precision, m.recall, m.f1) == (0.0, 0.0, 0.0)


def test_a_failed_judgement_counts_as_a_negative_prediction_and_as_an_error():
    m = binary_metrics([True, False, True], [None, None, True])
    assert (m.tp, m.fp, m.fn, m.tn, m.errors) == (1, 0, 1, 1, 2)


def test_length_mismatch_is_refused():
    with pytest.raises(ValueError):
        binary_metrics([True], [True, False])
