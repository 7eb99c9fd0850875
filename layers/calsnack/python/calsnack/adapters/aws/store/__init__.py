"""The store port on DynamoDB: `DynamoStore`, and the shard count its clients size their pools by."""

from calsnack.adapters.aws.store.keys import ATTENDEE_SHARDS
from calsnack.adapters.aws.store.store import DynamoStore

__all__ = ["ATTENDEE_SHARDS", "DynamoStore"]
