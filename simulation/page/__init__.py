"""The teaching page (solara, drawn in the browser): imports the model and the schema only, never
the runner.
Nothing in ``coprod.simulation`` imports this package, so batch workers never import solara."""
