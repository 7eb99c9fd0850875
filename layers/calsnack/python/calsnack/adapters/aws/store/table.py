"""The table the store is written for, as plain data: `infra/storage.py` deploys it and the tests
create it (on moto) from this one definition, so the table under test cannot drift from the
deployed one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Index:
    """A global secondary index of string keys, projecting keys only: the store fetches the
    items themselves from the base table, so it never relies on attributes copied into an index."""

    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True, slots=True)
class TableDefinition:
    """Every key is a string; billing is on demand (a batch's bursts would need provisioning)."""

    partition_key: str
    sort_key: str
    index: Index
    #: Markers (ledger, chunks) and rate-limit windows expire through it.
    ttl_attribute: str
    #: The analytics exporter compares each item's old and new image (`adapters.aws.stream`).
    stream_view: str

    @property
    def key_attributes(self) -> tuple[str, ...]:
        """The attributes some key is made of: the table's own and its index's."""
        return (self.partition_key, self.sort_key, self.index.partition_key, self.index.sort_key)


TABLE = TableDefinition(
    partition_key="pk",
    sort_key="sk",
    # A domain's API keys. Events need no index: their keys are laid out by domain and event id
    # (docs/data-model.md), so no event of a batch writes one.
    index=Index(name="gsi1", partition_key="gsi1pk", sort_key="gsi1sk"),
    ttl_attribute="ttl",
    stream_view="NEW_AND_OLD_IMAGES",
)
