"""Static analysis of DMN decision tables: overlapping rows and gaps in ordered ranges.

A table can strand a case two ways: under the UNIQUE hit policy two rows match the same
input (SpiffWorkflow silently takes the first), or no row matches (the outputs are never
set and the next gateway fails). This module finds both at deploy time, for the cells it
understands, and reports each finding as a problem naming the rules and their lines. Cells
and output entries the engine cannot run on every case are refused first, under every hit
policy (:mod:`engine.dmn_cells`).

How: each cell is read as the expression SpiffWorkflow's engine builds from it. Every column's
input space is cut into *atoms* — for a numeric column the points and open intervals between the
numbers its cells mention; for a column of strings compared with <, <=, >, >= (ISO dates as text)
the same in the strings' lexicographic order, the engine's order; for any other column each
literal its cells mention plus "anything else". An understood cell compares the input with
constants only (arithmetic on literals such as ``10 * 1000`` is folded first, on the syntax tree:
nothing is run), so it is true or false on a whole atom; it is evaluated once on a representative
value of each atom.

* Overlaps (UNIQUE only), pairwise: two rows overlap iff in every column some atom satisfies
  both cells — no enumeration of the columns' product, so tables of any size are checked. When
  no column tells two rows apart and a cell fails on some atom (``< 10000`` on None), whether
  they overlap cannot be decided: that is reported too, never taken for "no overlap".
* Gaps: for an ordered column and a fixed combination of the other columns, atoms left uncovered
  between covered ones are a gap in the range. This enumerates the product of the columns'
  atoms; a table with an ordered column whose product exceeds :data:`MAX_COMBINATIONS` is
  refused with a problem saying it is too large to check (split it).

A cell the analysis does not understand (a function call, ...) is a problem under UNIQUE, naming
the rule and its line (the author rewrites it as a comparison with constants); under other hit
policies it makes the combinations it touches "unknown" and nothing is reported there.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .dmn_cells import UNKNOWN, Cell, check_entries, entry_text, is_number, read_cell
from .errors import ErrorBag

MAX_COMBINATIONS = 200_000
NUMBER_TYPES = {"number", "integer", "long", "double", "decimal"}


class _Other:
    """Stands for "any value no cell of the column mentions"."""

    def __repr__(self) -> str:
        return "any other value"


OTHER = _Other()
@dataclass
class _Rule:
    rule_id: str
    line: int | None
    row: int
    cells: list[Cell]
    texts: list[str] = field(default_factory=list)


@dataclass
class _Atom:
    value: Any  # representative value
    text: str  # how the atom is described in a message
    lo: Any = None  # atoms of an ordered column: bounds for gap messages
    hi: Any = None
    ordered: bool = False  # a point or an open interval of the column's order (numbers, or strings)


def _point(value: Any) -> str:
    return f"{value:g}" if is_number(value) else _show(value)


def _numeric_atoms(points: list[float], extra: list[Any]) -> list[_Atom]:
    atoms: list[_Atom] = []
    if not points:
        return [_Atom(0, "any number", ordered=True)] + [_Atom(x, repr(x)) for x in extra]
    atoms.append(_Atom(points[0] - 1, f"< {points[0]:g}", None, points[0], True))
    for i, p in enumerate(points):
        atoms.append(_Atom(p, f"= {p:g}", p, p, True))
        if i + 1 < len(points):
            q = points[i + 1]
            atoms.append(_Atom((p + q) / 2, f"in ({p:g}, {q:g})", p, q, True))
    atoms.append(_Atom(points[-1] + 1, f"> {points[-1]:g}", points[-1], None, True))
    return atoms + [_Atom(x, repr(x)) for x in extra]


def _string_atoms(points: list[str], extra: list[Any]) -> list[_Atom]:
    """Strings in Python's (lexicographic) order, as the engine compares them: each constant and the open
    intervals between them (``a + "\\0"`` lies strictly between ``a`` and any greater string other than itself)."""
    atoms: list[_Atom] = []
    if points[0] != "":
        atoms.append(_Atom("", f"< {_show(points[0])}", None, points[0], True))
    for i, p in enumerate(points):
        atoms.append(_Atom(p, f"= {_show(p)}", p, p, True))
        if i + 1 < len(points) and points[i + 1] != p + "\0":
            q = points[i + 1]
            atoms.append(_Atom(p + "\0", f"in ({_show(p)}, {_show(q)})", p, q, True))
    atoms.append(_Atom(points[-1] + "\0", f"> {_show(points[-1])}", points[-1], None, True))
    return atoms + [_Atom(x, _show(x)) for x in extra]


def _atoms(type_ref: str, cells: list[Cell]) -> tuple[list[_Atom], bool]:
    """The column's atoms and whether the column is ordered (numbers, or strings compared with <, >)."""
    constants = [c for cell in cells if cell.code not in (None, UNKNOWN) for c in _flatten(cell.constants)]
    numeric = type_ref.lower() in NUMBER_TYPES or any(
        cell.ordered and any(is_number(c) for c in _flatten(cell.constants)) for cell in cells)
    if numeric:
        points = sorted({c for c in constants if is_number(c)})
        others = _unique(c for c in constants if not is_number(c))
        return _numeric_atoms(points, others), True
    if any(cell.ordered and any(isinstance(c, str) for c in cell.constants) for cell in cells):
        points = sorted({c for c in constants if isinstance(c, str)})
        return _string_atoms(points, _unique(c for c in constants if not isinstance(c, str))), True
    values = _unique(constants)
    if type_ref.lower() == "boolean":
        values = _unique([True, False, *values])
        return [_Atom(v, repr(v)) for v in values], False
    return [_Atom(v, _show(v)) for v in values] + [_Atom(OTHER, "any other value")], False


