"""A reproducible, unsteerable lottery for 双随机、一公开 (random inspection).

``draw(seed, items, k)`` orders the items by ``sha256(seed + "\\n" + item)``
(hex, ascending) and takes the first ``k``. Anyone holding the published seed
and the directory can re-draw and get the same result with any sha256 tool;
no random-number generator of a particular language is involved.

Nobody chooses the seed (commit, then reveal):

1. the plan is fixed first: item, target directory, count, inspector pool;
   its digest is ``sha256`` of :func:`canonical` (sorted keys, UTF-8, no spaces);
2. at plan time the server draws a random value ``r`` and publishes only the
   commitment ``sha256(r)`` with the plan digest;
3. at the draw ``r`` is revealed; the seed is ``sha256(plan_digest + "\\n" + r)``
   (:func:`derive_seed`), so neither the planner nor the server can pick it
   after seeing the plan, and the seed binds to exactly this plan.

:func:`redraw` is what a member of the public does with the published plan and ``r``. Pool members
excluded at the draw (published with the reveal, each with its reason: a certificate no longer valid, an
inactive officer, a recusal) are left out of the inspector draw: :func:`draw_pool`.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

#: the second draw of a plan (inspectors) uses this suffix on the seed
INSPECTORS_SUFFIX = ":inspectors"
INSPECTORS_PER_TEAM = 2


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def ticket(seed: str, item: str) -> str:
    return _sha256(f"{seed}\n{item}")


def draw(seed: str, items: Sequence[str], k: int) -> list[str]:
    """The ``k`` items drawn for ``seed`` (all of them, in draw order, when k >= len(items)).

    Raises:
        ValueError: empty seed, negative k, or duplicate items (a directory lists each once).
    """
    if not str(seed).strip():
        raise ValueError("the lottery needs a non-empty seed")
    k = int(k)
    if k < 0:
        raise ValueError("k must not be negative")
    names = [str(i) for i in items]
    if len(set(names)) != len(names):
        raise ValueError("the directory lists an item twice")
    return sorted(names, key=lambda item: ticket(str(seed), item))[:k]


def canonical(plan: dict[str, Any]) -> str:
    """The plan as canonical JSON: sorted keys, UTF-8 text, no insignificant spaces."""
    return json.dumps(plan, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def plan_digest(plan: dict[str, Any]) -> str:
    return _sha256(canonical(plan))


def commitment(reveal: str) -> str:
    """What is published at plan time for the server random value ``reveal``."""
    return _sha256(reveal)


def derive_seed(digest: str, committed: str, reveal: str) -> str:
    """The seed of the plan with ``digest``, from its revealed server random value.

    Raises:
        ValueError: ``reveal`` does not match the commitment published with the plan.
    """
    if not reveal or commitment(str(reveal)) != committed:
        raise ValueError("the revealed value does not match the commitment published with the plan")
    return _sha256(f"{digest}\n{reveal}")


def draw_pool(pool: Sequence[str], excluded: Sequence[str] = ()) -> list[str]:
    """The inspector pool the draw uses: the plan's pool, in its order, less the members ``excluded`` at the draw."""
    out = set(excluded)
    return [str(name) for name in pool if str(name) not in out]


def redraw(plan: dict[str, Any], committed: str, reveal: str, excluded: Sequence[str] = ()) -> dict[str, Any]:
    """Re-draw a published plan (``target_list``, ``target_count``, ``inspector_pool``) from its revealed value,
    the inspectors from the pool less the members ``excluded`` at the draw (published with the reveal)."""
    seed = derive_seed(plan_digest(plan), committed, reveal)
    pool = draw_pool(plan["inspector_pool"], excluded)
    return {"seed": seed, "pool": pool,
            "targets": draw(seed, plan["target_list"], plan["target_count"]),
            "inspectors": draw(seed + INSPECTORS_SUFFIX, pool, INSPECTORS_PER_TEAM)}
