"""A small tus 1.0 client over the Flask test client, for the resumable-upload tests (no tests here)."""
from __future__ import annotations

import base64
import hashlib
import io
import json

OFFSET_TYPE = "application/offset+octet-stream"
TUS = {"Tus-Resumable": "1.0.0"}


def metadata(filename: str, meta: dict, filetype: str | None = None) -> str:
    """Upload-Metadata: each value base64; officers and pauses as JSON."""
    values = {"filename": filename, **({"filetype": filetype} if filetype else {})}
    for key, value in meta.items():
        if value is None:
            continue
        values[key] = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else str(value)
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(http, iid: int, length: int, filename: str, meta: dict, as_user: str = "officer1", **headers):
    head = {**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(filename, meta), **headers}
    return http.call("POST", f"/api/v1/instances/{iid}/evidence/uploads", as_user, headers=head)


def patch(http, url: str, offset: int, body, as_user: str = "officer1", length: int | None = None,
          checksum: str | None = None, content_type: str = OFFSET_TYPE):
    """PATCH a chunk; ``body`` is bytes or a readable stream (then ``length`` is its declared Content-Length)."""
    stream = io.BytesIO(body) if isinstance(body, bytes) else body
    size = len(body) if isinstance(body, bytes) else length
    headers = {**TUS, "Upload-Offset": str(offset)}
    if checksum:
        headers["Upload-Checksum"] = checksum
    # the body goes straight in as wsgi.input (the test client would seek a stream to measure it)
    return http.call("PATCH", url, as_user, headers=headers, content_type=content_type,
                     environ_overrides={"wsgi.input": stream, "CONTENT_LENGTH": str(size)})


def head(http, url: str, as_user: str = "officer1"):
    return http.call("HEAD", url, as_user, headers=dict(TUS))


def sha1_of(data: bytes) -> str:
    return "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()


class Generated(io.RawIOBase):
    """``size`` bytes made on the fly (``head`` then a repeated 1 MiB block): a request body that is never in
    memory. Counts what was asked of it."""

    def __init__(self, size: int, head: bytes) -> None:
        super().__init__()
        block = bytes(range(256)) * 4096
        self.size, self.head, self.block, self.pos = size, head, block, 0
        self.largest_read = 0
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def _at(self, pos: int, n: int) -> bytes:
        if pos < len(self.head):
            return self.head[pos:pos + n]
        start = (pos - len(self.head)) % len(self.block)
        return self.block[start:start + n]

    def readinto(self, buffer) -> int:
        self.largest_read = max(self.largest_read, len(buffer))
        n = min(len(buffer), self.size - self.pos)
        if n <= 0:
            return 0
        data = self._at(self.pos, n)
        buffer[:len(data)] = data
        self.pos += len(data)
        self.bytes_read += len(data)
        return len(data)

    def sha256(self) -> str:
        digest, pos = hashlib.sha256(), 0
        while pos < self.size:
            data = self._at(pos, min(1 << 20, self.size - pos))
            digest.update(data)
            pos += len(data)
        return digest.hexdigest()
