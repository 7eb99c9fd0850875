"""Benchmarks: each module has a `main()` that prints its own report; `python -m bench` runs them all."""