def _flatten(values: list[Any]) -> list[Any]:
    return [v for v in values if isinstance(v, (str, int, float, bool)) or v is None]


def _unique(values: Any) -> list[Any]:
    seen: list[Any] = []
    for v in values:
        if not any(type(v) is type(s) and v == s for s in seen):
            seen.append(v)
    return seen


def _show(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _matches(cell: Cell, atom: _Atom) -> Any:
    """True / False, or UNKNOWN when the cell is not understood or fails on the atom."""
    if cell.code is None:
        return True
    if cell.code is UNKNOWN:
        return UNKNOWN
    try:
        return bool(eval(cell.code, {"__builtins__": {}}, {"v": atom.value}))  # noqa: S307 - AST-whitelisted
    except Exception:  # noqa: BLE001 - e.g. comparing a string with a number: SpiffWorkflow would fail too
        return UNKNOWN


#: hit policies the engine runs as DMN defines them (SpiffWorkflow 3.2 returns the first match for others)
RUN_POLICIES = frozenset({"UNIQUE", "FIRST", "ANY", "COLLECT"})


def check_tables(catalog: Any, file: str, tree: etree._ElementTree, bag: ErrorBag) -> None:
    """Add a problem for every overlap (UNIQUE) and numeric gap in the file's decision tables."""
    del catalog  # the lint signature; tables are checked on their own
    for decision in tree.getroot().iter("{*}decision"):
        for table in decision.iter("{*}decisionTable"):
            _check_table(file, decision.get("id") or "?", table, bag)


def _check_table(file: str, decision_id: str, table: etree._Element, bag: ErrorBag) -> None:
    policy = (table.get("hitPolicy") or "UNIQUE").upper()
    where = f"decision '{decision_id}'"
    reported = check_entries(file, where, table, bag)  # every hit policy: cells the engine cannot run
    if policy not in RUN_POLICIES:
        bag.add(file, table.get("id") or decision_id, table.sourceline,
                f"{where}: hit policy {policy} is not run as DMN defines it (the engine takes the first matching "
                f"row); use one of {', '.join(sorted(RUN_POLICIES))}")
        return
    if policy == "COLLECT":
        return  # an empty or multiple result is legitimate
    inputs = table.findall("{*}input")
    names = [(entry_text(i.find("{*}inputExpression")) or i.get("label") or i.get("id") or "?").strip() for i in inputs]
    types = [(i.find("{*}inputExpression").get("typeRef") if i.find("{*}inputExpression") is not None else "") or ""
             for i in inputs]
    rules = []
    for row, el in enumerate(table.findall("{*}rule"), 1):
        cells = [read_cell(entry_text(e)) for e in el.findall("{*}inputEntry")]
        if len(cells) != len(inputs):
            return  # SpiffWorkflow's parser reports malformed rows
        texts = [(entry_text(e) or "").strip() for e in el.findall("{*}inputEntry")]
        rules.append(_Rule(el.get("id") or f"row {row}", el.sourceline, row, cells, texts))
    if not rules:
        return
    columns = [_atoms(types[c], [r.cells[c] for r in rules]) for c in range(len(inputs))]
    truth = [[[_matches(r.cells[c], a) for a in columns[c][0]] for c in range(len(inputs))] for r in rules]
    if policy in ("UNIQUE", "ANY"):  # ANY: overlapping rows are refused too (write equal outcomes as one row)
        _report_not_understood(file, where, names, rules, reported, bag)
        _report_overlaps(file, where, names, columns, rules, truth, bag)
    if not any(ordered for _, ordered in columns):
        return  # gaps are looked for in ordered ranges (numbers, strings compared with <, >) only
    total = 1
    for atoms, _ in columns:
        total *= len(atoms)
    if total > MAX_COMBINATIONS:
        bag.add(file, table.get("id") or decision_id, table.sourceline,
                f"{where}: {total} input combinations, more than the {MAX_COMBINATIONS} that can be checked for "
                "gaps in ordered ranges; split the table into smaller ones")
        return
    hits: dict[tuple[int, ...], tuple[list[int], bool]] = {}
    for combo in itertools.product(*(range(len(atoms)) for atoms, _ in columns)):
        matched, unknown = [], False
        for i in range(len(rules)):
            values = [truth[i][c][a] for c, a in enumerate(combo)]
            if any(v is False for v in values):
                continue
            if any(v is UNKNOWN for v in values):
                unknown = True
            else:
                matched.append(i)
        hits[combo] = (matched, unknown)
    # a review catalogue (an ``is_major`` output) falls back to "major" when no row matches (engine/decisions.py),
    # so only gaps between its rows are reported; any other table must cover both ends of its ranges too
    fallback = any((o.get("name") or "") == "is_major" for o in table.findall("{*}output"))
    _report_gaps(file, where, names, columns, rules, hits, bag, ends=not fallback)


def _report_not_understood(file: str, where: str, names: list[str], rules: list[_Rule],
                           reported: set[tuple[int, int]], bag: ErrorBag) -> None:
    """Under UNIQUE every cell must be analysable, or an overlap could hide behind it (a cell the engine
    cannot run is reported once, by :func:`engine.dmn_cells.check_entries`)."""
    for rule in rules:
        for c, cell in enumerate(rule.cells):
            if cell.code is UNKNOWN and (rule.row, c) not in reported:
                bag.add(file, rule.rule_id, rule.line,
                        f"{where}: cell '{rule.texts[c]}' of input {names[c]} in "
                        f"{_rule_ref(rule)} cannot be checked for overlaps under hit policy UNIQUE; write it as a "
                        "comparison of the input with constants (e.g. < 10000, \"person\", 0 <= ? < 100, -)")


def _intersection(a: list[Any], b: list[Any]) -> tuple[Any, int | None]:
    """Whether two cells of one column are both true on some atom: (True, atom), (False, None) or (UNKNOWN, None)."""
    unknown = False
    for atom, (x, y) in enumerate(zip(a, b, strict=True)):
        if x is True and y is True:
            return True, atom
        if x is not False and y is not False:
            unknown = True
    return (UNKNOWN if unknown else False), None


def _describe(names: list[str], columns: list[tuple[list[_Atom], bool]], combo: tuple[int, ...],
              skip: int | None = None, keep: int | None = None) -> str:
    return ", ".join(f"{names[c]} {columns[c][0][a].text}" if columns[c][1] or columns[c][0][a].value is OTHER
                     else f"{names[c]} = {columns[c][0][a].text}"
                     for c, a in enumerate(combo) if c != skip and keep in (None, c))


def _rule_ref(rule: _Rule) -> str:
    return f"{rule.rule_id} (row {rule.row}, line {rule.line})"


def _report_overlaps(file: str, where: str, names: list[str], columns: list[tuple[list[_Atom], bool]],
                     rules: list[_Rule], truth: list, bag: ErrorBag) -> None:
    """Pairwise: two rows overlap iff their cells intersect in every column (no enumeration). When no column
    tells them apart and some intersection cannot be decided (a cell fails or cannot compare on a value), the
    rows are reported as not shown to exclude each other: never taken for "no overlap"."""
    for i, j in itertools.combinations(range(len(rules)), 2):
        found = [_intersection(truth[i][c], truth[j][c]) for c in range(len(columns))]
        if any(both is False for both, _ in found):
            continue
        undecided = [c for c, (both, _) in enumerate(found) if both is not True]
        if any(rules[k].cells[c].code is UNKNOWN for c in undecided for k in (i, j)):
            continue  # a cell not understood: reported on its own
        if undecided:
            c = undecided[0]
            later = rules[j]
            bag.add(file, later.rule_id, later.line,
                    f"{where}: whether rows {_rule_ref(rules[i])} and {_rule_ref(later)} overlap cannot be decided "
                    f"under hit policy UNIQUE: on input {names[c]} the cells '{rules[i].texts[c]}' and "
                    f"'{later.texts[c]}' fail or cannot be compared on some value; compare the input with "
                    "constants of one type (numbers, or strings) so that the rows visibly exclude each other")
            continue
        witness = tuple(atom for _, atom in found)
        shown = [c for c in range(len(columns))
                 if rules[i].cells[c].code is not None or rules[j].cells[c].code is not None]
        when = ", ".join(_describe(names, columns, witness, keep=c) for c in shown) or "any input"
        later = rules[j]
        bag.add(file, later.rule_id, later.line,
                f"{where}: rows {_rule_ref(rules[i])} and {_rule_ref(later)} overlap under hit policy UNIQUE; "
                f"both match when {when}")


def _report_gaps(file: str, where: str, names: list[str], columns: list[tuple[list[_Atom], bool]],
                 rules: list[_Rule], hits: dict, bag: ErrorBag, ends: bool = True) -> None:
    seen: set[tuple[int, Any, Any]] = set()
    for c, (atoms, ordered) in enumerate(columns):
        if not ordered:
            continue
        groups: dict[tuple[int, ...], list[tuple[int, ...]]] = {}
        for combo in hits:
            groups.setdefault(combo[:c] + combo[c + 1:], []).append(combo)
        for combos in groups.values():
            line = sorted(combos, key=lambda k: k[c])
            if any(hits[k][1] for k in line):
                continue  # a cell not understood: the column may be covered
            covered = [k[c] for k in line if atoms[k[c]].ordered and hits[k][0]]
            if not covered:
                continue
            # between the covered values, and beyond them at either end (a value above the highest row
            # strands a case as surely as one between rows); below a lowest bound of 0 lies no amount
            first, last = min(covered), max(covered)
            empty = [k for k in line if atoms[k[c]].ordered and not hits[k][0]
                     and (first < k[c] < last or ends) and not (atoms[k[c]].lo is None and atoms[k[c]].hi == 0)]
            for run in _runs([k[c] for k in empty]):
                lo, hi = atoms[run[0]].lo, atoms[run[-1]].hi
                key = (c, lo, hi)
                if key in seen:
                    continue
                seen.add(key)
                before = _combo_with(line, c, run[0] - 1)
                after = _combo_with(line, c, run[-1] + 1)
                rows_before = [rules[i] for i in hits[before][0]] if before is not None else []
                rows_after = [rules[i] for i in hits[after][0]] if after is not None else []
                if not rows_before and not rows_after:
                    continue  # no row on either side in this line: not a range the table covers
                anchor = rows_after[0] if rows_after else rows_before[0]
                start, end = atoms[run[0]], atoms[run[-1]]
                span = (start.text if len(run) == 1 else
                        f"in {'[' if start.lo == start.hi else '('}{_point(lo)}, {_point(hi)}{']' if end.lo == end.hi else ')'}")
                bag.add(file, anchor.rule_id, anchor.line,
                        f"{where}: no row matches {names[c]} {span} when "
                        f"{_describe(names, columns, before or after, skip=c) or 'any other input'}; the gap lies "
                        + (f"between {', '.join(_rule_ref(r) for r in rows_before)} and "
                           f"{', '.join(_rule_ref(r) for r in rows_after)}" if rows_before and rows_after else
                           f"{'above' if rows_before else 'below'} "
                           f"{', '.join(_rule_ref(r) for r in rows_before or rows_after)}"))


def _combo_with(line: list[tuple[int, ...]], column: int, atom: int) -> tuple[int, ...] | None:
    return next((k for k in line if k[column] == atom), None)


def _runs(indexes: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for i in indexes:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs
