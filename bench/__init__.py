"""Benchmarks, kept out of `make test`: run them as modules, e.g. `python -m bench.kpi_bench`."""
