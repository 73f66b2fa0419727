"""Configuration: embedded default (SQLite) unless the environment says otherwise."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class Config:
    SECRET_KEY = os.environ.get("SANXIANG_SECRET_KEY", "dev-only-change-me")
    SQLALCHEMY_DATABASE_URI = os.environ.get("SANXIANG_DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'sanxiang.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    API_TITLE = "Sanxiang API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api"
    OPENAPI_JSON_PATH = "v1/openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    #: Swagger UI assets are served locally from the swagger-ui-bundle package (no CDN needed)
    OPENAPI_SWAGGER_UI_URL = "/api/docs/assets/"
    PROCESSES_DIR = str(ROOT / "processes")
    FORMS_DIR = str(ROOT / "forms")
    TOKEN_TTL_HOURS = 12
    JSON_AS_ASCII = False
    #: bureau-maintained calendar overrides: ISO date -> True (working) / False (holiday)
    CALENDAR_OVERRIDES: dict[str, bool] = {}
    CALENDAR_UNKNOWN_YEAR = "weekends"
    #: worker: seconds between ticks, and the least seconds between two checkpoints
    WORKER_SECONDS = int(os.environ.get("SANXIANG_WORKER_SECONDS", "30"))
    CHECKPOINT_SECONDS = int(os.environ.get("SANXIANG_CHECKPOINT_SECONDS", "300"))
    #: evidence files (A/V, photos, documents), stored by sha256 under this directory
    EVIDENCE_DIR = os.environ.get("SANXIANG_EVIDENCE_DIR", str(ROOT / "instance" / "evidence"))
    #: the largest evidence file accepted (bytes)
    EVIDENCE_MAX_BYTES = 512 * 1024 * 1024
    #: media types accepted as evidence (each is checked against the file's magic bytes)
    EVIDENCE_MEDIA_TYPES = [
        "image/jpeg", "image/png", "video/mp4", "video/quicktime", "audio/mpeg", "audio/mp4", "audio/wav",
        "application/pdf", "text/plain",
    ]
