"""Batch sweeps over project sets, parameters and failures (see ``sim sweep``)."""
