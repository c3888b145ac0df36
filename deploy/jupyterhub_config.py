"""JupyterHub on one machine for a workshop event: one system user per attendee, each with their own server.

    jupyterhub -f deploy/jupyterhub_config.py          # as root, from the environment the workshop is installed in

Attendees sign in with their name and the event's shared password. Each attendee's single-user server runs
as their own system user (LocalProcessSpawner; the user is made on first start), so their home, and in it
their WORKSHOP_HOME (settings, sandbox state, sandbox credentials), is theirs alone (0700). Each server starts its
own sandbox on its own loopback port when the attendee's first notebook needs it. The facilitator reads
every attendee's progress through the ``workshop-facilitator`` service's token (``connect-sso-workshop event status``).

Settings from the environment:
  WORKSHOP_HUB_IP / WORKSHOP_HUB_PORT   where attendees connect (default 0.0.0.0:8000)
  WORKSHOP_HUB_INTERNAL_PORTS          the hub's and the proxy's API ports on 127.0.0.1 (default "8081,8001")
  WORKSHOP_HUB_DIR                     the hub's own files: database, cookie secret (default: the current folder)
  WORKSHOP_FACILITATOR_TOKEN           the facilitator service's API token (generate one: openssl rand -hex 32)
  WORKSHOP_EVENT_PASSWORD              the one password attendees sign in with (at least 8 characters)
  WORKSHOP_ATTENDEES                   a file with one attendee's user name per line: only they may sign in
  WORKSHOP_IDLE_MINUTES                stop servers idle this long (default 60)
"""

import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

hub_dir = Path(os.environ.get("WORKSHOP_HUB_DIR", ".")).absolute()
hub_dir.mkdir(parents=True, exist_ok=True)

c.JupyterHub.ip = os.environ.get("WORKSHOP_HUB_IP", "0.0.0.0")
c.JupyterHub.port = int(os.environ.get("WORKSHOP_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
hub_port, proxy_api_port = (int(p) for p in os.environ.get("WORKSHOP_HUB_INTERNAL_PORTS", "8081,8001").split(","))
c.JupyterHub.hub_port = hub_port
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{proxy_api_port}"
c.JupyterHub.db_url = f"sqlite:///{hub_dir / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(hub_dir / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(hub_dir / "jupyterhub-proxy.pid")

# ---- attendees: one shared event password, one system user each (made when their server first starts) -------
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.user_password = os.environ.get("WORKSHOP_EVENT_PASSWORD", "")
attendees = os.environ.get("WORKSHOP_ATTENDEES")
if attendees:
    c.Authenticator.allowed_users = {line.strip() for line in Path(attendees).read_text().splitlines() if line.strip()}

c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
# umask 077: everything the server, its kernels and the attendee's sandbox write is the attendee's alone.
c.Spawner.cmd = ["/bin/sh", "-c", 'umask 077 && exec "$0" "$@"', sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.default_url = "/lab"
# deploy/jupyter/: the workshop's status route (workshop_lib.event.server_ext) in every attendee's server, and
# kernels idle for 20 minutes shut down (each open notebook's kernel holds about 110-165 MB).
SERVER_CONFIG = str(Path(__file__).resolve().parent / "jupyter")
# The workshop's environment first on PATH: the attendee's terminal finds connect-sso-workshop and its Python.
c.Spawner.environment = {"PATH": os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]),
                         "JUPYTER_CONFIG_PATH": SERVER_CONFIG}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120


def _own_workshop_home(spawner):
    """The attendee's system user (made on first start) and WORKSHOP_HOME in their home, 0700 and theirs."""
    import pwd
    import subprocess

    try:
        user = pwd.getpwnam(spawner.user.name)
    except KeyError:
        subprocess.run(["useradd", "--create-home", "--shell", "/usr/sbin/nologin", "-K", "UMASK=077", spawner.user.name],
                       check=True, capture_output=True, timeout=30)
        user = pwd.getpwnam(spawner.user.name)
    home = Path(user.pw_dir) / ".connect-sso-workshop"
    home.mkdir(mode=0o700, exist_ok=True)
    os.chown(home, user.pw_uid, user.pw_gid)
    os.chmod(user.pw_dir, 0o700)
    os.chmod(home, 0o700)
    # A new dict: the configured one is shared by every spawner. No WORKSHOP_SANDBOX_ENDPOINT or _HOME: each finds their own.
    env = {k: v for k, v in spawner.environment.items() if k not in ("WORKSHOP_SANDBOX_ENDPOINT", "WORKSHOP_SANDBOX_HOME")}
    spawner.environment = {**env, "WORKSHOP_HOME": str(home)}


def _stop_sandbox(spawner):
    """The sandbox runs detached from the server; stop it with the server, as the attendee, keeping its state."""
    import pwd
    import subprocess

    user = pwd.getpwnam(spawner.user.name)
    env = {"HOME": user.pw_dir, "PATH": spawner.environment.get("PATH", "/usr/bin:/bin"),
           "WORKSHOP_HOME": str(Path(user.pw_dir) / ".connect-sso-workshop")}
    if spawner.environment.get("PYTHONPATH"):
        env["PYTHONPATH"] = spawner.environment["PYTHONPATH"]
    subprocess.run([sys.executable, "-m", "workshop_lib.cli", "sandbox", "stop"], user=user.pw_uid, group=user.pw_gid, extra_groups=[],
                   env=env, cwd=user.pw_dir, capture_output=True, timeout=30)


c.Spawner.pre_spawn_hook = _own_workshop_home
c.Spawner.post_stop_hook = _stop_sandbox

# ---- the facilitator: reads attendees and their workshop status, nothing else -----------------------------
c.JupyterHub.custom_scopes = {
    "custom:workshop-status:read": {"description": "Read an attendee's workshop status (chapter, stuck step) and nothing else of their server."},
}
services = [{"name": "workshop-facilitator"}]
if os.environ.get("WORKSHOP_FACILITATOR_TOKEN"):
    services[0]["api_token"] = os.environ["WORKSHOP_FACILITATOR_TOKEN"]
roles = [{
    "name": "workshop-facilitator",
    "description": "The facilitator's live view (connect-sso-workshop event status).",
    "scopes": ["list:users", "read:users:name", "read:servers", "custom:workshop-status:read"],
    "services": ["workshop-facilitator"],
}]

# ---- idle culler: stop servers (and with them their kernels and sandboxes) nobody uses ---------------------
idle_minutes = int(os.environ.get("WORKSHOP_IDLE_MINUTES", "60"))
if idle_minutes > 0:
    services.append({"name": "idle-culler", "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={idle_minutes * 60}"]})
    roles.append({"name": "idle-culler", "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"], "services": ["idle-culler"]})
c.JupyterHub.services = services
c.JupyterHub.load_roles = roles
