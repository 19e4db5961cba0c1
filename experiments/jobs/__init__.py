"""Running jobs and keeping their results: plan runs, execute them on an engine, write and
load the results folder. Nothing here knows about reports or the command line."""
