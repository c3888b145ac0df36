"""The sandbox server process: moto plus the workshop's extensions, on 127.0.0.1 only.

Run as ``python -m workshop_lib.sandbox.server --home DIR --port 0``; :mod:`control` does that in the
background. Every request is served under one lock, and what it may have changed is written to disk
before it is answered, so a SIGKILL loses nothing that was answered. Besides the AWS APIs it serves:

- ``GET  /_sandbox/health``                  pid, port, moto version, persistence figures;
- ``POST /_sandbox/reset``                   wipe every resource, keep running;
- ``POST /_sandbox/console/<action>``        the simulated console (see :mod:`console`);
- ``POST /_sandbox/portal/sign-in``          the simulated browser sign-in (see :mod:`signin`).
"""

from __future__ import annotations

import argparse
import contextlib
import hmac
import io
import secrets
import datetime as _dt
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from workshop_lib.files import atomic_write
from workshop_lib.sandbox.shared import credentials as credentials_file
from workshop_lib.errors import SandboxError
from workshop_lib.sandbox.shared.credentials import SandboxCredentials
from workshop_lib.sandbox.shared.folders import secure_folders
from workshop_lib.sandbox.server import authorize, guard, moto_fixes, persistence, validate

HOST = "127.0.0.1"  # never 0.0.0.0: the sandbox is one learner's
MAX_BODY = 2 * 1024 * 1024  # bytes; the largest workshop request (a SAML response, a policy) is tens of KB
READ_TIMEOUT_ENV = "WORKSHOP_SANDBOX_READ_TIMEOUT"
DEFAULT_READ_TIMEOUT = 10.0  # seconds a connection may stay silent while a request is being read
ACCOUNT = "123456789012"
log = logging.getLogger("workshop.sandbox")

# Extensions are installed when moto builds the app for a service (its first request), which keeps
# the server's start-up down to moto's core; Connect's URL routes must exist before that moment.
_INSTALLERS: dict[str, Callable[[], None]] = {}
_INSTALLED: set[Callable[[], None]] = set()


def _install_for(service: str) -> None:
    installer = _INSTALLERS.get(service)
    if installer is not None and installer not in _INSTALLED:
        _INSTALLED.add(installer)
        installer()


def _register_installers() -> None:
    from workshop_lib.sandbox.server import ext_connect, ext_iam, ext_idc

    _INSTALLERS.update({
        "connect": ext_connect.install,
        "ssoadmin": ext_idc.install,
        "identitystore": ext_idc.install,
        "iam": ext_iam.install,
        "sts": ext_iam.install,
    })


