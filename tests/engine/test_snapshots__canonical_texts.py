"""The element-list text verify compares (engine/snapshots.py elements_json) is canonical_json's, whatever the
previous call left remembered."""
from __future__ import annotations

from engine.history import canonical_json
from engine.snapshots import elements_json


def test_element_lists_encode_as_canonical_json_in_any_sequence() -> None:
    base = [["p", f"e{i}", "COMPLETED"] for i in range(30)]
    lists = [
        base,
        base + [["p", "new", "READY"]],
        [["p", "e0", "READY"]] + base[1:],
        base[:10] + [["p", "mid", "WAITING"]] + base[10:],
        base[:5],
        [],
        base,
        [["p", "e0", "COMPLETED"], ["p", 1, True], ["p", "e1", "COMPLETED"]],  # not three strings
        [["p", "e0", "COMPLETED"], ["p", True, 1], ["p", "e1", "COMPLETED"]],
        [["流程", "审核\"\\", "READY"], ["p", "e0", "COMPLETED", "x"], ("p", "t", "READY")],
        base[::-1],
        [["p", "e0", "COMPLETED"], ["p", 1, True], ["p", "e1", "COMPLETED"]],
        [["p", "e0", "COMPLETED"], ["p", True, 1], ["p", "e1", "COMPLETED"]],
    ]
    for _ in range(2):
        for elements in lists:
            assert elements_json(elements) == canonical_json(elements)
    assert elements_json(None) == canonical_json(None)


def test_an_element_list_is_stored_under_the_address_of_its_canonical_text() -> None:
    from engine.snapshots import blob_ref, elements_ref

    base = [["p", f"e{i}", "COMPLETED"] for i in range(30)]
    for elements in (base, base + [["p", "x", "READY"]], [["p", 1, True]], base):
        assert elements_ref(elements) == blob_ref(elements)
