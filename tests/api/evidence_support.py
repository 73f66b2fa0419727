"""Helpers shared by the evidence and equipment tests (no tests here)."""
from __future__ import annotations

import io
import uuid

from engine import clock
from tests import cases as c

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
PDF = b"%PDF-1.7\n"
OPENING = "现在是2026年11月20日9时30分，地点宁晋县某村，执法人员officer1、officer2，依法进行现场检查。"


def media(magic: bytes, size: int = 4096) -> bytes:
    """Unique content starting with ``magic``, padded to ``size`` bytes."""
    body = magic + uuid.uuid4().bytes
    return (body + bytes(range(256)) * (size // 256 + 1))[:size]


def now() -> str:
    """The engine clock's now (a test's ``pin`` moves it, and with it the equipment ledger's movements)."""
    return clock.now().isoformat()


def new_case(http) -> int:
    """An enforcement case past registration and recusal (at 启动记录): its officers are officer1 and officer2."""
    iid = http.start("enforcement_case")["id"]
    http.complete(iid, "task_register", c.REGISTER, "officer1")
    http.complete(iid, "task_recusal", c.RECUSAL_NONE, "officer1")
    return iid


def photo_meta(**extra) -> dict:
    return {"kind": "photo", "captured_at": now(), "place": "宁晋县某村", "officers": ["officer1", "officer2"],
            "title": "现场照片", **extra}


def av_meta(device: str, **extra) -> dict:
    return {"kind": "audio_video", "captured_at": now(), "place": "宁晋县某村", "device_id": device,
            "officers": ["officer1", "officer2"], "opening_statement": OPENING, "title": "现场检查录像", **extra}


def upload(http, iid: int, content: bytes, filename: str, meta: dict, as_user: str = "officer1",
           content_type: str | None = None):
    data = {key: value for key, value in meta.items() if value is not None}
    data["file"] = (io.BytesIO(content), filename, content_type) if content_type else (io.BytesIO(content), filename)
    return http.call("POST", f"/api/v1/instances/{iid}/evidence", as_user, data=data,
                     content_type="multipart/form-data")


def new_device(http, kind: str = "body_cam", as_user: str = "admin") -> str:
    code = f"DEV-{uuid.uuid4().hex[:10]}"
    resp = http.call("POST", "/api/v1/devices", as_user, json={"code": code, "name": "执法记录仪", "kind": kind})
    assert resp.status_code == 201, resp.get_json()
    return code


def checkout(http, code: str, officer: str = "officer1", as_user: str = "admin", expect: int = 201):
    resp = http.call("POST", f"/api/v1/devices/{code}/checkout", as_user, json={"officer": officer})
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def give_back(http, code: str, as_user: str = "admin", expect: int = 201):
    resp = http.call("POST", f"/api/v1/devices/{code}/return", as_user, json={})
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()
