"""tergeu's benchmarks (`make bench`, `python bench/run.py`); results in docs/benchmarks.md."""
