"""The use cases, one module each: plain functions of a command and the `Services` ports."""
