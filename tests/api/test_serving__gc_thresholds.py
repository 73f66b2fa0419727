"""The app sets the garbage collector's thresholds from GC_THRESHOLD (SANXIANG_GC_THRESHOLD): a larger young
generation, so a replay's short-lived objects do not push full collections over the process's long-lived ones.
A bad value stops the start with a message naming the variable; an empty one keeps Python's."""
from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from api import create_app
from api.config import ConfigurationError, gc_threshold


@pytest.fixture
def restore_gc():
    before = gc.get_threshold()
    yield
    gc.set_threshold(*before)


def _app(value):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k" * 40,
                       "GC_THRESHOLD": value})


def test_the_app_sets_the_thresholds_it_is_given(restore_gc):
    _app("12345,15,9")
    assert gc.get_threshold() == (12345, 15, 9)


def test_an_empty_value_keeps_the_thresholds(restore_gc):
    gc.set_threshold(701, 11, 12)
    _app("")
    assert gc.get_threshold() == (701, 11, 12)


@pytest.mark.parametrize("value", ["20000", "a,b,c", "0,10,10", "1,2,3,4", "-5,10,10"])
def test_a_bad_value_is_refused_with_the_variable_named(value, restore_gc):
    before = gc.get_threshold()
    with pytest.raises(ConfigurationError, match="SANXIANG_GC_THRESHOLD"):
        _app(value)
    assert gc.get_threshold() == before


def test_the_default_comes_from_the_environment():
    code = "from api.config import Config, gc_threshold; print(gc_threshold(Config.GC_THRESHOLD))"
    for env, expected in (({}, "(20000, 20, 10)"), ({"SANXIANG_GC_THRESHOLD": "5000,10,10"}, "(5000, 10, 10)"),
                          ({"SANXIANG_GC_THRESHOLD": ""}, "None")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             env={"PATH": "/usr/bin:/bin", **env})
        assert out.stdout.strip() == expected, env


def test_tuples_are_accepted_as_from_a_config_file():
    assert gc_threshold((100, 5, 5)) == (100, 5, 5)
    assert gc_threshold(None) is None
