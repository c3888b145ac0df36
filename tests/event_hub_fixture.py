"""A real local JupyterHub (deploy/jupyterhub_config.py) with attendees who are real system users, for the event
test and bench/bench_event.py. Needs root (useradd, servers spawned as each attendee), Node.js and npm (the hub's
configurable-http-proxy is installed from npm into a cache folder on first use)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHP_VERSION = "^4"


def why_not() -> str:
    """Why a hub with system users cannot run here ("" when it can)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "the event hub spawns each attendee as their own system user, which needs root"
    for tool in ("useradd", "userdel"):
        if not shutil.which(tool):
            return f"{tool} is not installed"
    if not shutil.which("configurable-http-proxy") and not (shutil.which("npm") and shutil.which("node")):
        return "JupyterHub's proxy needs Node.js and npm (apt-get install nodejs npm)"
    return ""


def proxy_bin() -> str:
    """configurable-http-proxy: on PATH, or installed from npm into the user's cache folder once."""
    found = shutil.which("configurable-http-proxy")
    if found:
        return str(Path(found).parent)
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "connect-sso-workshop" / "npm"
    binary = cache / "node_modules" / ".bin" / "configurable-http-proxy"
    if not binary.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(cache), "--no-audit", "--no-fund", "--loglevel=error",
                        f"configurable-http-proxy@{CHP_VERSION}"], check=True, capture_output=True, timeout=300)
    return str(binary.parent)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LocalHub:
    url: str
    admin_token: str
    facilitator_token: str
    attendees: list[str]
    folder: Path
    process: subprocess.Popen
    log: Path
    homes: dict[str, Path] = field(default_factory=dict)

    def hub(self, token: str | None = None):
        from workshop_lib.event.hub import Hub

        return Hub(self.url, token or self.admin_token)

    def uid(self, name: str) -> int:
        import pwd

        return pwd.getpwnam(name).pw_uid


def _grant_traverse(paths: list[Path]) -> list[tuple[Path, int]]:
    """Let other users pass through (o+x, not list) the folders above the code and its Python; returns what to restore."""
    changed = []
    for target in paths:
        for folder in [target, *target.parents]:
            mode = folder.stat().st_mode
            if not mode & stat.S_IXOTH:
                os.chmod(folder, mode | stat.S_IXOTH)
                changed.append((folder, mode))
    return changed


def _config(folder: Path, port: int, admin_token: str, facilitator_token: str, server_env: dict[str, str]) -> Path:
    extra_env = {"WORKSHOP_SANDBOX_CREATE_SECONDS": os.environ.get("WORKSHOP_SANDBOX_CREATE_SECONDS", "0.2"), **server_env}
    if os.environ.get("PYTHONPATH"):
        extra_env["PYTHONPATH"] = os.environ["PYTHONPATH"]  # a developer's worktree: attendees run the same code
    path = folder / "jupyterhub_test_config.py"
    path.write_text(
        f"load_subconfig({str(ROOT / 'deploy' / 'jupyterhub_config.py')!r})\n"
        "c = get_config()\n"
        "# Tests only: anyone may sign in with any password; attendees are created through the REST API.\n"
        "c.JupyterHub.authenticator_class = 'dummy'\n"
        "c.Authenticator.allow_all = True\n"
        f"c.Spawner.environment = {{**c.Spawner.environment, **{extra_env!r}}}\n"
        f"c.JupyterHub.services = c.JupyterHub.services + [{{'name': 'event-test-admin', 'api_token': {admin_token!r}}}]\n"
        "c.JupyterHub.load_roles = c.JupyterHub.load_roles + [{'name': 'event-test-admin', 'services': ['event-test-admin'],\n"
        "    'scopes': ['admin:users', 'admin:servers', 'tokens', 'list:users', 'read:users']}]\n",
        encoding="utf-8",
    )
    return path