class SandboxApp:
    """WSGI: the sandbox's own routes, else moto; persists after every request that changed the state.

    Before anything is handled: the Host and Origin are checked, the body is read (bounded, with the
    connection's read timeout) outside the lock, then the SigV4 signature (AWS routes) or the per-start
    token (the sandbox's own routes) is verified. The lock is held only while a request is handled.
    """

    def __init__(self, store: Any, *, home: Path, started_at: str, credentials: SandboxCredentials,
                 token: str) -> None:
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        def create_app(service: Any) -> Any:
            _install_for(str(service))
            return create_backend_app(service)

        moto_fixes.cache_lookups()
        self.moto = DomainDispatcherApplication(create_app)
        self.store = store
        self.home = home
        self.started_at = started_at
        self.credentials = credentials
        self.token = token
        self.port = 0
        self.lock = threading.RLock()
        self.persist_error = ""
        self.state_warning = ""

    # ---- WSGI ---------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        refusal = guard.check_host_and_origin(environ, self.port)
        if refusal is None and environ.get("REQUEST_METHOD") == "OPTIONS":
            refusal = guard.plain_refusal(405, "The sandbox answers no CORS preflight.", "method")
        if refusal is None and path.startswith("/moto-api"):
            refusal = guard.plain_refusal(404, "moto's own routes are not served by the workshop's sandbox.", "route")
        if refusal is None:
            body = _read_body(environ)
            if isinstance(body, guard.Refusal):
                refusal = body
        if refusal is not None:
            return _send(start_response, refusal)
        absent = None if path.startswith("/_sandbox/") else guard.region_not_offered(environ)
        if absent is not None:
            _hang_up(environ, f"{absent[0]} is not offered in {absent[1]}")
        if path.startswith("/_sandbox/"):
            given = environ.get("HTTP_X_SANDBOX_TOKEN") or ""
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return _send(start_response, guard.plain_refusal(
                    401, "The sandbox's own routes need its per-start token.", "token",
                    "Use connect-sso-workshop or workshop_lib.sandbox.client, which read it from the sandbox's record."))
            if path == "/_sandbox/health":
                return _reply(start_response, 200, self.health())
            return self._own_route(environ, start_response, path)
        with self.lock:
            caller = guard.verify_sigv4(environ, body, self.credentials, _issued_secret)
            if isinstance(caller, guard.Refusal):
                return _send(start_response, caller)
            refusal, operation, values = validate.examine(caller.service, environ, body)
            if refusal is None and operation is not None:
                _install_for("ssoadmin" if caller.service == "sso" else caller.service)  # before asking what exists
                refusal = (authorize.session_refusal(caller, operation, values)
                           or authorize.unimplemented(caller.service, operation))
            elif refusal is None:
                refusal = authorize.unidentified(caller)
            if refusal is not None:
                return _send(start_response, refusal)
            captured: dict[str, Any] = {}
            chunks: list[bytes] = []

            def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
                captured["status"], captured["headers"] = status, headers
                return chunks.append

            result = self.moto(environ, capture)
            try:
                chunks.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
            self._persist(persistence.change_of(caller.service, operation))
        missing = authorize.unanswered(caller.service, operation, captured["status"], captured["headers"])
        if missing is not None:
            return _send(start_response, missing)
        if caller.service == "identitystore" and captured["status"].startswith("200"):
            chunks = [moto_fixes.complete_answer(operation, b"".join(chunks))]
        headers = [(k, str(len(b"".join(chunks)))) if k.lower() == "content-length" else (k, v)
                   for k, v in captured["headers"] if not k.lower().startswith("access-control-")]
        start_response(authorize.corrected_status(captured["status"], chunks), headers)
        return chunks

    def _own_route(self, environ: dict[str, Any], start_response: Callable[..., Any], path: str) -> Iterable[bytes]:
        from workshop_lib.sandbox.server import console, signin

        if environ.get("REQUEST_METHOD") != "POST":
            return _reply(start_response, 405, {"error": {"message": "Use POST.", "code": "input"}})
        try:
            payload = _json_body(environ)
        except ValueError:
            return _reply(start_response, 400, {"error": {"message": "The body is not a JSON object.", "code": "input"}})
        account = environ.get("HTTP_X_MOTO_ACCOUNT_ID") or ACCOUNT
        with self.lock:
            try:
                if path == "/_sandbox/reset":
                    self._reset()
                    body: dict[str, Any] = {"ok": True}
                elif path.startswith("/_sandbox/console/"):
                    body = console.run(account, path.rsplit("/", 1)[-1], payload)
                elif path == "/_sandbox/portal/sign-in":
                    body = signin.sign_in(account, str(payload.get("user") or ""), str(payload.get("application") or ""),
                                          payload.get("password"), payload.get("relay_state"))
                else:
                    return _reply(start_response, 404, {"error": {"message": f"No sandbox route {path}.", "code": "input"}})
            except console.ConsoleRefused as refused:
                self._persist()
                return _reply(start_response, refused.status, refused.as_dict())
            except Exception as exc:  # a bug must answer as an error, never kill the server
                log.exception("sandbox route %s failed", path)
                return _reply(start_response, 500, {"error": {"message": f"The sandbox failed: {exc}", "code": "internal"}})
            self._persist()
        return _reply(start_response, 200, body)

    # ---- state --------------------------------------------------------------------------------
    def _persist(self, change: str = "anything") -> None:
        """Before the answer leaves: what the request may have changed is on disk (see :mod:`persistence`)."""
        try:
            self.store.save(change)
            self.persist_error = ""
        except Exception as exc:  # keep serving; report it in /_sandbox/health
            self.persist_error = f"{type(exc).__name__}: {exc}"
            log.error("could not save the sandbox state: %s", self.persist_error)

    def _reset(self) -> None:
        from moto.core.base_backend import BackendDict
        from moto.core.model_instances import reset_model_data

        BackendDict.reset()
        reset_model_data()
        self._after_reset()

    def _after_reset(self) -> None:
        from workshop_lib.sandbox.server.persistence import clear_extras

        clear_extras()
        self.store.forget()

    def health(self) -> dict[str, Any]:
        import moto

        return {
            "ok": True, "service": "connect-sso-workshop sandbox", "pid": os.getpid(), "port": self.port,
            "home": str(self.home), "account": ACCOUNT, "moto": getattr(moto, "__version__", "unknown"),
            "started_at": self.started_at, "persist": self.store.stats.as_dict(), "persist_error": self.persist_error,
            "state_warning": self.state_warning,
        }


