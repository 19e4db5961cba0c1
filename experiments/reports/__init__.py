"""Reading a results folder: statistics, figures and the reports written from them. A report
needs only the folder (and the schemas of outputs and parameters), never the model."""
