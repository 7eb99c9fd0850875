"""Implementations of `calsnack.ports`: `aws` for Lambda, `embedded` for `calsnack serve`."""
