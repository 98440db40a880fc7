"""exante.serve"""
