"""Definitions as files: every deployed version exported to a folder (manifest.json, processes/<key>/v<N>.bpmn,
decisions/…, forms/…) and imported on another server — checked whole first, tamper-evident, idempotent, never
overwriting a version (README.md "Process models in git", docs/API.md "Definition folders")."""
from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from api.cli import deploy_dirs, init_db, seed_demo
from api.extensions import db
from api.models import DefinitionVersion, Event, User
from api.security import hash_password
from api.services import definition_files as folders
from api.services import definitions as deploys
from api.services import orgs
from tests.api.migration_support import app_on, close, fresh_database
from tests.conftest import Api

from .helpers import fixture, upload

PROCESSES = Path(__file__).resolve().parents[2] / "processes"


def _revised_enforcement_case() -> bytes:
    """The shipped enforcement case with a revised name: a second version of it."""
    xml = (PROCESSES / "enforcement_case.bpmn").read_bytes()
    revised = xml.replace('name="行政执法案件"'.encode(), 'name="行政执法案件（2026年修订）"'.encode(), 1)
    assert revised != xml
    return revised


def _probe(key: str) -> dict[str, bytes]:
    xml = fixture("case_data_probe.bpmn").decode().replace('id="case_data_probe"', f'id="{key}"')
    return {f"{key}.bpmn": xml.replace("defs_case_data_probe", f"defs_{key}").encode(),
            "fixture_note.form": fixture("fixture_note.form")}


@pytest.fixture
def servers(tmp_path) -> Iterator[tuple]:
    """Two fresh databases: ``source`` with the shipped processes, a revised enforcement case and a key of
    bureau nj-scj; ``target`` with its organisations and demo users but no definition."""
    with fresh_database(tmp_path, "files_src") as src_url, fresh_database(tmp_path, "files_dst") as dst_url:
        source, target = app_on(src_url), app_on(dst_url)
        try:
            with source.app_context():
                init_db()
                deploy_dirs()
                deploys.deploy({"enforcement_case.bpmn": _revised_enforcement_case()}, "owner1")
                deploys.deploy(_probe("scj_files_probe"), "owner_scj", org_id=orgs.by_code("nj-scj").id)
                db.session.commit()
            with target.app_context():
                init_db()
                seed_demo()
            yield source, target
        finally:
            close(source)
            close(target)


def _export(app, folder: Path) -> dict[str, bytes]:
    result = app.test_cli_runner().invoke(args=["definitions", "export", str(folder)])
    assert result.exit_code == 0, result.output
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _import(app, folder: Path, *extra: str):
    return app.test_cli_runner().invoke(args=["definitions", "import", str(folder), *extra])


def _counts(app) -> tuple[int, int]:
    """(definition versions, events of the definitions stream)."""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(DefinitionVersion)),
                db.session.scalar(select(func.count()).select_from(Event).where(Event.stream == "definitions")))


def _manifest(files: dict[str, bytes]) -> dict:
    return json.loads(files["manifest.json"])


def _stable(manifest: dict) -> dict:
    """The manifest without the fields that tell where and when a server deployed a version."""
    return {**manifest, "versions": [{k: v for k, v in e.items() if k not in folders.VOLATILE_FIELDS}
                                     for e in manifest["versions"]]}


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for rel, content in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(content)


def _set_manifest(folder: Path, manifest: dict) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


