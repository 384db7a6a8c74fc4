"""`make bench`: measure the platform at the seeds' real sizes (see benchmarks/run.py)."""
