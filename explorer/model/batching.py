"""Concurrent requests for the same model share one forward pass.

A lecture hall opening the same link, or a program sending many images at once, asks for many forward passes of
one model at the same moment. Each request hands its own preprocessed image to `Batcher.run` and gets its own
result back; underneath, the requests that arrive while a pass of that model is running wait for it and then go
through together, up to `max_batch` at a time. A lone request runs at once and waits for nothing, and requests
for different models never share a batch.

Decoding and preprocessing stay with each request (a bad image fails its own request only); if a batch itself
fails, each of its requests gets the error.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Callable, Generic, Hashable, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(eq=False)  # jobs are told apart by identity (their items may be tensors)
class Job(Generic[In, Out]):
    item: In
    result: Out | None = None
    error: BaseException | None = None
    finished: bool = False


@dataclass
class Batcher:
    """`run(key, item, run_batch)`: run_batch(items) -> results, one per item, in order; called for up to
    `max_batch` items of the same key at once, never for two batches of one key at the same time."""

    max_batch: int = 8
    pending: dict[Hashable, list[Job]] = field(default_factory=lambda: defaultdict(list))
    running: set[Hashable] = field(default_factory=set)
    changed: threading.Condition = field(default_factory=threading.Condition)
    # the size of every batch run (the last 1000), for benchmarks and tests
    sizes: list[int] = field(default_factory=list)

    def run(self, key: Hashable, item: In, run_batch: Callable[[list[In]], list[Out]]) -> Out:
        job: Job[In, Out] = Job(item)
        with self.changed:
            self.pending[key].append(job)
            while not job.finished and key in self.running:  # a batch of this model is running: wait for it
                self.changed.wait()
            if job.finished:  # a batch that ran meanwhile took this job with it
                return self.answer(job)
            # This request leads the next batch: itself first, then whoever has waited longest.
            others = [j for j in self.pending[key] if j is not job][: self.max_batch - 1]
            batch = [job, *others]
            self.pending[key] = [j for j in self.pending[key] if j not in batch]
            self.running.add(key)
            self.sizes = [*self.sizes[-999:], len(batch)]
        try:
            results = run_batch([j.item for j in batch])
            for j, result in zip(batch, results, strict=True):
                j.result = result
        except BaseException as exc:  # noqa: BLE001 - handed to every request of the batch, raised in each
            for j in batch:
                j.error = exc
        finally:
            with self.changed:
                for j in batch:
                    j.finished = True
                self.running.discard(key)
                if not self.pending[key]:
                    del self.pending[key]
                self.changed.notify_all()
        return self.answer(job)

    @staticmethod
    def answer(job: Job[Any, Out]) -> Out:
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]
