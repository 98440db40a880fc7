"""exante.judge"""
