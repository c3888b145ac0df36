"""The embedded sandbox: a simulated AWS on 127.0.0.1 (moto plus the workshop's extensions).

Two halves:

- :mod:`workshop_lib.sandbox.client` (light, no moto): :mod:`~.client.control` starts, stops and finds the
  server; :mod:`~.client.console_client` drives the simulated console and the simulated sign-in.
- :mod:`workshop_lib.sandbox.server` (imports moto, runs only in the server process, started with
  ``python -m workshop_lib.sandbox.server``): the app, the ``ext_*`` extensions, the console, portal,
  sign-in, federation and persistence modules.
"""

from workshop_lib.sandbox.client.control import SandboxInfo, endpoint, ensure_running, reset, start, status, stop

__all__ = ["SandboxInfo", "endpoint", "ensure_running", "reset", "start", "status", "stop"]
