"""Reading an upload off the event loop: the file is parsed in a thread of its own within a
time budget, so that a slow file does not hold up the other requests, and at most
:data:`MAX_PARSES` files are read at a time."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from fastapi import HTTPException

from guaranty.errors import ScenarioError

__all__ = ["MAX_PARSES", "PARSE_TIMEOUT", "Reader"]

#: seconds an upload may take to be read and checked (then 422)
PARSE_TIMEOUT = 10.0
#: uploads read at a time (one that overran its time keeps its thread until it ends)
MAX_PARSES = 2
log = logging.getLogger("guaranty.web")


class Reader:
    """Runs the reading of uploads, each within ``timeout`` seconds."""

    def __init__(self, timeout: float = PARSE_TIMEOUT) -> None:
        self.timeout = timeout
        self._reading = 0  # uploads being read, an overrun one included until its thread ends
        self._lock = threading.Lock()

    async def off_loop(self, fn: Callable[[], Any], filename: str) -> Any:
        """``fn()`` in a thread of its own, waited for at most ``timeout`` seconds; the
        event loop answers other requests meanwhile. A daemon thread, not a pool's: one that
        overran its time can neither hold up a pool nor the end of the process. 429 if
        :data:`MAX_PARSES` uploads are being read; a :class:`ScenarioError` on time out."""
        with self._lock:
            if self._reading >= MAX_PARSES:
                raise HTTPException(
                    429, f"{MAX_PARSES} uploads are being read; try again in a few seconds"
                )
            self._reading += 1
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()
        try:
            threading.Thread(
                target=self._work, args=(fn, loop, done), name="guaranty-parse", daemon=True
            ).start()
        except RuntimeError:
            self._finished()
            raise
        try:
            return await asyncio.wait_for(done, self.timeout)
        except TimeoutError:
            log.warning("reading the upload %s took over %g s: refused", filename, self.timeout)
            raise ScenarioError(
                f"reading the file took longer than {self.timeout:g} s: it is too large or "
                "too complex for the workbench (YAML aliases that expand to a huge document, "
                "say)",
                file=filename,
            ) from None

    def _finished(self) -> None:
        with self._lock:
            self._reading -= 1

    def _work(
        self, fn: Callable[[], Any], loop: asyncio.AbstractEventLoop, done: asyncio.Future[Any]
    ) -> None:
        """The reading thread: ``fn()``, its value or exception handed to ``done``."""
        value, error = None, None
        try:
            value = fn()
        except BaseException as exc:  # handed to the request, answered as usual
            error = exc
        finally:
            self._finished()
        try:
            loop.call_soon_threadsafe(_settle, done, value, error)
        except RuntimeError:  # the event loop is gone: nobody waits for it
            pass


def _settle(done: asyncio.Future[Any], value: Any, exc: BaseException | None) -> None:
    if done.done():  # the request gave up waiting (time out, disconnect)
        return
    if exc is not None:
        done.set_exception(exc)
    else:
        done.set_result(value)
