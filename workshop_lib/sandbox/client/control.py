"""Start, stop and find the sandbox server from any process (CLI, notebook kernel, tests).

Light on purpose: no moto, no boto3. The server runs detached from the caller's terminal, logs to
``<home>/sandbox/server.log`` (rotated), and is described by ``<home>/sandbox/server.json`` (endpoint,
pid, port, started_at and its per-start token for the sandbox's own routes), written 0600 once it
answers. Its AWS credentials are in ``<home>/sandbox/credentials.json`` (0600, made on first start).

How a client finds a sandbox: ``<home>`` is ``$WORKSHOP_SANDBOX_HOME`` when set (a sandbox that is
not in the learner's own WORKSHOP_HOME, e.g. one per attendee on a shared JupyterHub), else
``$WORKSHOP_HOME``. :func:`connection` gives the endpoint, credentials and token together;
``$WORKSHOP_SANDBOX_ENDPOINT`` only overrides the endpoint (the credentials still come from the home).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from workshop_lib.errors import SandboxError
from workshop_lib.files import atomic_write
from workshop_lib.sandbox.shared import credentials as credentials_file
from workshop_lib.sandbox.client import _http
from workshop_lib.sandbox.shared.credentials import SandboxCredentials
from workshop_lib.sandbox.shared.folders import secure_folders

SERVER_MODULE = "workshop_lib.sandbox.server"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0


@dataclass(frozen=True)
class SandboxInfo:
    """A running sandbox server."""

    endpoint: str
    pid: int
    port: int
    started_at: str
    home: str
    token: str = field(default="", repr=False)  # the per-start token of the sandbox's own routes

    @property
    def log_path(self) -> Path:
        return sandbox_dir(Path(self.home)) / "server.log"

    @property
    def state_dir(self) -> Path:
        return sandbox_dir(Path(self.home)) / "state"


HOME_ENV = "WORKSHOP_SANDBOX_HOME"
_SEEN_HOMES: list[Path] = []  # homes this process started a sandbox in (tests and benchmarks run several)


def _home(home: str | os.PathLike | None) -> Path:
    if home is None:
        home = os.environ.get(HOME_ENV)
    if not home:
        from workshop_lib.settings import workshop_home

        home = workshop_home()
    return Path(home).expanduser().absolute()  # the server runs in another folder


def sandbox_dir(home: str | os.PathLike | None = None) -> Path:
    return _home(home) / "sandbox"


def _info_path(home: Path) -> Path:
    return sandbox_dir(home) / "server.json"


def _read_info(home: Path) -> SandboxInfo | None:
    try:
        data = json.loads(_info_path(home).read_text(encoding="utf-8"))
        return SandboxInfo(str(data["endpoint"]), int(data["pid"]), int(data["port"]), str(data["started_at"]),
                           str(data.get("home") or home), str(data.get("token") or ""))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_info(home: Path, info: SandboxInfo) -> None:
    atomic_write(_info_path(home), json.dumps(asdict(info), indent=2))


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has exited; only its parent has not collected it yet
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return True


def _is_our_server(pid: int) -> bool:
    """Guard against a recycled pid: the process must be a sandbox server (where /proc can tell)."""
    try:
        return SERVER_MODULE.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True  # no /proc (macOS): the health check already matched the pid


def _health(endpoint: str, token: str, timeout: float = 2.0) -> dict | None:
    try:
        answer = _http.request(endpoint, "/_sandbox/health", timeout=timeout, token=token)
    except OSError:
        return None
    return answer.body if answer.status == 200 and isinstance(answer.body, dict) else None


def status(home: str | os.PathLike | None = None) -> SandboxInfo | None:
    """The running sandbox (its pid is alive and its endpoint answers as that pid), or None."""
    info = _read_info(_home(home))
    if info is None or not _pid_alive(info.pid):
        return None
    health = _health(info.endpoint, info.token)
    if health is None or health.get("pid") != info.pid:
        return None
    home_path = _home(home)
    if home_path not in _SEEN_HOMES:  # connection(endpoint) finds it from now on
        _SEEN_HOMES.append(home_path)
    return info


def endpoint(home: str | os.PathLike | None = None) -> str | None:
    info = status(home)
    return info.endpoint if info else None


def recorded_endpoint(home: str | os.PathLike | None = None) -> str | None:
    """The endpoint of a sandbox whose process is alive, without asking it over HTTP.

    The session factory calls this for every client: a health request each time would add a round
    trip per call and, while the server is busy saving, could time out and wrongly say it is down.
    A server that is alive but not answering shows up as the API call's own connection error.
    """
    found = connection(home=home)
    return found.endpoint if found else None


@dataclass(frozen=True)
class Connection:
    """Everything a client needs to talk to one sandbox: where it is, its credentials, its per-start token."""

    endpoint: str
    credentials: SandboxCredentials
    token: str = field(repr=False)
    home: str = ""
    region: str = "us-east-1"

    def env(self) -> dict[str, str]:
        """The AWS CLI's and boto3's environment variables for this sandbox (boto3 and AWS CLI v1 read
        AWS_DEFAULT_REGION, AWS CLI v2 AWS_REGION)."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": self.credentials.access_key_id,
                "AWS_SECRET_ACCESS_KEY": self.credentials.secret_access_key, "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region}


