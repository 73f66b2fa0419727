"""event_hash and verify_chain: a stream of events whose tampering is visible."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from engine.history import GENESIS, HASHED_FIELDS, canonical_time, event_hash, verify_chain


def make_event(seq: int) -> dict:
    event = {
        "stream": "instance:7",
        "seq": seq,
        "type": "task_completed",
        "instance_id": 7,
        "task_id": f"00000000-0000-0000-0000-{seq:012d}",
        "element_id": "task_register",
        "actor": "officer1",
        "role": "officer",
        "at": datetime(2026, 11, 20, 9, 30, seq, 123456, tzinfo=UTC),
        "data": {"party_name": "张三", "fine_amount": 20000 + seq, "officers": ["officer1", "officer2"]},
        "client_addr": "10.0.0.8",
    }
    # any other hashed field (e.g. references to stored blobs) gets a plain string value
    for name in HASHED_FIELDS:
        event.setdefault(name, f"{name}-{seq}")
    return event


def make_chain(n: int) -> list[dict]:
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        event = make_event(seq)
        event["prev_hash"] = prev
        event["hash"] = prev = event_hash(event, prev)
        events.append(event)
    return events


def test_hash_is_stable_and_hex():
    event = make_event(1)
    first = event_hash(event, GENESIS)
    assert first == event_hash(dict(event), GENESIS)
    assert len(first) == 64 and int(first, 16) >= 0


def test_hash_ignores_key_order_and_unhashed_fields():
    event = make_event(1)
    reordered = dict(reversed(list(event.items())))
    reordered["data"] = dict(reversed(list(event["data"].items())))
    reordered["id"] = 99  # database row id, not part of the hash
    assert event_hash(reordered, GENESIS) == event_hash(event, GENESIS)


def test_the_documented_fields_are_hashed():
    assert {"stream", "seq", "type", "instance_id", "task_id", "element_id", "actor", "role", "at", "data",
            "client_addr"} <= set(HASHED_FIELDS)


@pytest.mark.parametrize("name", HASHED_FIELDS)
def test_hash_changes_with_every_hashed_field(name):
    event = make_event(1)
    changed = dict(event)
    value = event[name]
    if isinstance(value, datetime):
        changed[name] = value + timedelta(microseconds=1)
    elif isinstance(value, int):
        changed[name] = value + 1
    elif isinstance(value, dict):
        changed[name] = {**value, "party_name": "张四"}
    else:
        changed[name] = value + "x"
    assert event_hash({**event, name: None}, GENESIS) != event_hash(event, GENESIS)
    assert event_hash(changed, GENESIS) != event_hash(event, GENESIS)


def test_hash_changes_with_the_previous_hash():
    event = make_event(1)
    assert event_hash(event, GENESIS) != event_hash(event, "1" + GENESIS[1:])


def test_naive_and_aware_utc_hash_equal():
    aware = make_event(1)
    naive = {**aware, "at": aware["at"].replace(tzinfo=None)}
    shanghai = {**aware, "at": aware["at"].astimezone(timezone(timedelta(hours=8)))}
    assert event_hash(naive, GENESIS) == event_hash(aware, GENESIS) == event_hash(shanghai, GENESIS)
    assert canonical_time(naive["at"]) == canonical_time(aware["at"]) == "2026-11-20T09:30:01.123456Z"


def test_intact_chain_has_no_problems():
    assert verify_chain(make_chain(5)) == []
    assert verify_chain([]) == []


def test_changed_data_byte_is_found():
    events = make_chain(4)
    events[2]["data"] = {**events[2]["data"], "party_name": "张四"}
    problems = verify_chain(events)
    assert [p["seq"] for p in problems] == [3]
    assert "content" in problems[0]["problem"]


def test_rehashed_edit_still_breaks_the_next_link():
    events = make_chain(4)
    events[1]["data"] = {**events[1]["data"], "fine_amount": 1}
    events[1]["hash"] = event_hash(events[1], events[1]["prev_hash"])
    problems = verify_chain(events)
    assert [p["seq"] for p in problems] == [3]
    assert "prev_hash" in problems[0]["problem"]


def test_deleted_event_is_a_gap():
    events = make_chain(5)
    del events[2]
    problems = verify_chain(events)
    assert {p["seq"] for p in problems} == {4}
    assert any("expected seq 3" in p["problem"] for p in problems)
    assert any("prev_hash" in p["problem"] for p in problems)


def test_deleted_last_event_cannot_be_seen_from_the_chain_alone():
    """Documents the limit: truncating the tail leaves a valid chain (the head must be kept elsewhere)."""
    assert verify_chain(make_chain(5)[:-1]) == []


def test_reordered_pair_is_found():
    events = make_chain(5)
    events[1], events[2] = events[2], events[1]
    problems = verify_chain(events)
    assert {p["seq"] for p in problems} >= {2, 3}
    assert any("expected seq 2" in p["problem"] for p in problems)


def test_first_event_must_link_to_genesis():
    events = make_chain(3)[1:]
    problems = verify_chain(events)
    assert problems and problems[0]["seq"] == 2