def test_round_trip_gives_the_same_folder_and_cases_start_on_imported_versions(servers, tmp_path):
    source, target = servers
    first = _export(source, tmp_path / "a")
    manifest = _manifest(first)
    listed = {(e["kind"], e["key"], e["version"]) for e in manifest["versions"]}
    assert ("bpmn", "enforcement_case", 2) in listed and ("dmn", "major_decision", 1) in listed
    assert ("form", "case_register", 1) in listed and ("bpmn", "scj_files_probe", 1) in listed
    assert set(first) == {"manifest.json"} | {e["path"] for e in manifest["versions"]}
    assert first["processes/enforcement_case/v2.bpmn"] == _revised_enforcement_case()
    assert {e["org"] for e in manifest["versions"] if e["key"] == "scj_files_probe"} == {"nj-scj"}

    result = _import(target, tmp_path / "a")
    assert result.exit_code == 0, result.output
    assert f"deployed {len(listed)} new version(s) in 3 deployment(s); 0 already present" in result.output

    second = _export(target, tmp_path / "b")
    assert set(second) == set(first)
    assert {p: c for p, c in second.items() if p != "manifest.json"} == \
        {p: c for p, c in first.items() if p != "manifest.json"}
    assert _stable(_manifest(second)) == _stable(manifest)  # byte for byte but deployed_at and deployed_by
    assert {e["deployed_by"] for e in _manifest(second)["versions"]} == {"cli"}

    with target.app_context():  # each replayed deployment is a deploy event by the importer, naming its source
        events = list(db.session.scalars(select(Event).where(Event.stream == "definitions").order_by(Event.seq)))
        assert [e.actor for e in events] == ["cli"] * 3
        assert [e.data["import"]["deployment"] for e in events] == [1, 2, 3]
        assert {s["deployed_by"] for s in events[1].data["import"]["source"]} == {"owner1"}
        from api.services.audit import verify_streams
        assert all(r["ok"] for r in verify_streams(None) if r["stream"] == "definitions")

    http = Api(target.test_client())
    http._tokens = {}  # the target's own logins (Api shares its tokens between instances: the session app's)
    case = http.start("enforcement_case", as_user="officer1")
    assert case["version"] == 2
    assert http.call("GET", f"/api/v1/instances/{case['id']}", "officer1").status_code == 200


def test_importing_the_same_folder_twice_deploys_nothing_new(servers, tmp_path):
    source, target = servers
    _export(source, tmp_path / "a")
    assert _import(target, tmp_path / "a").exit_code == 0
    before = _counts(target)
    again = _import(target, tmp_path / "a")
    assert again.exit_code == 0, again.output
    assert "deployed 0 new version(s) in 0 deployment(s)" in again.output
    assert _counts(target) == before
    assert _import(source, tmp_path / "a").exit_code == 0  # onto the server it came from: nothing either
    assert "deployed 0 new version(s)" in _import(source, tmp_path / "a").output


def test_only_the_versions_the_server_lacks_are_deployed_in_order(servers, tmp_path):
    source, target = servers
    with target.app_context():
        deploy_dirs()  # the shipped processes, as the source's first deployment
    _export(source, tmp_path / "a")
    before = _counts(target)
    result = _import(target, tmp_path / "a")
    assert result.exit_code == 0, result.output
    assert "in 2 deployment(s)" in result.output
    after = _counts(target)
    # enforcement_case v2; then scj_files_probe v1 with its form fixture_note v1: two deploy events
    assert after[0] - before[0] == 3 and after[1] - before[1] == 2
    with target.app_context():
        assert deploys.version_of("enforcement_case").version == 2


def test_a_tampered_file_refuses_the_whole_folder(servers, tmp_path):
    source, target = servers
    _export(source, tmp_path / "a")
    path = tmp_path / "a" / "forms" / "case_register" / "v1.form"
    path.write_bytes(path.read_bytes().replace(b"}", b" }", 1))
    before = _counts(target)
    result = _import(target, tmp_path / "a")
    assert result.exit_code != 0
    assert "forms/case_register/v1.form" in result.output and "changed after the export" in result.output
    assert _counts(target) == before == (0, 0)


def test_an_invalid_version_is_refused_with_element_and_line_and_nothing_changes(servers, tmp_path):
    source, target = servers
    files = _export(source, tmp_path / "a")
    good = files["processes/enforcement_case/v2.bpmn"]
    flow = b'targetRef="'
    at = good.index(flow)
    broken = good[:at] + flow + b"no_such_task" + good[good.index(b'"', at + len(flow)):]
    rel = "processes/enforcement_case/v3.bpmn"
    _write(tmp_path / "a", {rel: broken})
    manifest = _manifest(files)  # the editor even recomputed the checksum
    entry = dict(next(e for e in manifest["versions"] if e["key"] == "enforcement_case" and e["version"] == 2))
    entry.update(version=3, path=rel, sha256=folders.sha256(broken), size=len(broken), deployment=4)
    manifest["versions"].append(entry)
    _set_manifest(tmp_path / "a", manifest)
    result = _import(target, tmp_path / "a")
    assert result.exit_code != 0
    problem = next(line for line in result.output.splitlines() if rel in line)
    assert "line " in problem and "no_such_task" in problem
    assert _counts(target) == (0, 0)  # the valid deployments before it were not deployed either


