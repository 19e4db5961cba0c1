"""Experiments on the coprod model, in rooms by stage: ``designs`` (what to run), ``jobs``
(running it and keeping the results folder), ``methods`` (sensitivity, calibration) and
``reports`` (statistics, figures, reports); ``cli`` is the command line over them all."""
