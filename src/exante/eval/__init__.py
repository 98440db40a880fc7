"""exante.eval"""