def test_a_version_that_differs_from_the_servers_is_refused(servers, tmp_path):
    source, target = servers
    with target.app_context():
        deploy_dirs()
        other = _revised_enforcement_case().replace("2026年修订".encode(), "本地修订".encode())
        deploys.deploy({"enforcement_case.bpmn": other}, "owner1")
        db.session.commit()
    _export(source, tmp_path / "a")
    before = _counts(target)
    result = _import(target, tmp_path / "a")
    assert result.exit_code != 0
    assert "processes/enforcement_case/v2.bpmn" in result.output and "never replaced" in result.output
    assert _counts(target) == before


@pytest.mark.parametrize("hostile", ["gap", "path", "key", "unlisted", "org", "format", "wrong_key"])
def test_a_hostile_manifest_is_refused(servers, tmp_path, hostile):
    source, target = servers
    files = _export(source, tmp_path / "a")
    manifest = _manifest(files)
    versions = manifest["versions"]
    if hostile == "gap":  # version 2 without version 1
        versions[:] = [e for e in versions if not (e["key"] == "enforcement_case" and e["version"] == 1)]
        want = "lists versions [2]"
    elif hostile == "path":  # a path out of the folder
        versions[0]["path"] = "../../etc/passwd"
        want = "must be"
    elif hostile == "key":  # a key that would name a folder outside
        versions[0].update(key="../../outside", path="processes/../../outside/v1.bpmn")
        want = "path separator"
    elif hostile == "unlisted":
        _write(tmp_path / "a", {"processes/extra/v1.bpmn": files["processes/enforcement_case/v1.bpmn"]})
        want = "not listed in manifest.json"
    elif hostile == "org":
        for e in versions:
            if e["key"] == "scj_files_probe":
                e["org"] = "no-such-bureau"
        want = "organisation 'no-such-bureau' does not exist"
    elif hostile == "format":
        manifest["format_version"] = 99
        want = "format_version 99"
    else:  # the manifest says the file is version 1 of a key the file does not define
        entry = next(e for e in versions if e["key"] == "scj_files_probe" and e["kind"] == "bpmn")
        content = files[entry["path"]]
        entry.update(key="renamed_probe", path="processes/renamed_probe/v1.bpmn")
        (tmp_path / "a" / "processes" / "scj_files_probe" / "v1.bpmn").unlink()
        _write(tmp_path / "a", {entry["path"]: content})
        want = "renamed_probe"
    _set_manifest(tmp_path / "a", manifest)
    result = _import(target, tmp_path / "a")
    assert result.exit_code != 0
    assert want in result.output, result.output
    assert _counts(target) == (0, 0)


