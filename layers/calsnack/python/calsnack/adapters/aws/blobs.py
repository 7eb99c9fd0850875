"""The blob-store port on S3: raw inbound mail (written by SES) and uploaded CSV files."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, BinaryIO

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer
    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client

#: Read-ahead of `open()`: large enough for few GETs' worth of round trips, small next to Lambda memory.
READ_BUFFER = 1024 * 1024


class _BodyReader(io.RawIOBase):
    """An S3 response body as a raw stream, so `io.BufferedReader` (a real `BinaryIO`) can wrap it."""

    def __init__(self, body: StreamingBody) -> None:
        self._body = body

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        data = self._body.read(len(view))
        view[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._body.close()
        super().close()


class S3BlobStore:
    """Implements `calsnack.ports.BlobStore` on one bucket; a missing key raises FileNotFoundError."""

    def __init__(self, bucket: str, client: S3Client) -> None:
        self.bucket = bucket
        self.client = client

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def put_stream(self, key: str, reader: BinaryIO) -> None:
        # A multipart upload once the file is large, with parts read as they are sent.
        self.client.upload_fileobj(reader, self.bucket, key)

    def get(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def open(self, key: str) -> BinaryIO:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(f"s3://{self.bucket}/{key}") from exc
            raise
        return io.BufferedReader(_BodyReader(body), buffer_size=READ_BUFFER)
