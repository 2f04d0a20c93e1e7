"""tongban.core.http against a local server: timeouts required, no redirects, http(s) only."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tongban.core import http


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/slow":
            threading.Event().wait(1.0)
        body = b"x" * 5000 if self.path == "/big" else b"hello"
        try:
            self.send_response(404 if self.path == "/missing" else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up first (the timeout test)

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        reply = self.headers["Content-Type"].encode() + b"|" + body
        self.send_response(200)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        return


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_get_and_post_form(server):
    response = http.get(f"{server}/ok", timeout=2)
    assert response.ok
    assert response.status == 200
    assert response.text() == "hello"
    posted = http.post_form(f"{server}/form", {"logout_token": "a b&c", "名": "值"}, timeout=2)
    content_type, _, body = posted.text().partition("|")
    assert content_type == "application/x-www-form-urlencoded"
    assert body == "logout_token=a+b%26c&%E5%90%8D=%E5%80%BC"


def test_error_statuses_are_responses_not_exceptions(server):
    response = http.get(f"{server}/missing", timeout=2)
    assert response.status == 404
    assert not response.ok


def test_redirects_are_not_followed(server):
    response = http.get(f"{server}/redirect", timeout=2)
    assert response.status == 302
    assert response.headers["location"].startswith("http://169.254.169.254/")


def test_body_is_bounded(server):
    assert len(http.get(f"{server}/big", timeout=2, max_bytes=100).body) == 100


def test_timeout_is_mandatory_and_enforced(server):
    with pytest.raises(ValueError, match="timeout"):
        http.get(f"{server}/ok", timeout=0)
    with pytest.raises(http.HttpError):
        http.get(f"{server}/slow", timeout=0.2)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.cn/x", "gopher://x", "/relative", "http://"]
)
def test_only_absolute_http_urls(url):
    with pytest.raises(http.HttpError):
        http.get(url, timeout=1)


def test_refused_connection_is_an_http_error():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(http.HttpError):
        http.get(f"http://127.0.0.1:{port}/", timeout=1)