def test_dry_run_lists_what_would_be_deployed_and_changes_nothing(servers, tmp_path):
    source, target = servers
    _export(source, tmp_path / "a")
    result = _import(target, tmp_path / "a", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would deploy" in result.output and "bpmn enforcement_case v2" in result.output
    assert _counts(target) == (0, 0)


def test_export_refuses_a_folder_that_is_not_an_export_and_cleans_a_previous_one(servers, tmp_path):
    source, _ = servers
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    result = source.test_cli_runner().invoke(args=["definitions", "export", str(tmp_path / "busy")])
    assert result.exit_code != 0 and "neither empty nor a definition folder" in result.output
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine"
    folder = tmp_path / "repo"
    _export(source, folder)
    (folder / "README.md").write_text("process models")
    _write(folder, {"forms/gone/v1.form": b"{}"})
    files = _export(source, folder)
    assert "forms/gone/v1.form" not in files and files["README.md"] == b"process models"


# --- over HTTP (the session app: the shipped processes and the demo users) -----------------------------------------

@pytest.fixture(scope="module")
def bureau_owners(app):
    """Process owners of the two bureaus, each with a key of their own."""
    with app.app_context():
        for name, code in (("owner_scj", "nj-scj"), ("owner_mzj", "nj-mzj")):
            if db.session.scalar(select(User).where(User.username == name)) is None:
                db.session.add(User(username=name, display_name=f"{code}流程管理员", roles=["process_owner"],
                                    password_hash=hash_password("demo"), org_id=orgs.by_code(code).id))
        db.session.commit()
    return "owner_scj", "owner_mzj"


def _zip(files: dict[str, bytes], prefix: str = "", compress: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as zf:
        for name, content in files.items():
            zf.writestr(prefix + name, content)
    return buf.getvalue()


def _unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _post_zip(http, data: bytes, as_user: str, dry_run: bool = False):
    form = {"file": (io.BytesIO(data), "definitions.zip")}
    if dry_run:
        form["dry_run"] = "true"
    return http.call("POST", "/api/v1/definitions/import.zip", as_user, data=form, content_type="multipart/form-data")


def test_http_export_is_for_process_owners_and_holds_their_bureaus_keys_only(http, app, bureau_owners):
    assert upload(http, "/api/v1/definitions", _probe("mzj_http_probe"), as_user="owner_mzj").status_code == 201
    assert http.call("GET", "/api/v1/definitions/export.zip").status_code == 401
    for user in ("officer1", "head1", "admin", "supervisor1"):
        assert http.call("GET", "/api/v1/definitions/export.zip", user).status_code == 403, user
    whole = http.call("GET", "/api/v1/definitions/export.zip", "owner1")
    assert whole.status_code == 200 and whole.mimetype == "application/zip"
    assert "processes/mzj_http_probe/v1.bpmn" in _unzip(whole.data)
    theirs = _unzip(http.call("GET", "/api/v1/definitions/export.zip", "owner_scj").data)
    keys = {e["key"] for e in _manifest(theirs)["versions"]}
    assert "enforcement_case" in keys and "mzj_http_probe" not in keys  # the province's, not the other bureau's
    assert not any("mzj_http_probe" in p for p in theirs)
    assert http.call("GET", "/api/v1/definitions/export.zip", "owner1").data == whole.data  # deterministic bytes


def test_http_import_of_the_servers_own_export_deploys_nothing(http, app, bureau_owners):
    data = http.call("GET", "/api/v1/definitions/export.zip", "owner1").data
    before = _counts(app)
    resp = _post_zip(http, data, "owner1")
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["versions"] == [] and body["present"] == len(_manifest(_unzip(data))["versions"])
    wrapped = _post_zip(http, _zip(_unzip(data), prefix="sanxiang-definitions-main/"), "owner1")  # a repo download
    assert wrapped.status_code == 200 and wrapped.get_json()["versions"] == []
    assert _counts(app) == before
    assert _post_zip(http, data, "officer1").status_code == 403


def test_http_import_adds_a_new_version_within_the_bureau_only(http, app, bureau_owners):
    assert upload(http, "/api/v1/definitions", _probe("scj_http_probe"), as_user="owner_scj").status_code == 201
    files = _unzip(http.call("GET", "/api/v1/definitions/export.zip", "owner_scj").data)
    manifest = _manifest(files)
    v1 = next(e for e in manifest["versions"] if e["key"] == "scj_http_probe" and e["kind"] == "bpmn")
    revised = files[v1["path"]].replace(b'name="', b'name="v2 ', 1)
    v2 = {**v1, "version": 2, "path": "processes/scj_http_probe/v2.bpmn", "sha256": folders.sha256(revised),
          "size": len(revised), "deployment": max(e["deployment"] for e in manifest["versions"]) + 1}
    manifest["versions"].append(v2)
    files[v2["path"]] = revised
    files["manifest.json"] = json.dumps(manifest).encode()
    data = _zip(files)
    before = _counts(app)
    dry = _post_zip(http, data, "owner_scj", dry_run=True)
    assert dry.status_code == 200 and dry.get_json()["dry_run"] is True and _counts(app) == before
    assert _post_zip(http, data, "owner_mzj").status_code == 403  # another bureau's key: not theirs to run
    assert _counts(app) == before
    resp = _post_zip(http, data, "owner_scj")
    assert resp.status_code == 200, resp.get_json()
    assert [(v["key"], v["version"]) for v in resp.get_json()["versions"]] == [("scj_http_probe", 2)]
    assert _counts(app) == (before[0] + 1, before[1] + 1)
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.stream == "definitions")
                                   .order_by(Event.seq.desc()).limit(1)).one()
        assert event.actor == "owner_scj" and event.type == "deploy"
        assert event.data["import"]["source"][0]["version"] == 2
    assert _post_zip(http, data, "owner_scj").get_json()["versions"] == []  # idempotent