def _json_body(environ: dict[str, Any]) -> dict[str, Any]:
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    raw = environ["wsgi.input"].read(size) if size else b""
    data = json.loads(raw or b"{}")
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


def _read_body(environ: dict[str, Any]) -> bytes | guard.Refusal:
    """The whole body, read before the lock is taken; 413 beyond MAX_BODY. Put back for moto as a BytesIO.

    A client that stops sending hits the connection's read timeout (see ``main``), which only ends its
    own request: no lock is held while reading.
    """
    stream = environ["wsgi.input"]
    length = environ.get("CONTENT_LENGTH")
    if length:
        try:
            size = int(length)
        except ValueError:
            return guard.plain_refusal(400, "The Content-Length header is not a number.", "input")
        if size > MAX_BODY:
            return _too_large()
        data = stream.read(size) if size > 0 else b""
        if len(data) < size:
            return guard.plain_refusal(400, "The request ended before its body did.", "input")
    elif environ.get("wsgi.input_terminated"):  # chunked: read at most one byte past the limit
        data = stream.read(MAX_BODY + 1)
        if len(data) > MAX_BODY:
            return _too_large()
    else:
        data = b""
    environ["wsgi.input"] = io.BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    return data


def _hang_up(environ: dict[str, Any], why: str) -> None:
    """End the connection without an answer, as a Region without the service has no endpoint to give one
    (:func:`guard.region_not_offered`). werkzeug treats the ConnectionAbortedError as a dropped connection: it
    writes nothing and logs nothing; the server keeps serving every other connection."""
    import socket

    log.info("closed a request unanswered: %s (AWS has no endpoint there)", why)
    connection = environ.get("werkzeug.socket")
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError(why)


def _too_large() -> guard.Refusal:
    refusal = guard.plain_refusal(413, f"The request body is larger than the sandbox accepts ({MAX_BODY:,} bytes).",
                                  "size")
    return guard.Refusal(413, [*refusal.headers, ("Connection", "close")], refusal.body)


def _issued_secret(access_key_id: str) -> tuple[str, str | None, _dt.datetime] | None:
    """Secret, session token and expiry of credentials this sandbox issued: an STS session, else an IAM user's key."""
    found = authorize.issued_session(access_key_id)
    if found is None:
        user_key = authorize.user_access_key(access_key_id)
        if user_key is None:
            return None
        return user_key.secret_access_key, None, _dt.datetime.max.replace(tzinfo=_dt.timezone.utc)
    role = found[1]
    expires = role.expiration if role.expiration.tzinfo else role.expiration.replace(tzinfo=_dt.timezone.utc)
    return role.secret_access_key, role.session_token, expires  # moto keeps naive UTC


def _send(start_response: Callable[..., Any], refusal: guard.Refusal) -> list[bytes]:
    reason = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
              413: "Content Too Large", 421: "Misdirected Request"}.get(refusal.status, "Error")
    start_response(f"{refusal.status} {reason}", [*refusal.headers, ("Content-Length", str(len(refusal.body)))])
    return [refusal.body]


