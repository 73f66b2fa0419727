"""Hot workflows: a server process keeps the workflows it stepped recently, so the next step does not
deserialize them.

An entry is keyed by the instance id and valid for one ``row_version`` of the instance row (SQLAlchemy's
``version_id_col``: every committed change of the row bumps it, whichever process made it) together with the head of
the case's history (``last_hash``, chained over every event): a database brought back to an earlier state (a
failover that lost the last commits, a restore) can reach the same row version again along another history, and the
workflow cached for the first must not serve the second. The rules:

* a step **takes** the workflow out of the cache (:func:`take`): while it runs, no other request of this
  process can get it, and if the step fails after mutating it, the mutated workflow is simply dropped;
* the save **stages** it (:func:`stage`); only when the transaction has committed is it put back, under the
  row version the commit wrote. A rollback drops it;
* a row version that is not the cached one (another process stepped the case, a restart) is a cold load;
* a commit that changes the instance row without saving a workflow (a claim, an event on the case's stream)
  moves the cached entry to the new version, since the stored workflow did not change;
* read-only paths :func:`peek` and leave the entry where it is.

One cache per Flask app (``app.extensions``), bounded (``HOT_WORKFLOWS``, least recently used out first).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ..models import Instance

_PENDING = "sanxiang_hot_pending"  # instance id -> (instance, bundle key, workflow): saved in this transaction
_TOUCHED = "sanxiang_hot_touched"  # instance id -> (instance, version before the flush): changed without a save
_VERSIONS = "sanxiang_hot_versions"  # instance id -> the row version the last flush wrote
_CACHE = "sanxiang_hot"


@dataclass
class Entry:
    row_version: Hashable  # (row_version, last_hash) of the instance row: see the module doc
    bundle_key: str
    workflow: Any


class HotCache:
    """A bounded LRU of workflows by instance id; thread-safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[int, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def take(self, instance_id: int, row_version: Hashable, bundle_key: str) -> Any | None:
        with self._lock:
            entry = self._entries.pop(instance_id, None)
            if entry is None or entry.row_version != row_version or entry.bundle_key != bundle_key:
                self.misses += 1
                return None
            self.hits += 1
            return entry.workflow

    def peek(self, instance_id: int, row_version: Hashable, bundle_key: str) -> Any | None:
        with self._lock:
            entry = self._entries.get(instance_id)
            if entry is None or entry.row_version != row_version or entry.bundle_key != bundle_key:
                return None
            self._entries.move_to_end(instance_id)
            return entry.workflow

    def put(self, instance_id: int, row_version: Hashable, bundle_key: str, workflow: Any) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[instance_id] = Entry(row_version, bundle_key, workflow)
            self._entries.move_to_end(instance_id)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def rekey(self, instance_id: int, old: Hashable, new: Hashable) -> None:
        with self._lock:
            entry = self._entries.get(instance_id)
            if entry is not None and entry.row_version == old:
                entry.row_version = new

    def drop(self, instance_id: int) -> None:
        with self._lock:
            self._entries.pop(instance_id, None)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, instance_id: int) -> bool:
        return instance_id in self._entries


def cache() -> HotCache:
    """This app's cache (made on first use, sized by ``HOT_WORKFLOWS``)."""
    found = current_app.extensions.get(_CACHE)
    if found is None:
        found = current_app.extensions[_CACHE] = HotCache(int(current_app.config.get("HOT_WORKFLOWS", 256)))
    return found


def version_of(instance: Instance) -> tuple[Any, Any]:
    """The key an entry is valid for: the row's version and its history's head (see the module doc)."""
    return instance.row_version, instance.last_hash


def take(instance: Instance, bundle_key: str) -> Any | None:
    """The cached workflow of this instance row, taken out of the cache; None: load it cold."""
    return cache().take(instance.id, version_of(instance), bundle_key)


def peek(instance: Instance, bundle_key: str) -> Any | None:
    """The cached workflow for reading only (it stays in the cache: do not change it)."""
    return cache().peek(instance.id, version_of(instance), bundle_key)


def stage(session: Session, instance: Instance, bundle_key: str, workflow: Any) -> None:
    """Put ``workflow`` back in the cache once this transaction commits (see the module doc)."""
    session.info.setdefault(_PENDING, {})[instance.id] = (instance, bundle_key, workflow)
    session.info.setdefault(_TOUCHED, {}).pop(instance.id, None)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    pending = session.info.get(_PENDING, {})
    touched = session.info.setdefault(_TOUCHED, {})
    for obj in session.dirty:
        if isinstance(obj, Instance) and obj.id not in pending and obj.id not in touched:
            # the key as committed: a head appended in this transaction is already in the object's attribute
            head = inspect(obj).committed_state.get("last_hash", obj.__dict__.get("last_hash"))
            touched[obj.id] = (obj, (obj.__dict__.get("row_version"), head))


@event.listens_for(Session, "after_flush_postexec")
def _after_flush(session: Session, _context: Any) -> None:
    versions = session.info.setdefault(_VERSIONS, {})
    for iid, (instance, *_rest) in {**session.info.get(_TOUCHED, {}), **session.info.get(_PENDING, {})}.items():
        version = instance.__dict__.get("row_version")
        if version is not None:
            versions[iid] = (version, instance.__dict__.get("last_hash"))


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, {})
    touched = session.info.pop(_TOUCHED, {})
    versions = session.info.pop(_VERSIONS, {})
    if not (pending or touched) or not has_app_context():
        return
    hot = cache()
    for iid, (_instance, bundle_key, workflow) in pending.items():
        if iid in versions:
            hot.put(iid, versions[iid], bundle_key, workflow)
    for iid, (_instance, old) in touched.items():
        if iid not in pending and old[0] is not None and iid in versions:
            hot.rekey(iid, old, versions[iid])


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    for key in (_PENDING, _TOUCHED, _VERSIONS):
        session.info.pop(key, None)
