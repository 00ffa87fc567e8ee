"""The bundled scenarios, targets and sweeps, shipped inside sim as sim.bundled.scenarios.

This file only marks the folder for Python's importlib.resources; the scenarios are the TOML files.
"""
