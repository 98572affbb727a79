#!/usr/bin/env python3
"""Test endpoint: accept POSTs on 127.0.0.1:PORT, append each body as one JSON line to OUT,
exit after COUNT requests or TIMEOUT seconds."""

import http.server
import json
import sys
import time

port, out, count, timeout = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
received = []


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server naming
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"path": self.path, "body": body.decode("utf-8", "replace")}) + "\n")
        received.append(1)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", port), Handler)
server.timeout = 0.5
deadline = time.time() + timeout
while len(received) < count and time.time() < deadline:
    server.handle_request()
