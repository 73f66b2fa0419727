"""A database restored from a backup older than the export file's last checkpoint: the file holds checkpoints the
database never had, so verify fails and `audit checkpoint` cannot export (it answered with a traceback, and the
scheduler's exports failed from then on: found by an attack from outside). `flask --app api audit restore-point`
records the loss — signed, in the export file and in the database's `audit` stream — after which verify passes
with the loss reported as a note on every run, and checkpoints are exported again, chained to the last shared one.
A restore point that was altered, forged without the key, or recorded with nothing lost is refused."""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from api.extensions import db
from api.services.signing import generate_key
from tests.api.backup_support import backed_up_system, own_api, run_cli
from tests.api.walk import run_minor_case


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def restored(request, tmp_path_factory) -> Iterator[dict]:
    kind = request.param
    folder = tmp_path_factory.mktemp(f"restore-point-{kind}")
    private, _, _ = generate_key(folder / "keys" / "platform.pem")
    export = folder / "checkpoints.jsonl"
    config = {"CHECKPOINT_KEY": str(private), "CHECKPOINT_FILE": str(export)}
    with backed_up_system(kind, folder, "bk_point", source_config=config, target_config=config) as system:
        assert system["result"].exit_code == 0, system["result"].output
        source, target = system["source"], system["target"]
        later = []
        # a read of the backed-up case after the backup: its access stream goes on past what the backup holds
        read = own_api(source).call("GET", f"/api/v1/instances/{system['iid']}", "auditor1")
        assert read.status_code == 200
        for _ in range(2):  # after the backup: two more checkpoints exported, each after another case
            made = run_cli(source, "audit", "checkpoint")
            assert made.exit_code == 0, made.output
            later.append(run_minor_case(own_api(source)))
        assert run_cli(source, "audit", "checkpoint").exit_code == 0
        result = run_cli(target, "restore", str(system["backup"]))
        assert result.exit_code == 0, result.output
        yield {**system, "export": export, "later": later}


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_the_loss_is_a_failure_until_recorded_then_a_note_on_every_verify(restored):
    target, export = restored["target"], restored["export"]
    exported = [line["id"] for line in _lines(export)]
    assert exported == [1, 2, 3, 4]

    verify = run_cli(target, "audit", "verify", "--all")
    assert verify.exit_code == 1 and "checkpoint 2 of the export file is missing from the database" in verify.output

    refused = run_cli(target, "audit", "checkpoint")  # recorded, not exported: a message, not a traceback
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit), refused.exception
    assert "audit restore-point" in refused.output, refused.output

    point = run_cli(target, "audit", "restore-point", "--by", "ops1", "--reason", "disk lost; backup of 11-30")
    assert point.exit_code == 0, point.output
    line = _lines(export)[-1]
    assert (line["kind"], line["id"], line["abandoned"], line["by"]) == ("restore_point", 1, [2, 3, 4], "ops1")
    assert line["signature"]
    # every stream whose recorded events the database lacks is named: a deletion cannot pass for a restore unnamed
    lost = {stream: (seq, held) for stream, seq, held, _ in line["lost"]}
    for iid in restored["later"]:  # the cases started after the backup are gone from the restored database
        assert lost[f"instance:{iid}"][1] == 0, lost
    assert f"instance:{restored['iid']}" not in lost  # the backed-up case lost nothing of its own history
    assert lost[f"access:{restored['iid']}"][1] > 0  # but the record of its reads lost the read after the backup

    verify = run_cli(target, "audit", "verify", "--all")
    assert verify.exit_code == 0, verify.output
    assert "note: restore point" in verify.output and "disk lost" in verify.output
    assert f"instance:{restored['later'][0]}: recorded up to event" in verify.output, verify.output
    assert f"instance {restored['iid']}: OK" in verify.output

    again = run_cli(target, "audit", "checkpoint")
    assert again.exit_code == 0, again.output
    after = _lines(export)
    resumed = after[5:]  # the database's own since the restore: the refused one's (recorded) and this one
    assert [line["id"] for line in resumed] == [2, 3] and not any(line.get("kind") for line in resumed)
    assert resumed[0]["prev_hash"] == after[0]["hash"]  # chained to checkpoint 1, the last one shared
    verify = run_cli(target, "audit", "verify", "--all")
    assert verify.exit_code == 0 and "note: restore point" in verify.output, verify.output

    from api.models import Event

    with target.app_context():
        events = list(db.session.scalars(select(Event).where(Event.stream == "audit")))
        db.session.remove()
    assert [(e.type, e.actor, e.data["abandoned_checkpoints"]) for e in events] == \
        [("restore_point_recorded", "ops1", [2, 3, 4])]

    nothing = run_cli(target, "audit", "restore-point", "--by", "ops1", "--reason", "again")
    assert nothing.exit_code == 1 and "no loss to record" in nothing.output, nothing.output


