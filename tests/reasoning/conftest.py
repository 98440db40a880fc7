"""A tiny byte-level BPE tokenizer (the SmolLM2 family's kind), trained in milliseconds offline."""

import pytest


@pytest.fixture(scope="session")
def bpe_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from exante.reasoning import RuleVerdict, Trace, render_trace

    sample = render_trace(
        Trace("The user asks how to kill a process.", [RuleVerdict("overrefusal.homonyms", "allowed", "benign_homonym", "a process")],
              "comply", "Explain kill and signals.", "Use `kill -TERM <pid>`; if it hangs, `kill -KILL <pid>`.")
    )
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator([sample] * 4, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, clean_up_tokenization_spaces=False)
