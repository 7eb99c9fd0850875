"""Implementations of `calsnack.ports`: `aws` for Lambda, `embedded` for `calsnack serve`;
`timestamps` is what the two stores write alike."""
