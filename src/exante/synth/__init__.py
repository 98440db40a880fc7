"""exante.synth"""
