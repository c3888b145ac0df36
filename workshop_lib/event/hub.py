"""A small client of JupyterHub's REST API: attendees, their servers, and their workshop status.

The facilitator's view needs one hub API token with the scopes of ``FACILITATOR_SCOPES`` and nothing else.
REST API reference: https://jupyterhub.readthedocs.io/en/stable/reference/rest-api.html
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from workshop_lib.errors import WorkshopError
from workshop_lib.event.progress import Progress

# What the facilitator's token may do: list attendees and see whether their servers run, and read each one's
# workshop status through the status route. It cannot open a server's files, kernels or terminals.
FACILITATOR_SCOPES = ["list:users", "read:users:name", "read:servers", "custom:workshop-status:read"]
STATUS_ROUTE = "workshop/status"
PAGINATION = "application/jupyterhub-pagination+json"  # https://jupyterhub.readthedocs.io/en/stable/reference/rest-api.html
DEFAULT_HUB = "http://127.0.0.1:8000"


def hub_token() -> str:
    """The facilitator's hub API token, from the environment only (a command-line argument is visible to others)."""
    import os

    return os.environ.get("WORKSHOP_HUB_TOKEN") or os.environ.get("JUPYTERHUB_API_TOKEN", "")


class HubError(WorkshopError):
    kind = "hub"


@dataclass
class AttendeeStatus:
    """One row of the facilitator's view."""

    name: str
    server: str  # "ready", "starting", "stopping" or "stopped"
    progress: Progress | None = None
    problem: str = ""  # why the status could not be read
    seconds: float = 0.0  # the round trip to the attendee's server


class Hub:
    """``Hub("http://127.0.0.1:8000", token)``: the hub's public URL (its proxy) and an API token."""

    def __init__(self, url: str, token: str, timeout: float = 60.0) -> None:
        if not token:
            raise HubError("No hub API token was given.", fix="Set JUPYTERHUB_API_TOKEN to the facilitator's token (see docs/facilitators.md).")
        self.url = url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def request(self, method: str, path: str, body: dict | None = None, *, api: bool = True, accept: str = "application/json") -> tuple[int, object]:
        """(HTTP status, parsed JSON or None) for ``path`` under /hub/api/ (or under the hub's URL with api=False)."""
        url = f"{self.url}/hub/api/{path.lstrip('/')}" if api else f"{self.url}/{path.lstrip('/')}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"token {self._token}", "Accept": accept})
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as answer:
                return answer.status, _json(answer.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _json(exc.read())
        except (urllib.error.URLError, OSError) as exc:
            raise HubError(f"The hub at {self.url} did not answer ({getattr(exc, 'reason', exc)}).",
                           fix="Check the hub's address (the one attendees open) and that the hub is running.") from None

    def _ok(self, method: str, path: str, body: dict | None = None, expect: tuple[int, ...] = (200,), accept: str = "application/json") -> object:
        status, data = self.request(method, path, body, accept=accept)
        if status not in expect:
            message = data.get("message", "") if isinstance(data, dict) else ""
            if status == 403:
                raise HubError(f"The hub refused this token for {method} {path}: {message or 'missing scope'}.",
                               fix="Use the facilitator's token from the hub's configuration (docs/facilitators.md).")
            raise HubError(f"The hub answered {status} to {method} {path}: {message or 'no details'}.")
        return data

    # ---- attendees and servers ---------------------------------------------------------------------------
    def users(self) -> list[dict]:
        users: list[dict] = []
        offset = 0
        while True:  # the hub pages its user list (at most 200 a page); this Accept type asks for the page's links
            page = self._ok("GET", f"users?offset={offset}&limit=200", accept=PAGINATION)
            items = page.get("items", []) if isinstance(page, dict) else list(page or [])
            users += items
            if not isinstance(page, dict) or not (page.get("_pagination") or {}).get("next"):
                return users
            offset = page["_pagination"]["next"]["offset"]

    def stop_server(self, name: str) -> None:
        self._ok("DELETE", f"users/{urllib.parse.quote(name)}/server", expect=(202, 204, 400))

    def user(self, name: str) -> dict:
        return self._ok("GET", f"users/{urllib.parse.quote(name)}")  # type: ignore[return-value]

    def wait(self, names: list[str], ready: bool, timeout: float = 120.0) -> None:
        """Wait until every named attendee's default server is ready (or, with ready=False, gone)."""
        deadline = time.monotonic() + timeout
        waiting = list(names)
        while waiting:
            waiting = [n for n in waiting if _server_state(self.user(n)) != ("ready" if ready else "stopped")]
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise HubError(f"These servers did not {'start' if ready else 'stop'} within {timeout:.0f} s: {', '.join(waiting)}.",
                               fix="Look at the hub's log for their spawner's errors.")
            time.sleep(0.5)

    def token_for(self, name: str, note: str, scopes: list[str] | None = None, expires_in: int = 3600) -> str:
        body: dict = {"note": note, "expires_in": expires_in}
        if scopes is not None:
            body["scopes"] = scopes
        return self._ok("POST", f"users/{urllib.parse.quote(name)}/tokens", body, expect=(200, 201))["token"]  # type: ignore[index]

    # ---- the facilitator's view ----------------------------------------------------------------------------
    def server_url(self, user: dict) -> str:
        server = (user.get("servers") or {}).get("") or {}
        return f"{self.url}{server.get('url') or '/user/' + urllib.parse.quote(user['name']) + '/'}"

    def status_of(self, user: dict, fresh: bool = False) -> AttendeeStatus:
        """The attendee's last checked status (``fresh``: wait for their server to check again)."""
        state = _server_state(user)
        row = AttendeeStatus(user["name"], state)
        if state != "ready":
            return row
        started = time.perf_counter()
        route = self.server_url(user)[len(self.url):] + STATUS_ROUTE + ("?fresh=1" if fresh else "")
        status, data = self.request("GET", route, api=False)
        row.seconds = time.perf_counter() - started
        if status == 200 and isinstance(data, dict):
            row.progress = Progress.from_dict(data)
        elif status == 404:
            row.problem = "the server has no workshop status route (its image lacks workshop_lib.event.server_ext)"
        elif status == 403:
            row.problem = "the token may not read this status (it needs the custom:workshop-status:read scope)"
        else:
            row.problem = f"the server answered {status}"
        return row

    def statuses(self, fresh: bool = False, workers: int = 16) -> list[AttendeeStatus]:
        """Every attendee's status (admins and services left out), asked of their servers in parallel."""
        users = [u for u in self.users() if u.get("kind", "user") == "user" and not u.get("admin")]
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(users)))) as pool:
            return sorted(pool.map(lambda u: self.status_of(u, fresh), users), key=lambda r: r.name)


def _server_state(user: dict) -> str:
    server = (user.get("servers") or {}).get("")
    if not server:
        return "stopped"
    if server.get("ready"):
        return "ready"
    return "stopping" if server.get("stopped") or server.get("pending") == "stop" else "starting"


def _json(raw: bytes) -> object:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None