def credentials(home: str | os.PathLike | None = None) -> SandboxCredentials | None:
    """The sandbox's generated credentials (made on its first start), or None before that."""
    return credentials_file.read(sandbox_dir(home))


def connection(endpoint: str | None = None, home: str | os.PathLike | None = None) -> Connection | None:
    """The running sandbox's connection: in ``home`` (default: WORKSHOP_SANDBOX_HOME, else WORKSHOP_HOME),
    or, given an ``endpoint``, the sandbox of that endpoint among those homes and those this process started.

    Reads two small files and checks the pid; no request is sent.
    """
    homes = [_home(home)] if home is not None else [_home(None), *reversed(_SEEN_HOMES)]
    wanted = endpoint.rstrip("/") if endpoint else None
    for candidate in dict.fromkeys(homes):
        info = _read_info(candidate)
        if info is None or not info.token:
            continue
        if wanted is not None and info.endpoint.rstrip("/") != wanted:
            continue
        if wanted is None and not (_pid_alive(info.pid) and _is_our_server(info.pid)):
            continue
        found = credentials(candidate)
        if found is not None:
            return Connection(info.endpoint, found, info.token, str(candidate))
    return None


def ensure_running(home: str | os.PathLike | None = None) -> str:
    """The endpoint of the running sandbox, starting it first when needed."""
    info = status(home) or start(home)
    return info.endpoint


def _private(path: str, flags: int) -> int:
    """An opener that creates files 0600: everything in the workshop folder is the learner's alone."""
    return os.open(path, flags, 0o600)


@contextlib.contextmanager
def _start_lock(home: Path) -> Iterator[None]:
    folder = sandbox_dir(home)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(folder / "control.lock", "a+", opener=_private) as handle:
        try:
            import fcntl
        except ImportError:
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _package_root() -> str:
    import workshop_lib

    return str(Path(workshop_lib.__file__).resolve().parent.parent)


def _log_tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:])


