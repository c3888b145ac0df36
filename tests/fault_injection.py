"""Make AWS calls fail the way real networks and services do, for tests and benchmarks.

Faults go in through botocore's ``before-send`` event on the session factory's session, so every
client the workshop makes sees them and botocore's own retry mode handles them exactly as it would
real ones. A fault answers with the service's own error format (query XML, JSON, REST-JSON), or
raises the connection error botocore would raise; ``read_timeout`` really sends the request first,
so the service acts on it and only the answer is lost (the hardest case for get-or-create).

    with inject([Fault("throttling")]) as faults:   # every call's first attempt is throttled
        step.perform(ctx)
    faults.injected, faults.attempts                 # what happened, per call
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

# Transient: botocore retries them and the call succeeds. Permanent: the call fails, the step says why.
TRANSIENT_KINDS = ("throttling", "server_error", "connect_timeout", "connection_reset", "read_timeout")
PERMANENT_KINDS = ("access_denied",)
KINDS = TRANSIENT_KINDS + PERMANENT_KINDS

# The IAM action prefix of each service (what a denial names), where it differs from the service id.
ACTION_PREFIX = {"sso-admin": "sso"}
READ_PREFIXES = ("Describe", "List", "Get", "Search", "Is", "Simulate")

_PROTOCOL = {"iam": "query", "sts": "query", "connect": "rest-json", "identitystore": "json", "sso-admin": "json", "organizations": "json"}
_THROTTLE = {  # (HTTP status, error code) as each service sends them
    "iam": (400, "Throttling"),
    "sts": (400, "Throttling"),
    "connect": (429, "ThrottlingException"),
    "identitystore": (400, "ThrottlingException"),
    "sso-admin": (400, "ThrottlingException"),
    "organizations": (400, "TooManyRequestsException"),
}
_DENIED_CODE = {"iam": "AccessDenied", "sts": "AccessDenied"}
_CALLER = "arn:aws:sts::123456789012:assumed-role/WorkshopLearner/learner"
_ATTEMPT = re.compile(r"attempt=(\d+)")


def action_name(service: str, operation: str) -> str:
    """The IAM action of an API operation, e.g. ``sso:CreateApplicationAssignment``."""
    return f"{ACTION_PREFIX.get(service, service)}:{operation}"


def is_write(operation: str) -> bool:
    return not operation.startswith(READ_PREFIXES)


@dataclass(frozen=True)
class Fault:
    """A fault for calls matching ``operation`` (``*``, ``CreateRole``, ``iam:*``, ``iam:CreateRole`` or ``write``).

    ``attempts`` is how many attempts of each matching call fail before it is let through; None makes the
    fault permanent (every attempt fails, so botocore gives up and the step must explain it).
    """

    kind: str
    operation: str = "*"
    attempts: Optional[int] = 1

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {', '.join(KINDS)}")

    @property
    def permanent(self) -> bool:
        return self.attempts is None

    def matches(self, service: str, operation: str) -> bool:
        pattern = self.operation
        if pattern == "*":
            return True
        if pattern == "write":
            return is_write(operation)
        if ":" in pattern:
            svc, _, op = pattern.partition(":")
            return svc in (service, ACTION_PREFIX.get(service, service)) and op in ("*", operation)
        return pattern == operation


@dataclass(frozen=True)
class Injected:
    service: str
    operation: str
    kind: str
    attempt: int


@dataclass
class Injector:
    """The ``before-send`` handler: counts every attempt and fails the ones its faults select."""

    faults: list[Fault]
    # Optional hook after each attempt is decided: (service, operation, attempt, injected kind or None).
    observer: Optional[Callable[[str, str, int, Optional[str]], None]] = None
    # Optional chooser consulted before ``faults``: (service, operation, attempt) -> a kind, or None.
    choose: Optional[Callable[[str, str, int], Optional[str]]] = None
    injected: list[Injected] = field(default_factory=list)
    attempts: Counter = field(default_factory=Counter)  # (service, operation) -> attempts sent
    calls: Counter = field(default_factory=Counter)  # (service, operation) -> calls (first attempts)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _http: Any = field(default=None, repr=False)

    def __call__(self, request: Any, event_name: str = "", **kwargs: Any) -> Any:
        _, service, operation = (event_name.split(".") + ["", "", ""])[:3]
        attempt = _attempt_number(request)
        with self._lock:
            self.attempts[(service, operation)] += 1
            if attempt == 1:
                self.calls[(service, operation)] += 1
            kind = self.choose(service, operation, attempt) if self.choose is not None else None
            if kind is None:
                fault = next((f for f in self.faults if f.matches(service, operation) and (f.permanent or attempt <= f.attempts)), None)
                kind = fault.kind if fault is not None else None
            if kind is not None:
                self.injected.append(Injected(service, operation, kind, attempt))
        if self.observer is not None:
            self.observer(service, operation, attempt, kind)
        if kind is None:
            return None
        return self._fail(kind, service, operation, request)

    # ---- the faults themselves -----------------------------------------------------------------
    def _fail(self, kind: str, service: str, operation: str, request: Any) -> Any:
        import botocore.exceptions as bx

        url = getattr(request, "url", "")
        if kind == "connect_timeout":
            raise bx.ConnectTimeoutError(endpoint_url=url, error="timed out")
        if kind == "connection_reset":
            raise bx.ConnectionClosedError(endpoint_url=url, request=request)
        if kind == "read_timeout":
            self._send_and_drop(request)
            raise bx.ReadTimeoutError(endpoint_url=url, error="Read timed out.")
        if kind == "throttling":
            status, code = _THROTTLE.get(service, (400, "ThrottlingException"))
            return _error_response(service, url, status, code, "Rate exceeded")
        if kind == "server_error":
            return _error_response(service, url, 503, "ServiceUnavailable", "Service is unavailable. Please try again later.")
        if kind == "access_denied":
            code = _DENIED_CODE.get(service, "AccessDeniedException")
            if service == "connect":  # Connect does not name the action
                message = "You do not have sufficient access to perform this action."
            else:
                action = action_name(service, operation)
                message = f"User: {_CALLER} is not authorized to perform: {action} because no identity-based policy allows the {action} action"
            return _error_response(service, url, 403 if service in ("connect", "iam", "sts") else 400, code, message)
        raise ValueError(kind)

    def _send_and_drop(self, request: Any) -> None:
        """Deliver the request for real (the service acts on it), then lose the answer."""
        from botocore.httpsession import URLLib3Session

        with self._lock:
            if self._http is None:
                self._http = URLLib3Session(timeout=30)
            http = self._http
        try:
            http.send(request).content  # noqa: B018 - read it all so the connection is released
        except Exception:  # noqa: BLE001 - the caller sees a timeout either way
            pass

    # ---- summaries -----------------------------------------------------------------------------
    def injected_for(self, service: str, operation: str) -> int:
        return sum(1 for i in self.injected if (i.service, i.operation) == (service, operation))

    def retried_calls(self) -> dict[tuple[str, str], int]:
        """Calls that needed more than one attempt: (service, operation) -> attempts beyond the first."""
        return {k: n - self.calls[k] for k, n in self.attempts.items() if n > self.calls[k]}


def _attempt_number(request: Any) -> int:
    headers = getattr(request, "headers", {}) or {}
    value = headers.get("amz-sdk-request") or b""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    found = _ATTEMPT.search(value)
    return int(found.group(1)) if found else 1


def _error_response(service: str, url: str, status: int, code: str, message: str) -> Any:
    from botocore.awsrequest import AWSResponse

    protocol = _PROTOCOL.get(service, "json")
    headers = {"x-amzn-RequestId": "00000000-fault-0000-0000-000000000000"}
    if protocol == "query":
        body = (
            f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{_xml(message)}</Message></Error>"
            "<RequestId>00000000-fault-0000-0000-000000000000</RequestId></ErrorResponse>"
        ).encode()
        headers["Content-Type"] = "text/xml"
    elif protocol == "rest-json":
        body = json.dumps({"message": message}).encode()
        headers.update({"Content-Type": "application/json", "x-amzn-ErrorType": f"{code}:http://internal.amazon.com/"})
    else:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers["Content-Type"] = "application/x-amz-json-1.1"
    return AWSResponse(url, status, headers, _Raw(body))


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Raw:
    """Just enough of urllib3's response for AWSResponse to read the body."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        yield self._body


