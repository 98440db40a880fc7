"""exante.data"""