def start(home: str | os.PathLike | None = None, port: int = 0, *, timeout: float = START_TIMEOUT) -> SandboxInfo:
    """Start the sandbox in the background (or return the one already running) and wait until it answers."""
    home_path = _home(home)
    if home_path not in _SEEN_HOMES:
        _SEEN_HOMES.append(home_path)
    secure_folders(home_path)
    with _start_lock(home_path):
        running = status(home_path)
        if running is not None:
            return running
        folder = sandbox_dir(home_path)
        with contextlib.suppress(FileNotFoundError):
            _info_path(home_path).unlink()  # stale: its server is gone
        ready = folder / "server.ready"
        with contextlib.suppress(FileNotFoundError):
            ready.unlink()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_package_root(), env.get("PYTHONPATH", "")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        log_path = folder / "server.log"
        # The server logs to server.log itself (rotated); what it prints before that goes to server.start.log.
        with open(folder / "server.start.log", "wb", opener=_private) as log:
            process = subprocess.Popen(
                [sys.executable, "-m", SERVER_MODULE, "--home", str(home_path), "--port", str(int(port)),
                 "--ready-file", str(ready), "--log-file", str(log_path)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=str(folder), env=env,
                start_new_session=True, close_fds=True,
            )
        # Collect the exit status whenever it comes, so a long-lived caller (a kernel) keeps no zombie.
        threading.Thread(target=process.wait, name="sandbox-reaper", daemon=True).start()
        info = _wait_until_ready(process, ready, home_path, log_path, timeout)
        _write_info(home_path, info)
        return info


def _wait_until_ready(process: subprocess.Popen, ready: Path, home: Path, log_path: Path,
                      timeout: float) -> SandboxInfo:
    deadline = time.monotonic() + timeout
    delay = 0.005
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SandboxError(
                f"The sandbox server stopped while starting (exit code {process.returncode}): "
                f"{_log_tail(log_path.with_name('server.start.log')) or _log_tail(log_path)}",
                fix=f"Read {log_path} for the details; `connect-sso-workshop sandbox stop` clears a stale server.",
            )
        try:
            data = json.loads(ready.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            time.sleep(delay)
            delay = min(delay * 1.5, 0.05)
            continue
        info = SandboxInfo(f"http://127.0.0.1:{int(data['port'])}", process.pid, int(data["port"]),
                           str(data["started_at"]), str(home), str(data.get("token") or ""))
        while time.monotonic() < deadline:
            health = _health(info.endpoint, info.token, timeout=1.0)
            if health is not None and health.get("pid") == process.pid:
                return info
            if process.poll() is not None:
                break
            time.sleep(0.01)
        break
    _terminate(process.pid)
    raise SandboxError(
        f"The sandbox server did not answer within {timeout:.0f} seconds.",
        fix=f"Read {log_path}; then run `connect-sso-workshop sandbox start` again.",
    )


def _terminate(pid: int, timeout: float = STOP_TIMEOUT) -> None:
    if not _pid_alive(pid) or not _is_our_server(pid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _pid_alive(pid):
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 2.0
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def stop(home: str | os.PathLike | None = None, *, timeout: float = STOP_TIMEOUT) -> bool:
    """Stop the sandbox (its state stays on disk); True when a server was running."""
    home_path = _home(home)
    with _start_lock(home_path):
        info = _read_info(home_path)
        was_running = info is not None and _pid_alive(info.pid) and _is_our_server(info.pid)
        if info is not None:
            _terminate(info.pid, timeout)
        for name in ("server.json", "server.ready"):
            with contextlib.suppress(FileNotFoundError):
                (sandbox_dir(home_path) / name).unlink()
        return was_running


def reset(home: str | os.PathLike | None = None) -> None:
    """Delete every resource in the running sandbox; it keeps running on the same endpoint."""
    info = status(home)
    if info is None:
        raise SandboxError("The sandbox is not running, so there is nothing to reset.",
                           fix="Start it with `connect-sso-workshop sandbox start`.")
    try:
        answer = _http.request(info.endpoint, "/_sandbox/reset", {}, timeout=30, token=info.token)
    except OSError as exc:
        raise SandboxError(f"The sandbox did not answer the reset: {exc}.", fix=f"Read {info.log_path}.") from None
    if answer.status != 200:
        raise SandboxError(f"The sandbox refused the reset: {answer.body}.", fix=f"Read {info.log_path}.")


def health(home: str | os.PathLike | None = None) -> dict | None:
    """The running server's own report (persistence figures, moto version), or None."""
    info = status(home)
    return _health(info.endpoint, info.token) if info else None
