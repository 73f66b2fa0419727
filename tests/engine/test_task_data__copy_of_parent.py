"""copy_of_parent is SpiffWorkflow's ``DeepMerge.merge({}, data)`` (how a task takes its parent's data), done in
one pass: the same keys and values, lists, dicts and sets (and their subclasses) copied shallowly, everything
else the same object."""
from __future__ import annotations

from collections import OrderedDict, defaultdict

from SpiffWorkflow.util.deep_merge import DeepMerge

from engine.task_data import copy_of_parent


class Tagged(list):
    pass


DATA = {
    "text": "罚款贰万元。", "number": 20000, "ratio": 0.5, "yes": True, "nothing": None, "pair": (1, 2),
    "list": [1, [2, 3]], "dict": {"a": {"b": 1}}, "set": {1, 2}, "frozen": frozenset({3}),
    "ordered": OrderedDict(a=1), "default": defaultdict(list, a=[1]), "tagged": Tagged([1]), "empty": [],
    "bytes": b"x",
}


def test_the_same_as_deep_merge_into_an_empty_dict():
    ours, theirs = copy_of_parent(DATA), DeepMerge.merge({}, DATA)
    assert ours == theirs == DATA
    assert list(ours) == list(theirs)
    for key, value in DATA.items():
        assert type(ours[key]) is type(theirs[key]) is type(value), key
        copied = isinstance(value, dict | list | set)
        assert (ours[key] is value) is not copied, key  # containers are new objects, the rest the same
        assert (theirs[key] is value) is not copied, key
    assert ours["list"][1] is DATA["list"][1] and ours["dict"]["a"] is DATA["dict"]["a"]  # shallow, as DeepMerge


def test_a_copy_changes_nothing_of_the_parent():
    copied = copy_of_parent(DATA)
    copied["list"].append(9)
    copied["dict"]["new"] = 1
    copied["tagged"].append(2)
    copied["text"] = "改"
    assert DATA["list"] == [1, [2, 3]] and "new" not in DATA["dict"] and DATA["tagged"] == [1]
    assert DATA["text"] == "罚款贰万元。"
