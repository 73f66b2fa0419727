"""Checking a device out to someone who is not an active officer of its bureau gets one answer, whoever they are: an
admin cannot learn from it that a login exists as an officer of another bureau (red team)."""
from __future__ import annotations

from tests.api.evidence_support import checkout, new_device


def test_another_bureaus_officer_and_a_missing_user_get_the_same_refusal(http):
    device = new_device(http)
    answers = {}
    for name in ("officer4", "head3", "nosuchuser-x", "reviewer1"):
        body = checkout(http, device, officer=name, expect=422)
        answers[name] = body["errors"]["officer"][0].replace(name, "<name>")
    assert len(set(answers.values())) == 1, answers
    checkout(http, device, officer="officer1")  # an officer of the bureau still checks it out
