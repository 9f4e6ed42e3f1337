"""Tools around the pipeline: synthetic archives and the benchmark."""

# The benchmark's default sizes (``bench``), here so that the command line shows them
# without importing the benchmark, which every other command would then pay for.
# The default archive: 20,000 files, about 400,000 comments.
BENCH_FILES = 20_000
# Comments in the threads loaded both as dumps and as one export.
BENCH_FEED_COMMENTS = 100_000
