"""Shutting down a kernel in an attendee's server: one that is already gone (it died, or the server ended it) is
what was wanted, so its 404 must not hide the error that made us stop; other failures are raised. A small real
HTTP server plays the Jupyter Server's kernel REST API."""

from __future__ import annotations

import threading
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from workshop_lib.event.remote import _shut_down


@pytest.fixture()
def server():
    seen: dict = {"answer": 204, "requests": []}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_DELETE(self):
            seen["requests"].append((self.path, self.headers.get("Authorization")))
            body = b'{"message": "Kernel does not exist"}' if seen["answer"] == 404 else b""
            self.send_response(seen["answer"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    seen["url"] = f"http://127.0.0.1:{httpd.server_port}/user/alice/"
    yield seen
    httpd.shutdown()
    httpd.server_close()


def test_a_kernel_already_gone_is_shut_down_quietly(server):
    server["answer"] = 404
    _shut_down(server["url"], "tok", "k1")
    assert server["requests"] == [("/user/alice/api/kernels/k1", "token tok")]


def test_other_failures_to_shut_down_are_raised(server):
    server["answer"] = 500
    with pytest.raises(urllib.error.HTTPError):
        _shut_down(server["url"], "tok", "k1")
