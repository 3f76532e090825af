"""Bounded concurrency for server work: at most `workers` requests in flight and only a few more
items read ahead, so a large input is never held whole; the first failure stops the rest."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

Item = TypeVar("Item")


def run_bounded(items: Iterable[Item], work: Callable[[Item], None], workers: int) -> None:
    workers = max(1, workers)
    pending: set[Future[None]] = set()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        try:
            for item in items:
                if len(pending) >= 2 * workers:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        future.result()
                pending.add(pool.submit(work, item))
            for future in pending:
                future.result()
        except BaseException:
            for future in pending:
                future.cancel()
            raise
