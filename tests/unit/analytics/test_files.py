"""Table files: gzipped JSON Lines in `<table>/dt=.../` folders, deterministic, memory-bounded."""

from __future__ import annotations

import gzip
from datetime import timedelta
from pathlib import Path

from calsnack.adapters.embedded.blobs import FileBlobStore
from calsnack.analytics.files import PartitionedWriter, compress, encode_line, file_key, read_rows
from calsnack.analytics.rows import as_record, event_row

from tests.contract.builders import T0, make_event


def rows(count: int, *, days: int = 1):
    return [
        event_row(
            make_event("ada@corp.example", f"e{n}", updated_at=T0 + timedelta(days=n % days)), observed_at=T0
        )
        for n in range(count)
    ]


def test_a_line_is_one_json_object_without_the_partition() -> None:
    [row] = rows(1)
    line = encode_line(row)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert "Überblick".encode() in line  # UTF-8 as is, as Athena's JSON SerDe reads it
    assert b'"dt"' not in line
    assert read_rows(compress([line])) == [as_record(row)]


def test_compression_is_deterministic() -> None:
    lines = [encode_line(r) for r in rows(3)]
    assert compress(lines) == compress(lines)
    assert gzip.decompress(compress(lines)) == b"".join(lines)


def test_writer_groups_by_table_and_day(tmp_path: Path) -> None:
    writer = PartitionedWriter(FileBlobStore(tmp_path), "part")
    writer.add_all(rows(5, days=2))
    writer.flush()
    assert writer.files == [
        file_key("events", "2031-05-17", "part-0000"),
        file_key("events", "2031-05-18", "part-0000"),
    ]
    assert writer.files[0] == "events/dt=2031-05-17/part-0000.json.gz"
    assert [len(read_rows((tmp_path / f).read_bytes())) for f in writer.files] == [3, 2]
    assert writer.summary().rows == {"events": 5}


def test_writer_writes_out_when_its_budget_is_full(tmp_path: Path) -> None:
    made = rows(10)
    line = len(encode_line(made[0]))
    writer = PartitionedWriter(FileBlobStore(tmp_path), "part", budget=line * 4)
    writer.add_all(made)
    writer.flush()
    names = sorted(p.name for p in (tmp_path / "events" / "dt=2031-05-17").iterdir())
    assert names == ["part-0000.json.gz", "part-0001.json.gz", "part-0002.json.gz"]
    back = [r for n in names for r in read_rows((tmp_path / "events" / "dt=2031-05-17" / n).read_bytes())]
    assert [r["event_id"] for r in back] == [f"e{n}" for n in range(10)]


def test_flushing_nothing_writes_nothing(tmp_path: Path) -> None:
    writer = PartitionedWriter(FileBlobStore(tmp_path), "part")
    writer.flush()
    assert writer.files == [] and list(tmp_path.iterdir()) == []
