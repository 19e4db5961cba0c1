"""Methods built on the runner: sensitivity analysis and calibration."""
