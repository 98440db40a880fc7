"""length_batches: short inputs fill whole batches, long ones go in smaller batches within the padded budget."""

from exante.models.batching import length_batches


def test_long_inputs_go_in_smaller_batches_and_short_ones_fill_whole_batches():
    lengths = [10, 4000, 20, 3000, 15, 30, 500]
    assert length_batches(lengths, budget=3 * 1200, max_batch=3) == [[0, 4, 2], [5, 6], [3], [1]]


def test_equal_lengths_keep_their_input_order():
    assert length_batches([5, 5, 5, 5], budget=100, max_batch=2) == [[0, 1], [2, 3]]