@contextlib.contextmanager
def _hooked(event: str, handler: Callable, target: Any = None) -> Iterator[None]:
    """Register ``handler`` on the session factory's session for the block.

    Clients are cached with a copy of their session's handlers, so the cached clients are dropped on
    the way in and out: clients made inside the block carry the handler, clients made afterwards do not.
    """
    from workshop_lib import settings as settings_mod
    from workshop_lib.aws.session import forget_clients, resolve_target, session_for

    session = session_for(target or resolve_target(settings_mod.load()))
    unique = f"workshop-fault-{id(handler)}"
    session.events.register(event, handler, unique_id=unique)
    forget_clients(keep_sessions=True)
    try:
        yield
    finally:
        session.events.unregister(event, handler, unique_id=unique)
        forget_clients(keep_sessions=True)


@contextlib.contextmanager
def inject(faults: list[Fault] | Fault = (), *, target: Any = None, observer: Callable | None = None,
           choose: Callable | None = None, instant: bool = True) -> Iterator[Injector]:
    """Fail AWS calls made through the session factory while inside the block.

    With ``instant`` (the default) retries do not wait (see :func:`instant_retries`).
    """
    injector = Injector(list(faults) if isinstance(faults, (list, tuple)) else [faults], observer=observer, choose=choose)
    with (instant_retries() if instant else contextlib.nullcontext()), _hooked("before-send", injector, target):
        yield injector


