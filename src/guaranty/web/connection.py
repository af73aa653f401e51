"""The workbench's connection to the results store: one DuckDB connection per process, lent
to concurrent requests, and let go once the app has been idle for :data:`IDLE_CLOSE` seconds
so that ``guaranty run`` in another process can take the file's lock.

Connecting to one file from many threads at once conflicts, hence one connection whose
cursors the requests borrow (:meth:`SharedStore.open`)."""

from __future__ import annotations

import logging
import re
import threading

from fastapi import HTTPException

from guaranty.errors import GuarantyError
from guaranty.store import Store

__all__ = ["IDLE_CLOSE", "SharedStore"]

#: seconds without a request after which the app lets go of the store file
IDLE_CLOSE = 1.0
log = logging.getLogger("guaranty.web")


class SharedStore:
    """The store at ``path``, opened on the first request and closed when idle."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._st: Store | None = None
        self._users = 0
        self._generation = 0
        self._lock = threading.Lock()

    def open(self) -> Store:
        """A store for one request (use it in a ``with`` block): a cursor of the shared
        connection, opened now if need be. 503 if the store cannot be opened."""
        with self._lock:
            if self._st is None:
                try:
                    self._st = Store(self.path, create=False)
                except GuarantyError as exc:
                    log.warning("cannot open the results store: %s", exc)
                    if re.search(r"\block\b", str(exc), re.IGNORECASE):
                        message = (
                            "the results store is busy: another process (a 'guaranty run', "
                            "say) is writing to it; try again when it has finished"
                        )
                    else:
                        message = "the results store cannot be opened; the server's log says why"
                    raise HTTPException(503, message) from None
            self._users += 1
            self._generation += 1
            base = self._st
        return _Borrowed(base, self)

    def close(self) -> None:
        """Close the connection now if no request uses it (at the app's shutdown)."""
        with self._lock:
            if self._st is not None and self._users == 0:
                self._st.close()
                self._st = None

    def _returned(self) -> None:
        """A borrowed store was closed: once none is in use, close the connection after
        :data:`IDLE_CLOSE` seconds unless a request comes meanwhile."""
        with self._lock:
            self._users -= 1
            if self._users == 0:
                self._generation += 1
                timer = threading.Timer(IDLE_CLOSE, self._close_if_idle, args=(self._generation,))
                timer.daemon = True
                timer.start()

    def _close_if_idle(self, generation: int) -> None:
        with self._lock:
            if self._users == 0 and self._generation == generation and self._st:
                self._st.close()
                self._st = None


class _Borrowed(Store):
    """A cursor of the shared connection, given back when closed."""

    def __init__(self, base: Store, owner: SharedStore) -> None:
        self.path = base.path
        self.con = base.con.cursor()
        self._owner = owner

    def close(self) -> None:
        self.con.close()
        self._owner._returned()
