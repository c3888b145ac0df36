"""Run code in an attendee's own server, through the Jupyter server's kernel API (REST, then the kernel's websocket).

For checks before an event and for the event test: the code runs as the attendee, in their environment, with
their WORKSHOP_HOME, exactly as a cell they type would. Needs a token that may access that server.
Kernel messaging protocol: https://jupyter-client.readthedocs.io/en/stable/messaging.html
"""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field

from workshop_lib.event.hub import HubError


@dataclass
class Execution:
    ok: bool
    stdout: str = ""
    stderr: str = ""
    error: str = ""  # "Name: value" of an exception the code raised
    outputs: list[dict] = field(default_factory=list)


def _rest(server_url: str, token: str, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server_url.rstrip("/") + "/" + path.lstrip("/"), data=data, method=method,
                                 headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as answer:
        raw = answer.read()
        return json.loads(raw) if raw else {}


def _shut_down(server_url: str, token: str, kernel_id: str) -> None:
    """DELETE the kernel; one that is already gone (404: it died, or its server ended it) is what we wanted."""
    try:
        _rest(server_url, token, "DELETE", f"api/kernels/{kernel_id}")
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise


def _message(code: str, session: str) -> str:
    return json.dumps({
        "header": {"msg_id": uuid.uuid4().hex, "username": "facilitator", "session": session, "msg_type": "execute_request", "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    })


async def _execute(server_url: str, token: str, code: str, timeout: float) -> Execution:
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    kernel = await asyncio.to_thread(_rest, server_url, token, "POST", "api/kernels", {"name": "python3"})
    ws_url = server_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1).rstrip("/") + f"/api/kernels/{kernel['id']}/channels"
    result = Execution(ok=False)
    try:
        # Jupyter Server answers the handshake only once the new kernel has replied to kernel_info, which a
        # loaded machine (every attendee starting at once) can delay well past tornado's default of 20 s.
        conn = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {token}"},
                                                   connect_timeout=30, request_timeout=300))
        request = json.loads(_message(code, uuid.uuid4().hex))
        await conn.write_message(json.dumps(request))
        msg_id = request["header"]["msg_id"]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        replied = idle = False
        while not (replied and idle):
            raw = await asyncio.wait_for(conn.read_message(), timeout=max(0.1, deadline - loop.time()))
            if raw is None:
                raise HubError("The attendee's kernel closed its connection while running the code (it may have died).")
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                if content.get("name") == "stderr":
                    result.stderr += content.get("text", "")
                else:
                    result.stdout += content.get("text", "")
            elif kind == "error":
                result.error = f"{content.get('ename')}: {content.get('evalue')}"
            elif kind in ("execute_result", "display_data"):
                result.outputs.append(content.get("data", {}))
            elif kind == "execute_reply":
                replied, result.ok = True, content.get("status") == "ok"
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
        conn.close()
    except asyncio.TimeoutError:
        raise HubError(f"The code did not finish within {timeout:.0f} s in the attendee's server.") from None
    finally:
        await asyncio.to_thread(_shut_down, server_url, token, kernel["id"])
    return result


def execute(server_url: str, token: str, code: str, timeout: float = 900.0) -> Execution:
    """Run ``code`` in a fresh kernel of the server at ``server_url`` (e.g. http://hub/user/alice/), then shut it down."""
    return asyncio.run(_execute(server_url, token, code, timeout))


def run_workshop_code(out_dir: str = "event-check", only: list[str] | None = None) -> str:
    """A cell that runs the workshop headless against a fresh sandbox (every notebook, or those starting with
    ``only``) and prints the verdict of the run's JSON report."""
    argv = ["run", "--target", "sandbox", "--fresh", "--out", out_dir] + [a for o in (only or []) for a in ("--only", o)]
    return (
        "import json, subprocess, sys\n"
        f"done = subprocess.run([sys.executable, '-m', 'workshop_lib.cli', *{argv!r}], capture_output=True, text=True)\n"
        f"report = json.load(open({out_dir!r} + '/report.json'))\n"
        "print(json.dumps({'exit': done.returncode, 'ok': report['ok'], 'notebooks': [[n['name'], n['ok']] for n in report['notebooks']], "
        "'steps_not_done': [s['step'] for s in report['steps'] if s['status'] not in ('done', 'unknown')], 'stderr': done.stderr[-400:]}))\n"
    )
