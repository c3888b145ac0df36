"""The one place that makes boto3 clients, for the sandbox or a real account.

Everything above this module is identical for both targets: only ``endpoint_url`` and the
credentials differ. Clients use botocore's adaptive retry mode and bounded timeouts.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workshop_lib.errors import AwsError, SandboxError

if TYPE_CHECKING:
    import boto3

    from workshop_lib.settings import Settings

# Services that live in Identity Center's home Region rather than the instance's Region.
IDC_SERVICES = frozenset({"sso-admin", "identitystore"})


@dataclass
class CallCounter:
    """API calls made through this factory, by service and operation (for reports and benchmarks)."""

    counts: dict[tuple[str, str], int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, model: Any = None, **kwargs: Any) -> None:
        if model is None:
            return
        key = (model.service_model.service_name, model.name)
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + 1

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def writes(self) -> int:
        """Calls that change something (anything not Describe/List/Get/Search/Is)."""
        read = ("Describe", "List", "Get", "Search", "Is", "Simulate")
        return sum(n for (svc, op), n in self.counts.items() if not op.startswith(read) and op != "GetCallerIdentity")

    def since(self, before: dict[tuple[str, str], int]) -> "CallCounter":
        """The calls made after ``before`` (a copy of ``counts`` taken earlier), as a counter of their own."""
        with self._lock:
            now = dict(self.counts)
        return CallCounter({k: n - before.get(k, 0) for k, n in now.items() if n != before.get(k, 0)})

    def by_name(self) -> dict[str, int]:
        """``{"service:Operation": count}``, sorted, for reports."""
        return {f"{svc}:{op}": n for (svc, op), n in sorted(self.counts.items())}

    def reset(self) -> None:
        with self._lock:
            self.counts.clear()


CALLS = CallCounter()


@dataclass(frozen=True)
class Target:
    """Where API calls go: the embedded sandbox, or a real account through a profile or the default chain."""

    kind: str  # "sandbox" or "aws"
    profile: str = ""
    endpoint_url: str = ""
    # The sandbox's own generated credentials (it verifies every request's signature); never a real account's.
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)


def resolve_target(settings: "Settings") -> Target:
    """The target the settings ask for; for the sandbox, where it is listening now."""
    if settings.target == "aws":
        return Target("aws", profile=settings.profile)
    return sandbox_target(os.environ.get("WORKSHOP_SANDBOX_ENDPOINT"))


def sandbox_target(endpoint: str | None = None) -> Target:
    """The running sandbox (or the one at ``endpoint``) as a Target, with its generated credentials.

    The sandbox verifies every request's signature, so a client needs its credentials, found beside its
    record (``sandbox.client.control.connection``): in WORKSHOP_SANDBOX_HOME, else WORKSHOP_HOME.
    """
    from workshop_lib.sandbox.client import control

    found = control.connection(endpoint)
    if found is None and endpoint:
        raise SandboxError(
            f"No sandbox started from this machine's workshop folders records the endpoint {endpoint}, so its "
            "credentials are unknown.",
            fix="Set WORKSHOP_SANDBOX_HOME to the WORKSHOP_HOME that sandbox was started in (or unset "
                "WORKSHOP_SANDBOX_ENDPOINT to use your own).",
        )
    if found is None:
        raise SandboxError(
            "The sandbox is not running, so there is nothing to talk to.",
            fix="Start it with `connect-sso-workshop sandbox start` (make lab does this for you), then re-run this cell.",
        )
    return Target("sandbox", endpoint_url=found.endpoint, access_key_id=found.credentials.access_key_id,
                  secret_access_key=found.credentials.secret_access_key)


_SESSIONS: dict[Target, "boto3.Session"] = {}
_CLIENTS: dict[tuple[Target, str, str], Any] = {}
_CACHE_LOCK = threading.Lock()
_CREATE_LOCK = threading.Lock()


_LOADER: Any = None  # botocore's data loader, shared: it keeps the service models it has parsed


def _botocore_session() -> Any:
    """A new botocore session that shares this process's data loader, so a new session (another target, a
    profile switch, forget_clients) does not parse the service models again (Connect's is about 1 MB of JSON).
    botocore documents components as replaceable: Session.register_component."""
    import botocore.session

    global _LOADER
    core = botocore.session.get_session()
    if _LOADER is None:
        _LOADER = core.get_component("data_loader")
    else:
        core.register_component("data_loader", _LOADER)
    return core


def session_for(target: Target) -> "boto3.Session":
    import boto3
    import botocore.exceptions

    with _CACHE_LOCK:
        if target in _SESSIONS:
            return _SESSIONS[target]
        try:
            if target.kind == "sandbox":
                sess = boto3.Session(aws_access_key_id=target.access_key_id,
                                     aws_secret_access_key=target.secret_access_key, botocore_session=_botocore_session())
            else:
                sess = boto3.Session(profile_name=target.profile or None, botocore_session=_botocore_session())
            paths = _LOADER.search_paths  # boto3 adds its own data folder to the loader each time: once is enough
            paths[:] = list(dict.fromkeys(paths))
        except botocore.exceptions.ProfileNotFound:
            raise AwsError(
                f"There is no AWS profile called {target.profile!r} on this machine.",
                fix="Run `aws configure --profile NAME` (or `aws configure sso`), or leave the profile empty to use the default credentials.",
            ) from None
        sess.events.register("before-call.*.*", CALLS)
        _SESSIONS[target] = sess
        return sess


def client_config(target: Target) -> Any:
    from botocore.config import Config

    if target.kind == "sandbox":
        # Loopback: answers are fast, and a dead sandbox should be reported quickly.
        return Config(retries={"mode": "adaptive", "max_attempts": 4}, connect_timeout=2, read_timeout=30)
    return Config(retries={"mode": "adaptive", "max_attempts": 8}, connect_timeout=10, read_timeout=60)


def client(service: str, settings: "Settings | None" = None, *, region: str | None = None, target: Target | None = None) -> Any:
    """A cached boto3 client for ``service`` on the settings' target, in the right Region."""
    if settings is None:
        from workshop_lib import settings as settings_mod

        settings = settings_mod.load()
    target = target or resolve_target(settings)
    if region is None:
        region = settings.identity_center_region if service in IDC_SERVICES else settings.region
    key = (target, service, region)
    with _CACHE_LOCK:
        cached = _CLIENTS.get(key)
    if cached is not None:
        return cached
    sess = session_for(target)
    kwargs: dict[str, Any] = {"region_name": region, "config": client_config(target)}
    if target.endpoint_url:
        kwargs["endpoint_url"] = target.endpoint_url
    with _CREATE_LOCK:  # a boto3 Session is not thread-safe: one client made from it at a time
        made = sess.client(service, **kwargs)
    with _CACHE_LOCK:
        _CLIENTS.setdefault(key, made)
        return _CLIENTS[key]


def forget_clients(*, keep_sessions: bool = False) -> None:
    """Drop cached sessions and clients (after the target or the sandbox endpoint changes).

    ``keep_sessions`` drops only the clients: new ones then pick up handlers registered on the
    session since (clients copy their session's handlers when made), without reloading the models.
    """
    with _CACHE_LOCK:
        if not keep_sessions:
            _SESSIONS.clear()
        _CLIENTS.clear()