def _rewrite_point(export: Path, change) -> str:
    original = export.read_text()
    lines = _lines(export)
    index = next(i for i, line in enumerate(lines) if line.get("kind") == "restore_point")
    change(lines[index])
    export.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return original


def test_an_abandoned_line_is_still_checked(restored):
    """Found by an attack: after a restore point, the abandoned lines — the record of what was lost — could be
    rewritten freely."""
    export = restored["export"]
    original = export.read_text()
    lines = _lines(export)
    lines[2]["heads"] = {}  # checkpoint 3, abandoned
    export.write_text("".join(json.dumps(line) + "\n" for line in lines))
    try:
        verify = run_cli(restored["target"], "audit", "verify", "--all")
        assert verify.exit_code == 1, verify.output
        assert "checkpoint 3 of the export file (abandoned at a restore point) was altered" in verify.output
    finally:
        export.write_text(original)


def test_a_restore_point_appended_without_the_key_moves_nothing(restored):
    """Found by an attack: an unsigned restore point appended to the file made the exporter re-export checkpoints,
    breaking verify for good; it is now refused, and `restore-point` ignores it."""
    from engine.history import GENESIS

    export = restored["export"]
    original = export.read_text()
    lines = _lines(export)
    forged = {"id": 0, "kind": "restore_point", "at": "2026-12-01T00:00:00.000000Z", "by": "x", "reason": "x",
              "resumes_hash": GENESIS, "abandoned": [], "lost": [], "prev_hash": lines[-1]["hash"]}
    from api.services.restore_points import restore_point_hash

    forged["hash"] = restore_point_hash(forged)
    export.write_text(original + json.dumps(forged) + "\n")
    try:
        exported = run_cli(restored["target"], "audit", "export-checkpoints")
        assert exported.exit_code == 1 and "not signed" in exported.output, exported.output
        assert len(_lines(export)) == len(lines) + 1  # nothing appended after it
    finally:
        export.write_text(original)


@pytest.mark.parametrize("how", ["altered", "unsigned", "fewer_abandoned"])
def test_an_altered_or_forged_restore_point_acknowledges_nothing(restored, how):
    from api.services.restore_points import restore_point_hash

    target, export = restored["target"], restored["export"]
    if not any(line.get("kind") == "restore_point" for line in _lines(export)):
        pytest.fail("runs after the restore point of the test above (module order)")

    def change(line: dict) -> None:
        if how == "altered":
            line["reason"] = "nothing happened"
        elif how == "unsigned":  # re-hashed, but nobody without the key can sign it
            line["reason"] = "forged"
            line["hash"] = restore_point_hash(line)
            line["signature"] = None
        else:  # hides checkpoint 4's loss
            line["abandoned"] = [2, 3]
            line["hash"] = restore_point_hash(line)
            line["signature"] = None

    original = _rewrite_point(export, change)
    try:
        verify = run_cli(target, "audit", "verify", "--all")
        assert verify.exit_code == 1, verify.output
        assert "the restore point on line 5 of the export file" in verify.output, verify.output
        # the loss is a failure again: the old checkpoint 2 is not the restored database's checkpoint 2
        assert "checkpoint 2 in the database differs from the export file" in verify.output, verify.output
        assert "note: restore point" not in verify.output
    finally:
        export.write_text(original)
    assert run_cli(target, "audit", "verify", "--all").exit_code == 0


def test_a_file_rewritten_without_its_restore_point_fails_verify(restored):
    """Found by a fourth attack: dropping the abandoned lines and the restore point, the resumed checkpoints still
    link to the shared one, and verify passed with the loss mentioned nowhere. The database records the restore
    point too, and the file must hold it."""
    export = restored["export"]
    original = export.read_text()
    lines = _lines(export)
    kept = [lines[0]] + [line for line in lines[5:]]  # checkpoint 1, then the ones exported since the restore
    export.write_text("".join(json.dumps(line) + "\n" for line in kept))
    try:
        verify = run_cli(restored["target"], "audit", "verify", "--all")
        assert verify.exit_code == 1, verify.output
        assert "the database records a restore point" in verify.output, verify.output
    finally:
        export.write_text(original)
    assert run_cli(restored["target"], "audit", "verify", "--all").exit_code == 0


