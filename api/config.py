"""Configuration: embedded default (SQLite) unless the environment says otherwise.

There is no default secret key: outside the demo (``SANXIANG_DEMO=1``) and tests the server refuses to start
without ``SANXIANG_SECRET_KEY`` (see :func:`check_secret_key`); the demo generates one, once, in
``instance/secret_key``.
"""
from __future__ import annotations

import math
import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

#: values seen in examples, tutorials and earlier versions of this project: never accepted as a key
WELL_KNOWN_SECRET_KEYS = frozenset({
    "", "dev-only-change-me", "test", "testing", "dev", "development", "secret", "secret-key", "secret_key",
    "changeme", "change-me", "change_me", "demo", "sanxiang", "bench", "default", "key", "password",
    "your-secret-key", "super-secret", "supersecret", "flask", "none", "null",
})
#: the shortest key accepted outside tests (characters)
MIN_SECRET_KEY_LENGTH = 32


class ConfigurationError(RuntimeError):
    """The server must not start with this configuration; the message says what to set."""


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


#: settings that must be at least this (a number of hours, seconds, items); checked at start (:func:`check_numbers`)
#: whether they came from the environment or from the app factory's overrides
MINIMUMS: dict[str, float] = {
    "LOGIN_MAX_FAILURES": 1, "LOGIN_LOCKOUT_SECONDS": 0, "LOGIN_ADDR_MAX_FAILURES": 1, "LOGIN_ADDR_WINDOW_SECONDS": 1,
    "SCRIPT_TIME_LIMIT_SECONDS": 0.01, "SCRIPT_MEMORY_LIMIT_MB": 16, "HOT_WORKFLOWS": 0, "CHECKPOINT_SECONDS": 0,
    "ANNUAL_REPORT_SECONDS": 1, "WAKE_CAP_SECONDS": 0.01, "FIRE_RETRY_SECONDS": 0.01, "CHECKPOINT_UNSIGNED_UNTIL": 0,
    "EVIDENCE_UPLOAD_MAX_BYTES": 1, "EVIDENCE_UPLOAD_EXPIRY_HOURS": 1, "EVIDENCE_CHUNK_BYTES": 1,
    "EVIDENCE_UPLOAD_MAX_OPEN": 0, "EVIDENCE_UPLOAD_MAX_OPEN_BYTES": 0, "DATABASE_CONNECT_TIMEOUT_SECONDS": 1,
    "LOCK_TIMEOUT_SECONDS": 0.01, "EVIDENCE_S3_TIMEOUT_SECONDS": 0.1,
}


#: and at most this (hours, seconds: beyond them a date overflows or a wait never ends)
MAXIMUMS: dict[str, float] = {
    "EVIDENCE_UPLOAD_EXPIRY_HOURS": 24 * 366, "SCRIPT_TIME_LIMIT_SECONDS": 3600, "WAKE_CAP_SECONDS": 86400,
    "FIRE_RETRY_SECONDS": 86400, "CHECKPOINT_SECONDS": 366 * 86400, "ANNUAL_REPORT_SECONDS": 366 * 86400,
    "LOGIN_LOCKOUT_SECONDS": 366 * 86400, "LOGIN_ADDR_WINDOW_SECONDS": 366 * 86400,
    "DATABASE_CONNECT_TIMEOUT_SECONDS": 600, "LOCK_TIMEOUT_SECONDS": 3600, "EVIDENCE_S3_TIMEOUT_SECONDS": 3600,
}


def _env_number(key: str, default: str, kind: type = int) -> Any:
    """The setting ``key`` from ``SANXIANG_<key>``, as ``kind``.

    Raises:
        ConfigurationError: not a number of that kind (e.g. "72h" for hours).
    """
    text = os.environ.get(f"SANXIANG_{key}", default).strip()
    try:
        return kind(text)
    except ValueError:
        raise ConfigurationError(f"SANXIANG_{key} must be {'an integer' if kind is int else 'a number'}, not "
                                 f"{text!r}") from None


def check_numbers(config: dict[str, Any]) -> None:
    """Refuse a numeric setting that is not a number or is below its minimum (:data:`MINIMUMS`): an upload
    expiring after 0 hours is deleted as soon as it is made, a connect timeout of 0 waits forever.

    Raises:
        ConfigurationError: naming the setting.
    """
    for key, least in MINIMUMS.items():
        if key not in config:
            continue
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ConfigurationError(f"SANXIANG_{key} must be a finite number, not {value!r}")
        if value < least:
            raise ConfigurationError(f"SANXIANG_{key} must be at least {least:g}, not {value!r}")
        if key in MAXIMUMS and value > MAXIMUMS[key]:
            raise ConfigurationError(f"SANXIANG_{key} must be at most {MAXIMUMS[key]:g}, not {value!r}")


