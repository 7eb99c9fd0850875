"""The API's fixtures, for the address table that runs through the gateway as well."""

from tests.unit.api.conftest import queue, services  # noqa: F401
