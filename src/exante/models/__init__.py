"""exante.models"""