def _delete_events(app, stream: str, from_seq: int) -> None:
    """What a DBA can do behind the service's back: delete events, the append-only triggers set aside."""
    with app.app_context(), db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.exec_driver_sql("DELETE FROM events WHERE stream = %(s)s AND seq >= %(q)s", {"s": stream, "q": from_seq})
        else:
            triggers = conn.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'").all()
            for name, _ in triggers:
                conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
            conn.exec_driver_sql("DELETE FROM events WHERE stream = ? AND seq >= ?", (stream, from_seq))
            for _, sql in triggers:
                conn.exec_driver_sql(sql)


def test_a_deletion_after_the_restore_point_of_what_it_did_not_name_fails_verify(restored):
    """Found by a fourth attack: the abandoned checkpoints' heads of the streams that lost nothing, and the heads
    the lost streams still held, were no longer compared with the database. (Last in this module: it deletes.)"""
    from api.services.restore_points import anchored_heads

    lines = _lines(restored["export"])
    point = next(line for line in lines if line.get("kind") == "restore_point")
    heads, _ = anchored_heads(point, lines[1:4])
    assert heads, "the restore point anchors nothing"
    stream, (seq, _) = sorted(heads.items())[0]
    _delete_events(restored["target"], stream, seq)
    verify = run_cli(restored["target"], "audit", "verify", "--all")
    assert verify.exit_code == 1, verify.output
    assert f"recorded event {seq} of {stream}; it is gone" in verify.output, verify.output


def test_a_second_restore_from_an_even_older_backup_verifies_and_keeps_the_first_named(tmp_path):
    """Found by a fifth attack: after a second genuine restore, from a backup older than the first, the first
    restore point's anchor still held the streams to what the first backup had, and its chain check looked for
    a checkpoint the second one abandoned: verify failed for good. And a file writer could then take the first
    restore point and the checkpoints it abandoned out of the file unnoticed (the older database never recorded
    it): a restore point now records its line in the file."""
    from tests.api.backup_support import database
    from tests.api.migration_support import app_on, close

    private, _, _ = generate_key(tmp_path / "keys" / "platform.pem")
    export = tmp_path / "checkpoints.jsonl"
    config = {"CHECKPOINT_KEY": str(private), "CHECKPOINT_FILE": str(export)}
    with backed_up_system("sqlite", tmp_path, "bk_twice", source_config=config, target_config=config) as system:
        source, first = system["source"], system["target"]
        assert run_cli(source, "audit", "checkpoint").exit_code == 0  # checkpoint 2, after the backup B0
        second_case = run_minor_case(own_api(source))
        assert run_cli(source, "backup", str(tmp_path / "b1")).exit_code == 0  # B1
        assert run_cli(source, "audit", "checkpoint").exit_code == 0
        third_case = run_minor_case(own_api(source))
        assert run_cli(source, "audit", "checkpoint").exit_code == 0

        assert run_cli(first, "restore", str(tmp_path / "b1")).exit_code == 0
        assert run_cli(first, "audit", "restore-point", "--by", "ops1", "--reason", "disk lost").exit_code == 0
        assert run_cli(first, "audit", "checkpoint").exit_code == 0
        assert run_cli(first, "audit", "verify", "--all").exit_code == 0

        with database("sqlite", tmp_path, "bk_twice_again") as url:  # B1 was bad: B0, onto a new machine
            again = app_on(url, EVIDENCE_DIR=str(tmp_path / "again-evidence"), **config)
            try:
                assert run_cli(again, "restore", str(system["backup"])).exit_code == 0
                point = run_cli(again, "audit", "restore-point", "--by", "ops2", "--reason", "B1 was bad")
                assert point.exit_code == 0, point.output
                verify = run_cli(again, "audit", "verify", "--all")
                assert verify.exit_code == 0, verify.output
                assert "disk lost" in verify.output and "B1 was bad" in verify.output  # both restore points
                assert f"instance:{second_case}" in verify.output and f"instance:{third_case}" in verify.output

                original = export.read_text()
                lines = _lines(export)
                first_point = next(i for i, line in enumerate(lines) if line.get("kind") == "restore_point")
                cut = [line for i, line in enumerate(lines) if not (first_point - 2 <= i <= first_point)]
                export.write_text("".join(json.dumps(line) + "\n" for line in cut))
                try:
                    verify = run_cli(again, "audit", "verify", "--all")
                    assert verify.exit_code == 1, verify.output
                    assert "lines before it were removed or added" in verify.output, verify.output
                finally:
                    export.write_text(original)
            finally:
                close(again)
