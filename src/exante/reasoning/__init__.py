"""exante.reasoning"""