@dataclass
class Interrupter:
    """An ``after-call`` handler: once a matching call has succeeded, ``act`` runs before the caller sees the answer.

    That is the moment between a Create call and the ledger write: ``act`` may raise KeyboardInterrupt
    (an interrupted kernel), or SIGKILL the process (a crashed or closed one).
    """

    select: Callable[[str, str], bool]
    act: Callable[[str, str], None]
    fired: list[tuple[str, str]] = field(default_factory=list)
    armed: bool = True

    def __call__(self, http_response: Any = None, event_name: str = "", **kwargs: Any) -> None:
        _, service, operation = (event_name.split(".") + ["", "", ""])[:3]
        if not self.armed or http_response is None or http_response.status_code >= 300 or not self.select(service, operation):
            return
        self.fired.append((service, operation))
        self.act(service, operation)


@contextlib.contextmanager
def interrupt_after(select: Callable[[str, str], bool], act: Callable[[str, str], None], *, target: Any = None) -> Iterator[Interrupter]:
    """Run ``act`` right after each successful call that ``select(service, operation)`` picks."""
    interrupter = Interrupter(select, act)
    with _hooked("after-call", interrupter, target):
        yield interrupter


@contextlib.contextmanager
def instant_retries() -> Iterator[None]:
    """Retry at once instead of waiting (tests and benchmarks).

    botocore still decides what is retried and how often; only the waiting is skipped: the backoff
    delay between attempts and adaptive mode's client-side send-rate limit, which after a burst of
    throttling slows a client to half a request per second and would make a fault suite take minutes.
    """
    from botocore.retries import adaptive, standard

    delay = standard.ExponentialBackoff.delay_amount
    limiter = adaptive.ClientRateLimiter.on_sending_request
    standard.ExponentialBackoff.delay_amount = lambda self, context: 0.0  # type: ignore[method-assign]
    adaptive.ClientRateLimiter.on_sending_request = lambda self, request, **kwargs: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        standard.ExponentialBackoff.delay_amount = delay  # type: ignore[method-assign]
        adaptive.ClientRateLimiter.on_sending_request = limiter  # type: ignore[method-assign]
