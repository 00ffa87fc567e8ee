"""The bundled network tables, shipped inside sim as the package data sim.bundled.network.

This file only marks the folder for Python's importlib.resources; see README.md for the tables.
"""