def engine_options(config: dict[str, Any]) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS with, on PostgreSQL, libpq's connect_timeout (DATABASE_CONNECT_TIMEOUT_SECONDS)
    and the session's lock_timeout (LOCK_TIMEOUT_SECONDS), unless the URL or the options set them, and the pool's
    check of a connection before it is handed out (``pool_pre_ping``: after a database restart the first request on
    each pooled connection failed)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if url.startswith("postgresql"):
        options.setdefault("pool_pre_ping", True)
        connect_args = dict(options.get("connect_args") or {})
        if "connect_timeout=" not in url:
            connect_args.setdefault("connect_timeout", int(config["DATABASE_CONNECT_TIMEOUT_SECONDS"]))
        if "lock_timeout" not in url and "lock_timeout" not in str(connect_args.get("options", "")):
            milliseconds = max(1, round(float(config["LOCK_TIMEOUT_SECONDS"]) * 1000))
            connect_args["options"] = f"{connect_args.get('options', '')} -c lock_timeout={milliseconds}".strip()
        options["connect_args"] = connect_args
    return options


class Config:
    #: no default: see check_secret_key
    SECRET_KEY = os.environ.get("SANXIANG_SECRET_KEY")
    #: the embedded demo (``make run``): demo users allowed, key generated in instance/, cookies without Secure
    DEMO = _flag("SANXIANG_DEMO")
    #: session cookie: HttpOnly, SameSite=Lax; Secure unless demo or testing (None: decided in create_app)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE: bool | None = None
    #: CSRF tokens (Flask-WTF) are checked by api.security's request guard, not by CSRFProtect's default hook;
    #: a token lives as long as the session (which ends at logout or TOKEN_TTL_HOURS)
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT = None
    #: origins besides the server's own host allowed to send state-changing requests (e.g. "https://sx.example.gov.cn")
    TRUSTED_ORIGINS: list[str] = [o for o in os.environ.get("SANXIANG_TRUSTED_ORIGINS", "").split(",") if o]
    #: login: a username is locked after this many failures in a row (until an admin lifts it, or the lock ends)
    LOGIN_MAX_FAILURES = _env_number("LOGIN_MAX_FAILURES", "5")
    #: seconds a lock lasts after the last failure (0: only an admin lifts it)
    LOGIN_LOCKOUT_SECONDS = _env_number("LOGIN_LOCKOUT_SECONDS", "900")
    #: per client address: at most this many failed logins within LOGIN_ADDR_WINDOW_SECONDS
    LOGIN_ADDR_MAX_FAILURES = _env_number("LOGIN_ADDR_MAX_FAILURES", "20")
    LOGIN_ADDR_WINDOW_SECONDS = _env_number("LOGIN_ADDR_WINDOW_SECONDS", "300")
    #: the shortest password an admin may set
    PASSWORD_MIN_LENGTH = 12
    SQLALCHEMY_DATABASE_URI = os.environ.get("SANXIANG_DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'sanxiang.db'}")
    #: hide_parameters: a database error's text never carries the statement's values (ID numbers, names) into
    #: a log or an error response
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"hide_parameters": True}
    #: PostgreSQL: the longest a new connection may take to be set up (seconds; libpq's connect_timeout, given
    #: unless the URL sets one). Without it a database host that accepts the connection and never answers holds
    #: the request (a health probe, a step) until gunicorn kills the worker
    DATABASE_CONNECT_TIMEOUT_SECONDS = _env_number("DATABASE_CONNECT_TIMEOUT_SECONDS", "5")
    #: PostgreSQL: the longest a statement waits for a row lock (seconds; lock_timeout), e.g. a case another
    #: transaction holds; then the request answers 409 "retry" instead of holding a worker until gunicorn kills it
    LOCK_TIMEOUT_SECONDS = _env_number("LOCK_TIMEOUT_SECONDS", "10", float)
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
    #: a checked token is trusted this many seconds in the process that checked it (no table read); a revocation
    #: there ends it at once, one made by another process within this time (0: check every request)
    TOKEN_CACHE_SECONDS = 2.0
    #: the garbage collector's thresholds (gc.set_threshold), "a,b,c"; empty: Python's own (700, 10, 10). A
    #: process keeps ~250,000 long-lived objects (parsed diagrams, the ORM, the sandbox's helpers); with Python's
    #: young threshold a workflow's short-lived objects reach the old generation and a full collection (~100 ms
    #: here, stopping the request that triggers it) runs every few replays. A larger young generation lets them
    #: die young.
    GC_THRESHOLD = os.environ.get("SANXIANG_GC_THRESHOLD", "20000,20,10")
    JSON_AS_ASCII = False
    #: every request body (evidence uploads set their own larger limit, EVIDENCE_MAX_BYTES); JSON bodies are
    #: limited further, in size and nesting (api/inputs.py)
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    JSON_MAX_BYTES = 1024 * 1024
    JSON_MAX_DEPTH = 32
    #: anonymous correction requests (POST /api/v1/public/corrections) per client address per hour
    CORRECTIONS_PER_HOUR = 5
    #: bureau-maintained calendar overrides: ISO date -> True (working) / False (holiday)
    CALENDAR_OVERRIDES: dict[str, bool] = {}
    CALENDAR_UNKNOWN_YEAR = "weekends"
    #: diagram code that is not cheap (engine.scripting.is_cheap) runs in sandbox processes with these limits
    SCRIPT_TIME_LIMIT_SECONDS = _env_number("SCRIPT_TIME_LIMIT_SECONDS", "1.0", float)
    SCRIPT_MEMORY_LIMIT_MB = _env_number("SCRIPT_MEMORY_LIMIT_MB", "512")
    #: workflows a server process keeps in memory after a step (least recently used out first; 0: none), so the
    #: next step of a hot case does not deserialize it (api/services/hot.py)
    HOT_WORKFLOWS = _env_number("HOT_WORKFLOWS", "256")
    #: background jobs (api/worker): the least seconds between two checkpoints; how often the annual report is
    #: looked for; the longest the timer scheduler sleeps without reading the earliest next_due again (a commit
    #: that sets a sooner one wakes it at once); how long a sent fire_due may run before the scheduler sends
    #: another (a worker killed mid-firing is covered by the next one)
    CHECKPOINT_SECONDS = _env_number("CHECKPOINT_SECONDS", "300")
    ANNUAL_REPORT_SECONDS = _env_number("ANNUAL_REPORT_SECONDS", "3600")
    WAKE_CAP_SECONDS = _env_number("WAKE_CAP_SECONDS", "60", float)
    FIRE_RETRY_SECONDS = _env_number("FIRE_RETRY_SECONDS", "10", float)
    #: production: Redis for the Celery broker and the scheduler's wake-up channel (e.g. redis://127.0.0.1:6379/0);
    #: unset, the jobs run in-process (the embedded default) and no broker is needed
    REDIS_URL = os.environ.get("SANXIANG_REDIS_URL") or None
    #: the Celery queue the scheduler sends to and the workers read (one per deployment sharing a Redis)
    CELERY_QUEUE = os.environ.get("SANXIANG_CELERY_QUEUE", "sanxiang")
    #: checkpoint signing (api/services/signing.py): the Ed25519 private key (PEM path) the checkpoint writer
    #: signs with, the public key (PEM path) verify checks with (derived from the private key when unset), the
    #: file each checkpoint is appended to, and the last checkpoint id made before signing was set up (older
    #: unsigned checkpoints are not reported). The demo keeps its key and file in instance/.
    CHECKPOINT_KEY = os.environ.get("SANXIANG_CHECKPOINT_KEY") or (
        str(ROOT / "instance" / "checkpoint-key.pem") if DEMO else None)
    CHECKPOINT_PUBLIC_KEY = os.environ.get("SANXIANG_CHECKPOINT_PUBLIC_KEY")
    CHECKPOINT_FILE = os.environ.get("SANXIANG_CHECKPOINT_FILE") or (
        str(ROOT / "instance" / "checkpoints.jsonl") if DEMO else None)
    CHECKPOINT_UNSIGNED_UNTIL = _env_number("CHECKPOINT_UNSIGNED_UNTIL", "0")
    #: evidence files (A/V, photos, documents), stored by sha256 under this directory
    EVIDENCE_DIR = os.environ.get("SANXIANG_EVIDENCE_DIR", str(ROOT / "instance" / "evidence"))
    #: where evidence bytes are kept: "file" (under EVIDENCE_DIR) or "s3" (a bucket on S3-compatible object
    #: storage; uploads are still staged under EVIDENCE_DIR first). See api/services/evidence_store.py
    EVIDENCE_STORE = os.environ.get("SANXIANG_EVIDENCE_STORE", "file")
    EVIDENCE_S3_ENDPOINT = os.environ.get("SANXIANG_EVIDENCE_S3_ENDPOINT")  # e.g. http://127.0.0.1:9000
    EVIDENCE_S3_BUCKET = os.environ.get("SANXIANG_EVIDENCE_S3_BUCKET")
    EVIDENCE_S3_PREFIX = os.environ.get("SANXIANG_EVIDENCE_S3_PREFIX", "")
    EVIDENCE_S3_REGION = os.environ.get("SANXIANG_EVIDENCE_S3_REGION", "us-east-1")
    EVIDENCE_S3_ACCESS_KEY = os.environ.get("SANXIANG_EVIDENCE_S3_ACCESS_KEY")
    EVIDENCE_S3_SECRET_KEY = os.environ.get("SANXIANG_EVIDENCE_S3_SECRET_KEY")
    #: the longest the S3 client waits to connect, and for each read (seconds): a store that stops answering
    #: then answers 503 instead of holding the request
    EVIDENCE_S3_TIMEOUT_SECONDS = _env_number("EVIDENCE_S3_TIMEOUT_SECONDS", "10", float)
    #: the largest evidence file accepted in one multipart request (bytes)
    EVIDENCE_MAX_BYTES = 512 * 1024 * 1024
    #: the largest evidence file accepted by a resumable (tus) upload, sent in as many PATCH requests as the
    #: client likes (bytes; default 64 GiB), and the hours an unfinished upload is kept after its last chunk
    EVIDENCE_UPLOAD_MAX_BYTES = _env_number("EVIDENCE_UPLOAD_MAX_BYTES", str(64 << 30))
    EVIDENCE_UPLOAD_EXPIRY_HOURS = _env_number("EVIDENCE_UPLOAD_EXPIRY_HOURS", "72")
    #: the task page sends a file larger than this as a resumable tus upload in chunks of this size (bytes;
    #: default 8 MiB); a smaller file goes in one request
    EVIDENCE_CHUNK_BYTES = _env_number("EVIDENCE_CHUNK_BYTES", str(8 << 20))
    #: a user's open (unfinished, unexpired) resumable uploads: at most this many (429 beyond) and at most this
    #: many declared bytes together (413 beyond; default 128 GiB); 0 lifts a cap
    EVIDENCE_UPLOAD_MAX_OPEN = _env_number("EVIDENCE_UPLOAD_MAX_OPEN", "5")
    EVIDENCE_UPLOAD_MAX_OPEN_BYTES = _env_number("EVIDENCE_UPLOAD_MAX_OPEN_BYTES", str(128 << 30))
    #: media types accepted as evidence (each is checked against the file's magic bytes)
    EVIDENCE_MEDIA_TYPES = [
        "image/jpeg", "image/png", "video/mp4", "video/quicktime", "audio/mpeg", "audio/mp4", "audio/wav",
        "application/pdf", "text/plain",
    ]


