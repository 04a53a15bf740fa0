#!/usr/bin/env python3
"""A stand-in for NetSuite's token endpoint, for the benchmark only.

Answers POST /token like NetSuite does when the client-credentials request is well formed
(grant_type client_credentials, a JWT-bearer client assertion), without checking the signature:
both clients are timed on the same exchange, not on the server. Listens on 127.0.0.1 on a free
port and prints the port on its first line of output.
GET /stats answers {"token_requests": N}.
Usage: python3 bench/token_server.py
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


REQUESTS = {"token_requests": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        # GET /stats: how many token requests were answered (the token-parallel row counts them).
        data = json.dumps(REQUESTS).encode()
        self.send_response(200 if self.path == "/stats" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        REQUESTS["token_requests"] += 1
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("ascii", "replace"))
        ok = (
            self.path.split("?")[0] == "/token"
            and form.get("grant_type") == ["client_credentials"]
            and form.get("client_assertion_type") == [ASSERTION_TYPE]
            and form.get("client_assertion", [""])[0].count(".") == 2
        )
        if ok:
            status, body = 200, {"access_token": "x", "token_type": "bearer", "expires_in": 3600}
        else:
            status, body = 400, {"error": "invalid_request"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
