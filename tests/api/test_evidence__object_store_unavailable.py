"""An S3 evidence store that is down, silent or misconfigured answers 503 naming the store — never "missing" (a
false loss alarm in the legal record), never a 500, never a wait of minutes — and records nothing; verify reports
the store as unavailable and still gives its other findings. Found from outside: a store that accepted the
connection and never answered held a download for 4 minutes (botocore's 60 s reads, 4 attempts), a refused
connection answered 500, and a wrong bucket made every item "missing" (the download's read logged as such)."""
from __future__ import annotations

import contextlib
import socket
import threading

import pytest

from tests.api.evidence_support import PNG, media, new_case, photo_meta, upload


def _closed_port() -> int:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return port


def _verify(http, iid: int) -> dict:
    resp = http.call("GET", f"/api/v1/instances/{iid}/verify", "auditor1")
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def _items(http, iid: int) -> list:
    return http.call("GET", f"/api/v1/instances/{iid}/evidence", "auditor1").get_json()


@pytest.fixture
def stored(app, http, bucket) -> tuple[int, dict]:  # noqa: ARG001 - the bucket as the app's store
    iid = new_case(http)
    resp = upload(http, iid, media(PNG), "p.png", photo_meta())
    assert resp.status_code == 201, resp.get_json()
    return iid, resp.get_json()


@pytest.mark.parametrize("how", ["refused", "no_bucket"])
def test_a_store_that_cannot_be_used_answers_503_and_records_nothing(app, http, monkeypatch, stored, how):
    iid, item = stored
    if how == "refused":
        monkeypatch.setitem(app.config, "EVIDENCE_S3_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    else:
        monkeypatch.setitem(app.config, "EVIDENCE_S3_BUCKET", "no-such-bucket-for-sanxiang")
    download = http.call("GET", item["url"], "officer1")
    assert download.status_code == 503, download.get_data(as_text=True)[:300]
    assert "evidence store" in download.get_json()["message"]
    again = upload(http, iid, media(PNG, 900), "q.png", photo_meta())
    assert again.status_code == 503, again.get_json()
    # when to try again, as a database outage says (found from outside: the store's 503 said nothing)
    assert download.headers.get("Retry-After") == again.headers.get("Retry-After") == "5"
    assert [i["id"] for i in _items(http, iid)] == [item["id"]]  # nothing recorded
    result = _verify(http, iid)
    evidence = [p for p in result["problems"] if p["kind"] == "evidence"]
    assert [p["problem"] for p in evidence] == ["unavailable"], result["problems"]
    assert result["chain_ok"] and result["replay_ok"]  # the rest of verify still answered
    history = http.call("GET", f"/api/v1/instances/{iid}/history", "auditor1").get_json()
    assert not any((e["data"] or {}).get("problem") == "missing" for e in history), "a read logged as missing"


def test_a_store_that_never_answers_gives_503_after_its_timeout(app, http, monkeypatch, stored):
    _, item = stored
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # connections accepted, never answered
    held: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(silent.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    monkeypatch.setitem(app.config, "EVIDENCE_S3_ENDPOINT", f"http://127.0.0.1:{silent.getsockname()[1]}")
    monkeypatch.setitem(app.config, "EVIDENCE_S3_TIMEOUT_SECONDS", 1)
    answers: list = []
    try:
        worker = threading.Thread(target=lambda: answers.append(http.call("GET", item["url"], "officer1")),
                                  daemon=True)
        worker.start()
        worker.join(60)  # not a speed check: botocore's defaults held it for minutes
        assert answers, "the download was still waiting for the store after 60 s"
        assert answers[0].status_code == 503
        # one attempt, so the timeout bounds the wait (found from outside: botocore's legacy retries made it 3)
        assert len(held) == 1, f"{len(held)} connections to the silent store"
    finally:
        silent.close()
        for conn in held:
            conn.close()


def test_the_commands_say_the_store_is_unavailable_in_one_line(app, monkeypatch, stored, tmp_path):
    """Found from outside: `audit verify` and `backup` printed botocore's traceback (verify --all stopped at the
    first case with evidence), and the backup left a folder with a dump and no manifest."""
    from tests.api.backup_support import run_cli

    iid, _ = stored
    monkeypatch.setitem(app.config, "EVIDENCE_S3_ENDPOINT", f"http://127.0.0.1:{_closed_port()}")
    verified = run_cli(app, "audit", "verify", str(iid))
    assert verified.exit_code == 1 and "Traceback" not in verified.output, verified.output
    assert "unavailable" in verified.output, verified.output
    folder = tmp_path / "backup"
    backed = run_cli(app, "backup", str(folder))
    assert backed.exit_code == 1 and isinstance(backed.exception, SystemExit), backed.exception
    assert "evidence store" in backed.output and "Traceback" not in backed.output, backed.output
    assert not folder.exists()