def _reply(start_response: Callable[..., Any], status: int, body: dict[str, Any]) -> list[bytes]:
    data = json.dumps(body, default=str).encode("utf-8")
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
              500: "Internal Server Error"}.get(status, "Error")
    start_response(f"{status} {reason}", [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


@contextlib.contextmanager
def _exclusive(state_dir: Path) -> Any:
    """One server per state folder: a second one would overwrite the first one's state."""
    state_dir.mkdir(parents=True, exist_ok=True)
    with open(state_dir / ".lock", "a+") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks
            yield
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise SystemExit(f"Another sandbox server is already using {state_dir}.") from None
        yield


def _write_ready(path: Path | None, info: dict[str, Any]) -> None:
    if path is None:
        return
    atomic_write(path, json.dumps(info), durable=False)


def _read_timeout() -> float:
    try:
        return max(0.1, float(os.environ.get(READ_TIMEOUT_ENV, DEFAULT_READ_TIMEOUT)))
    except ValueError:
        return DEFAULT_READ_TIMEOUT


def _configure_logging(log_file: Path | None) -> None:
    """One log that cannot grow without limit: server.log rotated at 1 MB, three old files kept."""
    from logging.handlers import RotatingFileHandler

    handler: logging.Handler
    if log_file is None:
        handler = logging.StreamHandler(sys.stderr)
    else:
        handler = RotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
        if os.name == "posix":
            os.chmod(log_file, 0o600)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workshop_lib.sandbox.server", description=__doc__.split("\n")[0])
    parser.add_argument("--home", required=True, help="the workshop home; state goes to HOME/sandbox/state")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--ready-file", help="write {port, pid, token} here (0600) once listening")
    parser.add_argument("--log-file", help="log here, rotated at 1 MB (default: standard error)")
    args = parser.parse_args(argv)
    _configure_logging(Path(args.log_file) if args.log_file else None)

    os.umask(0o077)  # every file and folder the server makes is the learner's alone
    home = Path(args.home).expanduser()
    state_dir = home / "sandbox" / "state"
    try:
        secure_folders(home)
    except SandboxError as refused:
        log.error("%s %s", refused.message, refused.fix)
        return 2
    own_credentials = credentials_file.load_or_create(home / "sandbox")
    token = secrets.token_urlsafe(32)
    started_at = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()
    t0 = time.perf_counter()
    with _exclusive(state_dir):
        from werkzeug.serving import WSGIRequestHandler, make_server

        from workshop_lib.sandbox.server.persistence import StateStore

        _register_installers()
        store = StateStore(state_dir)
        loaded = store.load()
        app = SandboxApp(store, home=home, started_at=started_at, credentials=own_credentials, token=token)
        app.state_warning = loaded.warning
        if loaded.warning:
            log.warning(loaded.warning)

        class QuietHandler(WSGIRequestHandler):
            timeout = _read_timeout()  # socket timeout while a request is read: a silent client only ends itself

            def log_request(self, code: Any = "-", size: Any = "-") -> None:
                if str(code).startswith(("4", "5")) and self.path != "/favicon.ico":
                    super().log_request(code, size)

        server = make_server(HOST, args.port, app, threaded=True, request_handler=QuietHandler)
        app.port = server.server_port

        def stop(signum: int, _frame: Any) -> None:
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        ready = Path(args.ready_file) if args.ready_file else None
        _write_ready(ready, {"port": server.server_port, "pid": os.getpid(), "started_at": started_at, "token": token})
        from workshop_lib.sandbox.server.portal import make_spare_keys

        make_spare_keys()  # the applications' signing keys, made while the learner reads the first chapters
        log.info("sandbox listening on http://%s:%d (pid %d, state %s, restored=%s, %.0f ms)", HOST,
                 server.server_port, os.getpid(), state_dir, loaded.restored, (time.perf_counter() - t0) * 1000)
        print(f"http://{HOST}:{server.server_port}", flush=True)
        try:
            server.serve_forever()
        except (SystemExit, KeyboardInterrupt):
            pass
        finally:
            # Every answered request was saved already; a request stuck in a handler must not stop the stop.
            if app.lock.acquire(timeout=5):
                try:
                    app._persist()
                finally:
                    app.lock.release()
            server.server_close()
            log.info("sandbox stopped")
    return 0

