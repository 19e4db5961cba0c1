"""Experiments on the coprod model: run jobs of many runs, store and load their results.

``experiments.load(path)`` reads a finished results folder; it needs pandas and pyarrow only,
so this package's import stays light (the runner and the CLI import the model themselves).
"""

from experiments.results import Results, load

__all__ = ["Results", "load"]
