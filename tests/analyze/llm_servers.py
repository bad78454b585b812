"""Local HTTP servers that speak the OpenAI chat-completions and Anthropic messages protocols.

The real SDKs are pointed at them; each serves a scripted queue of answers and
records the requests it got. Only 127.0.0.1; nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Script:
    answers: list[str]
    delay: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


def _openai_body(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _anthropic_body(text: str) -> dict[str, Any]:
    return {
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": "test-model",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


def _handler(script: Script, protocol: str) -> type[BaseHTTPRequestHandler]:
    expected = "/v1/chat/completions" if protocol == "openai" else "/v1/messages"

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            script.requests.append(json.loads(self.rfile.read(length) or b"{}"))
            script.paths.append(self.path)
            script.headers.append(dict(self.headers))
            if self.path != expected:
                self.send_error(501, f"not modelled: {self.path}")
                return
            time.sleep(script.delay)
            text = script.answers.pop(0) if script.answers else "{}"
            body = _openai_body(text) if protocol == "openai" else _anthropic_body(text)
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)  # the client may have given up (a timeout test)

    return Handler


@contextmanager
def serve(protocol: str, script: Script) -> Iterator[str]:
    """A server for ``protocol`` ("openai" or "anthropic"); yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(script, protocol))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}" + ("/v1" if protocol == "openai" else "")
    finally:
        server.shutdown()
        server.server_close()
