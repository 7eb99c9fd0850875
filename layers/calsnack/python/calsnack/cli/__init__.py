"""The `calsnack` command line: serve, report and the operator's tools."""
