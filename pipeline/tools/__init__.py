"""Tools around the pipeline: synthetic archives and the benchmark."""
