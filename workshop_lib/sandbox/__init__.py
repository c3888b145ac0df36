"""The embedded sandbox: a simulated AWS on 127.0.0.1 (moto plus the workshop's extensions).

Client side (light, no moto): :mod:`control` starts, stops and finds the server;
:mod:`console_client` drives the simulated console and the simulated sign-in.
Server side (imports moto, runs only in the server process): :mod:`server` and the ``ext_*``,
``console``, ``portal``, ``aws_signin``, ``federation``, ``signin`` and ``persistence`` modules.
"""

from workshop_lib.sandbox.control import SandboxInfo, endpoint, ensure_running, reset, start, status, stop

__all__ = ["SandboxInfo", "endpoint", "ensure_running", "reset", "start", "status", "stop"]
