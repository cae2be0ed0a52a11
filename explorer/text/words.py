"""Words kept to be said later, in the language of whoever reads them then.

A loaded model is shared by every visitor (explorer.model.loading caches it), so what it keeps in words (where its
weights came from, why it stands in for another model) cannot be one language's text: it keeps a catalogue key
and its values, and becomes text only when said (`str()`, an f-string), through explorer.text.i18n.t.

    source = Words("status.source.random", seed=0)
    f"{source}"        # "random init, seed 0" on the command line, "inicialización aleatoria, semilla 0" in Spanish
"""
from __future__ import annotations

from typing import Any

from explorer.text.i18n import t


class Words:
    """A catalogue key with its values (a value may be Words too), said when made into a string."""

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values: Any):
        self.key = key
        self.values = tuple(sorted(values.items()))  # hashable and ordered: Words can be part of a cache key

    def __str__(self) -> str:
        return t(self.key, **dict(self.values))

    def __repr__(self) -> str:
        return f"Words({self.key!r}, {', '.join(f'{k}={v!r}' for k, v in self.values)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Words) and (self.key, self.values) == (other.key, other.values)

    def __hash__(self) -> int:
        return hash((self.key, self.values))
