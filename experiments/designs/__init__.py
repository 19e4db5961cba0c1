"""What a job runs: experiment files, their designs (grids, Latin hypercubes, Sobol' points)
and calibration targets, validated against the parameter schema."""
