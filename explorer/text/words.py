"""Words kept to be said later, in the language of whoever reads them then.

A loaded model is shared by every visitor (explorer.model.loading caches it), so what it keeps in words (where its
weights came from, why it stands in for another model) cannot be one language's text: it keeps a catalogue key
and its values, and is said when formatted (`str()`, an f-string, a value of `t()`), through explorer.text.i18n.t.

    source = Words("status.source.random", seed=0)
    f"{source}"        # "random init, seed 0" on the command line, "inicialización aleatoria, semilla 0" in Spanish

Words are a `str` whose characters are the English text: what a program reads that does not format them (JSON, a
comparison, `in`, `+`) is English, the same for every visitor, as the command line prints it.
"""
from __future__ import annotations

from typing import Any

from explorer.text.i18n import speaking, t


class Words(str):
    """A catalogue key with its values (a value may be Words too): English as a str, said in the current language
    when formatted."""

    key: str
    values: tuple[tuple[str, Any], ...]

    def __new__(cls, key: str, /, **values: Any) -> Words:
        with speaking("en"):
            english = t(key, **values)
        said = super().__new__(cls, english)
        said.key, said.values = key, tuple(sorted(values.items()))
        return said

    def __str__(self) -> str:
        return t(self.key, **dict(self.values))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return f"Words({self.key!r}, {', '.join(f'{k}={v!r}' for k, v in self.values)})"

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:  # copied and pickled as Words, not as English
        return (self.key,), dict(self.values)