def test_http_import_refuses_a_province_key_from_a_bureau_owner(http, app, bureau_owners):
    files = _unzip(http.call("GET", "/api/v1/definitions/export.zip", "owner_scj").data)
    manifest = _manifest(files)
    v1 = next(e for e in manifest["versions"] if e["key"] == "legal_review")
    last = max(e["version"] for e in manifest["versions"] if e["key"] == "legal_review" and e["kind"] == "bpmn")
    revised = files[f"processes/legal_review/v{last}.bpmn"].replace(b'name="', b'name="x', 1)
    manifest["versions"].append({**v1, "version": last + 1, "path": f"processes/legal_review/v{last + 1}.bpmn",
                                 "sha256": folders.sha256(revised), "size": len(revised),
                                 "deployment": max(e["deployment"] for e in manifest["versions"]) + 1})
    files[f"processes/legal_review/v{last + 1}.bpmn"] = revised
    files["manifest.json"] = json.dumps(manifest).encode()
    before = _counts(app)
    resp = _post_zip(http, _zip(files), "owner_scj")
    assert resp.status_code == 403 and resp.get_json()["errors"] == {"rule": "definition_owner"}
    assert _counts(app) == before


@pytest.mark.parametrize("hostile", ["not_zip", "traversal", "tampered", "no_manifest", "oversized"])
def test_http_import_refuses_hostile_zips(http, app, bureau_owners, hostile):
    files = _unzip(http.call("GET", "/api/v1/definitions/export.zip", "owner1").data)
    if hostile == "not_zip":
        data = b"PK\x03\x04 not really"
    elif hostile == "traversal":
        data = _zip({**files, "../../evil.bpmn": b"<x/>"})
    elif hostile == "oversized":  # a small zip that unpacks to more than a definition file may be
        files["processes/legal_review/v1.bpmn"] = b" " * (deploys.MAX_FILE_BYTES + 1)
        data = _zip(files, compress=True)
        assert len(data) < 1_000_000
    elif hostile == "tampered":
        files["processes/legal_review/v1.bpmn"] = files["processes/legal_review/v1.bpmn"] + b"\n"
        data = _zip(files)
    else:
        files.pop("manifest.json")
        data = _zip(files)
    before = _counts(app)
    resp = _post_zip(http, data, "owner1")
    assert resp.status_code == 400, resp.get_json()
    problems = resp.get_json()["errors"]["problems"]
    assert problems and all(p["message"] for p in problems)
    if hostile in ("tampered", "oversized"):
        assert problems[0]["file"] == "processes/legal_review/v1.bpmn"
    assert _counts(app) == before


def test_http_import_cannot_make_a_new_key_the_provinces(http, app, bureau_owners):
    """A bureau owner's folder naming a new key as the province's (which every bureau would then run): 403."""
    form = {"fixture_note.form": fixture("fixture_note.form")}  # the probe's form (no new version if deployed)
    assert upload(http, "/api/v1/definitions", form, as_user="owner_scj").status_code == 201
    files = _unzip(http.call("GET", "/api/v1/definitions/export.zip", "owner_scj").data)
    manifest = _manifest(files)
    probe = _probe("province_claim_probe")
    content = probe["province_claim_probe.bpmn"]
    path = "processes/province_claim_probe/v1.bpmn"
    manifest["versions"].append({"kind": "bpmn", "key": "province_claim_probe", "version": 1, "name": "探针",
                                 "filename": "province_claim_probe.bpmn", "path": path,
                                 "sha256": folders.sha256(content), "size": len(content), "org": "hebei",
                                 "deployment": max(e["deployment"] for e in manifest["versions"]) + 1,
                                 "deployed_at": None, "deployed_by": "owner1"})
    files[path] = content
    files["manifest.json"] = json.dumps(manifest).encode()
    before = _counts(app)
    resp = _post_zip(http, _zip(files), "owner_scj")
    assert resp.status_code == 403 and resp.get_json()["errors"] == {"rule": "definition_owner"}
    assert _counts(app) == before
    resp = _post_zip(http, _zip(files), "owner1")  # the province's own owner may
    assert resp.status_code == 200, resp.get_json()
    assert [v["key"] for v in resp.get_json()["versions"]] == ["province_claim_probe"]
    with app.app_context():
        assert deploys.version_of("province_claim_probe").org_id == orgs.by_code("hebei").id
