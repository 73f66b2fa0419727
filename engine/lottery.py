"""A reproducible lottery for 双随机、一公开 (random inspection).

``draw(seed, items, k)`` orders the items by ``sha256(seed + "\\n" + item)``
(hex, ascending) and takes the first ``k``. Anyone holding the published seed
and the directory can re-draw and get the same result with any sha256 tool;
no random-number generator of a particular language is involved.
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence


def ticket(seed: str, item: str) -> str:
    return hashlib.sha256(f"{seed}\n{item}".encode()).hexdigest()


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
