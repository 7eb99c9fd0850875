"""The analytics export: the events, invitations and answers tables Athena and DuckDB read.

`rows` turns domain objects into table rows and `files` lays them out as date-partitioned gzipped
JSON Lines; both exporters (the stream exporter Lambda and `calsnack export`) go through them, so
the two layouts cannot drift. docs/analytics.md explains the tables and the format choice.
"""
