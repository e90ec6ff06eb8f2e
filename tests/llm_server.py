"""Provides `LLMServer`: a small local HTTP server that speaks Anthropic's Messages API for tests.

It listens on 127.0.0.1 on a free port, records every request (path, headers, JSON body), and
answers from a queue of `Reply` objects (or a default text reply): a JSON message, a server-sent
event stream, an HTTP error (401, 429, 500, 529, ...), an `error` event in the middle of a stream,
a stream whose connection breaks mid-way, or a slow answer for timeouts. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass
class Reply:
    """One scripted answer of the server."""

    text: str = "A fine explanation."
    status: int = 200
    error_message: str = "scripted error"
    chunk_size: int = 8
    """Characters per `text_delta` event when streaming."""
    break_after: int | None = None
    """Stream only this many text deltas, then drop the connection mid-body."""
    error_event_after: int | None = None
    """Stream this many text deltas, then send an `error` event (overloaded)."""
    delay: float = 0.0
    """Seconds to wait before answering (released early when the server stops)."""
    gate: threading.Event | None = None
    """When set, the answer waits until the test sets this event (or the server stops)."""
    usage: dict[str, int] = field(
        default_factory=lambda: {"input_tokens": 120, "output_tokens": 40}
    )

    @classmethod
    def error(cls, status: int, message: str = "scripted error") -> Reply:
        return cls(status=status, error_message=message)


@dataclass
class RecordedRequest:
    """A request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def prompt_text(self) -> str:
        """All text of the system blocks and messages, joined, for assertions."""
        parts: list[str] = []
        system = self.body.get("system", [])
        parts.extend([system] if isinstance(system, str) else [b.get("text", "") for b in system])
        for message in self.body.get("messages", []):
            content = message.get("content", "")
            if isinstance(content, str):
                parts.append(content)
            else:
                parts.extend(block.get("text", "") for block in content)
        return "\n".join(parts)


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up early (cancel, timeout) are ordinary here: no traceback on stderr."""

    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LLMServer:
    """A scripted Messages API endpoint on 127.0.0.1 (use as a context manager)."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.replies: list[Reply] = []
        self.default = Reply()
        self.stopping = threading.Event()
        self.on_request: Callable[[RecordedRequest], None] | None = None
        """Called (in the server's thread) with each request as it arrives."""
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> LLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def queue(self, *replies: Reply) -> None:
        with self._lock:
            self.replies.extend(replies)

    def next_reply(self) -> Reply:
        with self._lock:
            return self.replies.pop(0) if self.replies else self.default

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)
        if self.on_request is not None:
            self.on_request(request)


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --------------------------------------------------------------------------- wire format


def message_json(reply: Reply, model: str) -> dict[str, Any]:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": reply.text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": reply.usage,
    }


def error_json(reply: Reply) -> dict[str, Any]:
    kind = ERROR_TYPES.get(reply.status, "api_error")
    return {"type": "error", "error": {"type": kind, "message": reply.error_message}}


def sse(event: str, data: dict[str, Any]) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


def text_pieces(reply: Reply) -> list[str]:
    size = max(1, reply.chunk_size)
    return [reply.text[i : i + size] for i in range(0, len(reply.text), size)] or [""]


def stream_events(reply: Reply, model: str) -> Iterator[bytes]:
    """The SSE events of a streamed message; stops early for broken or erroring streams."""
    start = message_json(reply, model) | {"content": [], "stop_reason": None}
    start["usage"] = {"input_tokens": reply.usage["input_tokens"], "output_tokens": 1}
    yield sse("message_start", {"type": "message_start", "message": start})
    block = {"type": "text", "text": ""}
    yield sse(
        "content_block_start", {"type": "content_block_start", "index": 0, "content_block": block}
    )
    yield sse("ping", {"type": "ping"})
    for count, piece in enumerate(text_pieces(reply)):
        if reply.break_after is not None and count >= reply.break_after:
            return
        if reply.error_event_after is not None and count >= reply.error_event_after:
            error = {
                "type": "error",
                "error": {"type": "overloaded_error", "message": "Overloaded"},
            }
            yield sse("error", error)
            return
        delta = {"type": "text_delta", "text": piece}
        yield sse(
            "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
        )
    yield sse("content_block_stop", {"type": "content_block_stop", "index": 0})
    usage = {"output_tokens": reply.usage["output_tokens"]}
    stop = {"stop_reason": "end_turn", "stop_sequence": None}
    yield sse("message_delta", {"type": "message_delta", "delta": stop, "usage": usage})
    yield sse("message_stop", {"type": "message_stop"})


def _handler_for(server: LLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {key.lower(): value for key, value in self.headers.items()}
            server.record(RecordedRequest("POST", self.path, headers, body))
            reply = server.next_reply()
            if reply.delay and server.stopping.wait(reply.delay):
                return
            while reply.gate is not None and not reply.gate.wait(0.05):
                if server.stopping.is_set():
                    return
            if reply.status != 200:
                self._send_json(reply.status, error_json(reply))
            elif body.get("stream"):
                self._send_stream(reply, body.get("model", "test-model"))
            else:
                self._send_json(200, message_json(reply, body.get("model", "test-model")))

        def _send_json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("request-id", "req_test")
            if status != 200:
                self.send_header("x-should-retry", "false")
            self.end_headers()
            self.wfile.write(data)

        def _send_stream(self, reply: Reply, model: str) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for event in stream_events(reply, model):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                self.wfile.flush()
            if reply.break_after is not None:
                self.close_connection = True
                return  # no terminating chunk: the body is cut mid-way
            self.wfile.write(b"0\r\n\r\n")

    return Handler
