"""A Jupyter server extension: the attendee's workshop status, read-only, at ``<server base>/workshop/status``.

Who may read it (under JupyterHub only): the attendee (what their server accepts), and a holder of the hub scope
``custom:workshop-status:read`` for this user, which the facilitator's service has. That scope opens this
one route and nothing else of the server: no files, kernels or terminals. The answer is a small JSON record
(workshop_lib.event.progress.Progress): the last pass of checks, re-checked in the background when older than
``WORKSHOP_STATUS_MAX_AGE`` seconds; ``?fresh=1`` waits for a new pass.

Enable it with ``--ServerApp.jpserver_extensions=workshop_lib.event.server_ext=True`` (the hub configs in
deploy/ do), or ``jupyter server extension enable workshop_lib.event.server_ext`` in an image.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

STATUS_SCOPE = "custom:workshop-status:read"
ROUTE = "workshop/status"
DEFAULT_MAX_AGE = 10.0


class StatusCache:
    """The last status and when it was checked; one pass of checks at a time.

    A facilitator's look is answered at once from the last pass; a pass older than ``max_age`` seconds starts
    a new one in the background, which the next look shows (its ``checked_at`` says when). ``fresh`` waits for
    a new pass instead. So a facilitator never waits for the attendee's checks, and refreshing often costs the
    attendee's sandbox at most one pass per ``max_age``.
    """

    def __init__(self, max_age: float) -> None:
        self.max_age = max_age
        self._lock = threading.Lock()
        self._value: dict | None = None
        self._at = 0.0
        self._pending: Future | None = None
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="workshop-status")

    def _check(self) -> dict:
        with self._lock:
            from workshop_lib.event.progress import current_progress

            self._value, self._at = current_progress().as_dict(), time.monotonic()
            return self._value

    def _stale(self) -> bool:
        return time.monotonic() - self._at >= self.max_age

    async def get(self, fresh: bool = False) -> dict:
        if fresh or self._value is None:
            return await asyncio.wrap_future(self._pool.submit(self._check))
        if self._stale() and (self._pending is None or self._pending.done()):
            self._pending = self._pool.submit(self._check)
        return self._value

    def warm_up(self, poll: float = 15.0) -> None:
        """Once, in the background: import what the checks need, wait for the attendee's sandbox, and check once,
        so the facilitator's first look finds the AWS clients made (about 1.5 s of model loading, otherwise paid
        then). One pass of checks per server; polling is one small file read every ``poll`` seconds."""

        def work() -> None:
            import boto3  # noqa: F401

            from workshop_lib.chapters import all_chapters
            from workshop_lib.event.progress import ready_to_check

            all_chapters()
            while not ready_to_check():
                time.sleep(poll)
            with contextlib.suppress(Exception):  # a failing check is reported when someone asks, not here
                self._check()

        threading.Thread(target=work, name="workshop-status-warm-up", daemon=True).start()


def _handler_class():
    from tornado import web

    class WorkshopStatusHandler(web.RequestHandler):
        """GET only; answers 403 to anyone who is neither the attendee nor a holder of the status scope."""

        def initialize(self, cache: StatusCache) -> None:
            self.cache = cache

        async def _may_read(self) -> bool:
            hub_auth = getattr(self.settings.get("identity_provider"), "hub_auth", None)
            if hub_auth is None:  # a plain Jupyter server, not started by a hub: there is no facilitator
                return False
            model = await hub_auth.get_user(self, sync=False)
            if not model:
                return False
            user = os.environ.get("JUPYTERHUB_USER", "")
            needed = {f"{STATUS_SCOPE}!user={user}"} | set(hub_auth.access_scopes)
            return bool(hub_auth.check_scopes(needed, model))

        async def get(self) -> None:
            if not await self._may_read():
                raise web.HTTPError(403, "This token may not read this attendee's workshop status.")
            self.set_header("Content-Type", "application/json")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps(await self.cache.get(fresh=self.get_argument("fresh", "") == "1")))

    return WorkshopStatusHandler


def _jupyter_server_extension_points() -> list[dict]:
    return [{"module": "workshop_lib.event.server_ext"}]


def _load_jupyter_server_extension(serverapp) -> None:
    from jupyter_server.utils import url_path_join

    max_age = float(os.environ.get("WORKSHOP_STATUS_MAX_AGE", DEFAULT_MAX_AGE))
    route = url_path_join(serverapp.web_app.settings["base_url"], ROUTE)
    cache = StatusCache(max_age)
    serverapp.web_app.add_handlers(".*$", [(route, _handler_class(), {"cache": cache})])
    cache.warm_up()
    serverapp.log.info("workshop status served at %s", route)
