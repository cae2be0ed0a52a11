"""How long work tells its caller how far it is: a `Progress` callback, and a terminal progress bar that is one."""
from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Callable, Iterator

Progress = Callable[[int, int], None]  # (done, total)


@contextmanager
def progress_bar(desc: str, unit: str, total: int | None = None, disable: bool | None = False) -> Iterator[Progress]:
    """A tqdm bar on stderr while the context is open, as a `Progress` callback (disable=None: only on a terminal)."""
    from tqdm import tqdm  # only the commands that draw a bar need it

    with tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, disable=disable) as bar:
        def update(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield update
