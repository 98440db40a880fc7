"""exante.train"""