def demo_secret_key(instance_dir: Path) -> str:
    """The demo's key from ``instance_dir/secret_key``, generated (random, mode 0600) the first time."""
    path = instance_dir / "secret_key"
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first
            pass
        else:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def gc_threshold(value: str | tuple[int, ...] | None) -> tuple[int, int, int] | None:
    """GC_THRESHOLD as three positive integers, or None (empty: keep Python's).

    Raises:
        ConfigurationError: anything else.
    """
    if value is None or value == "" or value == ():
        return None
    parts = value.split(",") if isinstance(value, str) else list(value)
    try:
        numbers = tuple(int(str(p).strip()) for p in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != 3 or min(numbers) < 1:
        raise ConfigurationError(f"SANXIANG_GC_THRESHOLD must be three positive integers like 20000,20,10 "
                                 f"(or empty for Python's own), not {value!r}")
    return numbers  # type: ignore[return-value]


def check_secret_key(config: dict[str, Any], instance_dir: Path) -> None:
    """Set or refuse ``SECRET_KEY`` in ``config`` (a Flask config) before the app serves anything.

    In demo mode without a key, the key of :func:`demo_secret_key` is used. A well-known key is refused
    everywhere (tests too); outside tests a key must be at least MIN_SECRET_KEY_LENGTH characters.

    Raises:
        ConfigurationError: no key, a well-known key, or a short one.
    """
    key = config.get("SECRET_KEY")
    if not key and config.get("DEMO"):
        key = config["SECRET_KEY"] = demo_secret_key(instance_dir)
    text = key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key or "")
    if not text:
        raise ConfigurationError(
            "SANXIANG_SECRET_KEY is not set: the server signs session cookies with it and has no default. "
            "Set it to a long random value, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` (or run the demo with SANXIANG_DEMO=1).")
    if text.strip().lower() in WELL_KNOWN_SECRET_KEYS:
        raise ConfigurationError(f"SECRET_KEY '{text}' is a well-known value that anyone could sign a session "
                                 "cookie with; set SANXIANG_SECRET_KEY to a long random value.")
    if not config.get("TESTING") and len(text) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(f"SANXIANG_SECRET_KEY is too short ({len(text)} characters); use at least "
                                 f"{MIN_SECRET_KEY_LENGTH} random characters.")
