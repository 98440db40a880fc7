"""The classifier heads shipped in the package are the ones the repository's data produces."""

import pytest

from exante.judge.store import current_keys, shipped_keys


@pytest.mark.integration
def test_shipped_heads_match_the_current_data_and_embedding_model():
    # Fails after an edit to src/exante/judge/data/*.yaml or a feature change until
    # `exante judge train --ship` rewrites data/heads.jsonl.
    assert shipped_keys() == current_keys()
