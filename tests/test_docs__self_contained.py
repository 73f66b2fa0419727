"""The rules live in the repository (issue 7, item 16).

* No source or document file (README, CHANGELOG, docs/, api/, engine/, processes/, forms/, tools/,
  bench/) points outside the repository: no ``../shared/...``, no absolute ``/work/...`` path, no
  relative path that climbs above the repository root.
* Every ``docs/<file>`` cited anywhere (code, diagrams, forms, tests, README) exists, every
  ``docs/DOMAIN.md §n`` cited names a section that exists, and the Markdown links in README and
  docs/ resolve.
* docs/API.md lists exactly the ``/api/v1`` routes the app serves (method and path), so the
  contract neither misses a route nor invents one.
* docs/GLOSSARY.md expands the law abbreviations the code and tests cite.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("README.md", "CHANGELOG.md", "docs", "api", "engine", "processes", "forms", "tools", "bench")
CITING = (*SCANNED, "tests")
TEXT_SUFFIXES = {".py", ".md", ".html", ".bpmn", ".dmn", ".form", ".json", ".txt", ".cfg", ".toml", ".ini", ".js",
                 ".css", ".yml", ".yaml"}
SKIP_PARTS = {"__pycache__", ".venv", ".git", "node_modules", ".pytest_cache", ".ruff_cache"}

OUTSIDE = [
    (re.compile(r"(?:\.\./)+shared\b"), "../shared (outside the repository)"),
    (re.compile(r"(?<![\w/.-])shared/(?:API|DOMAIN|DESIGN)\.md"), "shared/*.md (outside the repository)"),
    (re.compile(r"(?<![\w.-])/work/"), "an absolute /work/ path"),
    (re.compile(r"(?<![\w.-])seeds/\d{3}_"), "the seed file outside the repository"),
]
RELATIVE = re.compile(r"(?<![\w/.])((?:\.\./)+[\w.-]*(?:/[\w.-]+)*)")
DOCS_PATH = re.compile(r"(?<![\w/.-])docs/([\w.-]+(?:/[\w.-]+)*)")
MD_LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)]*)?\)")
DOMAIN_SECTION = re.compile(r"§\s*(\d+(?:\.\d+)?)")
HEADING = re.compile(r"^#{2,4}\s+(\d+(?:\.\d+)?)[.\s]", re.MULTILINE)
API_ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`?\s]*)")


def _files(roots: tuple[str, ...]) -> list[Path]:
    """Files under ``roots`` that git tracks or would track (untracked but not ignored)."""
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *roots],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout
        found = [ROOT / line for line in out.splitlines() if line]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (e.g. an unpacked archive)
        found = []
        for name in roots:
            path = ROOT / name
            found.extend([path] if path.is_file() else (p for p in path.rglob("*") if p.is_file()))
    return sorted(p for p in found if p.is_file() and (p.suffix in TEXT_SUFFIXES or p.name == "Makefile")
                  and not SKIP_PARTS.intersection(p.relative_to(ROOT).parts))


def _lines(path: Path) -> list[tuple[int, str]]:
    return list(enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1))


def _where(path: Path, number: int) -> str:
    return f"{path.relative_to(ROOT)}:{number}"


def test_sources_and_docs_do_not_point_outside_the_repository():
    problems = []
    for path in _files(SCANNED):
        for number, line in _lines(path):
            problems.extend(f"{_where(path, number)}: {what}: {line.strip()}"
                            for pattern, what in OUTSIDE if pattern.search(line))
            for match in RELATIVE.finditer(line):
                target = (path.parent / match.group(1)).resolve()
                if not target.is_relative_to(ROOT):
                    problems.append(f"{_where(path, number)}: {match.group(1)} climbs out of the repository")
    assert not problems, "files point outside the repository:\n" + "\n".join(problems)


def test_the_outside_reference_check_catches_what_it_should():
    """The patterns above find the references this test exists to forbid (so it cannot pass vacuously)."""
    samples = ["see [API](../shared/API.md)", "per shared/DOMAIN.md", "cat /work/shared/seeds/000_x.txt"]
    assert all(any(p.search(s) for p, _ in OUTSIDE) for s in samples)
    assert not any(p.search("see docs/DOMAIN.md §3 and /api/docs") for p, _ in OUTSIDE)
    assert RELATIVE.search('template_folder="../templates"').group(1) == "../templates"


def test_every_cited_docs_file_exists():
    missing = []
    for path in _files(CITING):
        if path.resolve() == Path(__file__).resolve():
            continue
        for number, line in _lines(path):
            for match in DOCS_PATH.finditer(line):
                cited = match.group(1).rstrip(".")
                if not (ROOT / "docs" / cited).exists():
                    missing.append(f"{_where(path, number)}: docs/{cited}")
    assert not missing, "cited docs files that do not exist:\n" + "\n".join(missing)


def test_every_cited_domain_section_exists():
    sections = set(HEADING.findall((ROOT / "docs" / "DOMAIN.md").read_text(encoding="utf-8")))
    assert {"1", "1.4", "3", "3.1", "5"} <= sections, sections
    missing = []
    for path in _files(CITING):
        for number, line in _lines(path):
            at = line.find("docs/DOMAIN.md")
            if at < 0:
                continue
            missing.extend(f"{_where(path, number)}: §{s}" for s in DOMAIN_SECTION.findall(line[at:])
                           if s not in sections)
    assert not missing, "cited sections of docs/DOMAIN.md that do not exist:\n" + "\n".join(missing)


def test_markdown_links_in_readme_and_docs_resolve():
    broken = []
    for path in _files(("README.md", "CHANGELOG.md", "docs")):
        if path.suffix != ".md":
            continue
        for number, line in _lines(path):
            for match in MD_LINK.finditer(line):
                target = match.group(1)
                if re.match(r"^[a-z]+:", target) or target.startswith("/"):
                    continue  # a URL, or a route of the running app
                resolved = (path.parent / target).resolve()
                if not resolved.is_relative_to(ROOT) or not resolved.exists():
                    broken.append(f"{_where(path, number)}: {target}")
    assert not broken, "broken links:\n" + "\n".join(broken)


def _norm(path: str) -> str:
    return re.sub(r"<[^>]*>", "<>", path.rstrip("/") or "/")


def _served_routes() -> set[tuple[str, str]]:
    from api import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "docs-test"})
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            served.add((method, _norm(rule.rule.removeprefix("/api/v1"))))
    return served


def test_api_md_lists_exactly_the_routes_the_app_serves():
    text = (ROOT / "docs" / "API.md").read_text(encoding="utf-8")
    documented = {(m, _norm(p)) for m, p in API_ROUTE.findall(text)}
    served = _served_routes()
    assert served, "the app serves no /api/v1 routes?"
    undocumented = sorted(served - documented)
    invented = sorted(documented - served)
    assert not undocumented, f"routes the app serves that docs/API.md does not list: {undocumented}"
    assert not invented, f"routes docs/API.md lists that the app does not serve: {invented}"


@pytest.mark.parametrize("abbreviation,title", [
    ("APL", "行政处罚法"), ("ALL", "行政许可法"), ("ACL", "行政强制法"), ("OGI", "政府信息公开条例"),
    ("PIPL", "个人信息保护法"), ("RRA", "宗教事务条例"), ('"118"', "国办发〔2018〕118号"),
])
def test_glossary_expands_the_law_abbreviations(abbreviation, title):
    rows = [line for line in (ROOT / "docs" / "GLOSSARY.md").read_text(encoding="utf-8").splitlines()
            if line.startswith(f"| {abbreviation} |")]
    assert rows and title in rows[0], f"docs/GLOSSARY.md has no row '| {abbreviation} | …{title}…'"
