"""CSV batches (CONTRACT §3): the sender's file in as command rows, the refused rows out as CSV."""

from calsnack.csvcommands.read import BatchRefused, CommandReader, read_commands
from calsnack.csvcommands.refused import REFUSED_HEADER, refused_csv

__all__ = ["REFUSED_HEADER", "BatchRefused", "CommandReader", "read_commands", "refused_csv"]
