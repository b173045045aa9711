"""Insight beyond the odometer: training load, rotation, cost per distance, charts and a report.

Everything here reads the store and computes; nothing writes except the optional load alert
(`alerting.py`). Chart and report modules import matplotlib / Jinja2 inside their functions, so
importing this package costs nothing extra.
"""
