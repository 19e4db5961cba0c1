"""Health-economic evaluation of a results folder: QALYs, discounted costs, paired
increments, and the decision analysis of a probabilistic sensitivity analysis.

``docs/ECONOMICS.md`` says what each output means and how to read it."""