@contextlib.contextmanager
def local_hub(count: int, prefix: str = "wse", server_env: dict[str, str] | None = None):
    """A running hub with ``count`` attendee system users (not yet started); everything removed afterwards.
    ``server_env``: more environment for every attendee's server."""
    tag = secrets.token_hex(2)
    names = [f"{prefix}{tag}a{i}" for i in range(1, count + 1)]
    folder = Path(subprocess.check_output(["mktemp", "-d", "/tmp/event-hub-XXXXXX"], text=True).strip())
    restore = _grant_traverse([ROOT, Path(sys.prefix).resolve(), Path(sys.executable).resolve().parent])
    created: list[str] = []
    process = None
    try:
        for name in names:
            _user_tool(["useradd", "--create-home", "--shell", "/usr/sbin/nologin", "-K", "UMASK=077", name])
            created.append(name)
        port = _free_port()  # three different free ports: tests and benches on one machine never collide
        internal = f"{_free_port()},{_free_port()}"
        admin_token, facilitator_token = secrets.token_hex(32), secrets.token_hex(32)
        env = dict(os.environ, PATH=os.pathsep.join([proxy_bin(), os.environ.get("PATH", "")]),
                   WORKSHOP_HUB_IP="127.0.0.1", WORKSHOP_HUB_PORT=str(port), WORKSHOP_HUB_INTERNAL_PORTS=internal, WORKSHOP_HUB_DIR=str(folder),
                   WORKSHOP_FACILITATOR_TOKEN=facilitator_token)
        env.pop("WORKSHOP_HOME", None)
        log = folder / "hub.log"
        with open(log, "wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(_config(folder, port, admin_token, facilitator_token, server_env or {}))],
                                       cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        _wait_for(url, process, log)
        hub = LocalHub(url, admin_token, facilitator_token, names, folder, process, log)
        import pwd

        hub.homes = {n: Path(pwd.getpwnam(n).pw_dir) for n in names}
        create_users(hub.hub(), names)
        yield hub
    except BaseException:
        if (folder / "hub.log").exists():  # what the hub said, for the failing test's report
            print("---- the hub's log, last lines ----\n" + "\n".join((folder / "hub.log").read_text(errors="replace").splitlines()[-60:]))
        raise
    finally:
        if process is not None:
            _stop(process, folder)
        for name in created:
            _kill_user_processes(name)
            with contextlib.suppress(subprocess.CalledProcessError):
                _user_tool(["userdel", "--remove", name])
        for folder_path, mode in reversed(restore):
            os.chmod(folder_path, mode)
        shutil.rmtree(folder, ignore_errors=True)


def create_users(api, names: list[str]) -> None:
    """The hub's REST API: POST /users (what an admin does before an event, or the hub on first sign-in)."""
    api._ok("POST", "users", {"usernames": names}, expect=(201,))


def start_server(api, name: str) -> None:
    """The hub's REST API: POST /users/{name}/server (an attendee opening the event link does the same)."""
    import urllib.parse

    api._ok("POST", f"users/{urllib.parse.quote(name)}/server", expect=(201, 202, 400))


def start_servers(hub: LocalHub, timeout: float) -> None:
    """Start every attendee's server through the REST API and wait until all are ready. A spawn the hub failed
    (an answer of 500: on a busy machine its database or a spawner can time out) is tried once more."""
    from workshop_lib.event.hub import HubError

    api = hub.hub()
    for name in hub.attendees:
        try:
            start_server(api, name)
        except HubError as first:
            print(f"starting {name}'s server again after: {first}")
            time.sleep(2)
            start_server(api, name)
    api.wait(hub.attendees, ready=True, timeout=timeout)


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the hub exited {process.returncode}:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/hub/api/", timeout=2) as answer:
                if answer.status == 200:
                    return
        time.sleep(0.3)
    raise RuntimeError(f"the hub did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def _user_tool(argv: list[str], tries: int = 20) -> None:
    """useradd/userdel, waiting while another process holds /etc/passwd's lock (exit 10: another test on this machine)."""
    for _ in range(tries):
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode == 0:
            return
        if done.returncode != 10 and "lock" not in done.stderr:
            break
        time.sleep(0.5)
    raise subprocess.CalledProcessError(done.returncode, argv, done.stdout, done.stderr)


def _stop(process: subprocess.Popen, folder: Path) -> None:
    """SIGTERM: the hub stops its proxy; with cleanup_servers (the default) it stops every spawned server too.
    A hub that failed to start may leave its proxy behind: that one is ended by the pid the hub recorded."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    with contextlib.suppress(OSError, ValueError):
        pid = int((folder / "jupyterhub-proxy.pid").read_text().strip())
        if b"configurable-http-proxy" in Path(f"/proc/{pid}/cmdline").read_bytes():
            os.kill(pid, signal.SIGTERM)


def user_processes(name: str) -> list[int]:
    """Pids of the processes running as this system user."""
    import pwd

    uid = pwd.getpwnam(name).pw_uid
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if entry.stat().st_uid == uid:
                    pids.append(int(entry.name))
    return pids


def _kill_user_processes(name: str) -> None:
    """Last resort for a failed test: end what still runs as this attendee (only their processes)."""
    with contextlib.suppress(KeyError):
        for pid in user_processes(name):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
