"""JSON over HTTP to the sandbox on loopback, with the standard library only (no proxies: it is 127.0.0.1)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class HttpAnswer:
    def __init__(self, status: int, body: Any) -> None:
        self.status = status
        self.body = body


def request(endpoint: str, path: str, payload: dict[str, Any] | None = None, *, timeout: float = 30.0,
            method: str | None = None, token: str = "") -> HttpAnswer:
    """GET (no payload) or POST a JSON payload; the decoded JSON answer, whatever its status. OSError if unreachable.

    ``token`` is the sandbox's per-start token, which its own routes (/_sandbox/…) require.
    """
    data = None if payload is None else json.dumps(payload).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if token:
        headers["X-Sandbox-Token"] = token
    req = urllib.request.Request(endpoint.rstrip("/") + path, data=data, method=method or ("GET" if data is None else "POST"),
                                 headers=headers)
    try:
        with _OPENER.open(req, timeout=timeout) as answer:
            status, raw = answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        body = {"error": {"message": raw[:200].decode("utf-8", "replace"), "code": "http"}}
    return HttpAnswer(status, body)
