#!/usr/bin/env python3
"""A loopback stand-in for NetSuite's token endpoint that judges each client assertion with
PyJWT + cryptography, an implementation independent of nskeys'.

The certificates it accepts are the PEM certificates in the directories given with --certs,
read again at every request (so a pair made by `nskeys rotate` is "uploaded" by being there),
each under its NetSuite Certificate ID: base64url, unpadded, of the SHA-256 of its DER.

POST <any path ending in /token> with grant_type=client_credentials, the JWT-bearer assertion
type and a client assertion whose header names a known kid and a PS*/ES* alg, signed by that
certificate's key, aud = this URL, iss = --client-id, iat <= now + 60 s < exp <= iat + 3600,
and a scope: 200 {"access_token", "token_type": "Bearer", "expires_in": 3600}. Anything else:
400 {"error": "invalid_request" | "invalid_grant" | "invalid_client"} as NetSuite answers.
Each verdict is appended to --log as one JSON line (alg, kid, iss, scope, ok, reason, token).

Usage: token_endpoint.py --certs DIR [--certs DIR ...] --client-id ID --log FILE --port-file FILE
                         [--tls-cert PEM --tls-key PEM]
Listens on 127.0.0.1 on a free port (https with --tls-cert/--tls-key), writes the port to
--port-file, serves until killed.
"""
import argparse
import base64
import glob
import hashlib
import json
import os
import secrets
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGS = ["PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]


def certificate_id(cert):
    der = cert.public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def known_certificates(dirs):
    found = {}
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "*.pem"))):
            try:
                with open(path, "rb") as f:
                    cert = x509.load_pem_x509_certificate(f.read())
            except (OSError, ValueError):
                continue  # keys and other files
            found[certificate_id(cert)] = cert
    return found


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    config = None

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("ascii", "replace"))
        status, body, verdict = self.judge(form)
        verdict["ok"] = status == 200
        with open(self.config.log, "a", encoding="utf-8") as log:
            log.write(json.dumps(verdict) + "\n")
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def judge(self, form):
        def refuse(error, reason, **seen):
            return 400, {"error": error}, dict(seen, reason=reason)

        if not self.path.split("?")[0].endswith("/token"):
            return refuse("invalid_request", "not the token path")
        if form.get("grant_type") != ["client_credentials"]:
            return refuse("invalid_request", "grant_type is not client_credentials")
        if form.get("client_assertion_type") != [ASSERTION_TYPE]:
            return refuse("invalid_request", "wrong client_assertion_type")
        assertion = (form.get("client_assertion") or [""])[0]
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError as e:
            return refuse("invalid_request", f"unreadable assertion: {e}")
        alg, kid = header.get("alg"), header.get("kid")
        seen = {"alg": alg, "kid": kid, "typ": header.get("typ")}
        if alg not in ALGS:
            return refuse("invalid_request", "UnsupportedAlgo", **seen)
        cert = known_certificates(self.config.certs).get(kid)
        if cert is None:
            return refuse("invalid_request", "MissingKey: no certificate with this kid", **seen)
        scheme = "https" if self.config.tls_cert else "http"
        audience = f"{scheme}://{self.headers.get('Host')}{self.path.split('?')[0]}"
        try:
            claims = jwt.decode(
                assertion,
                cert.public_key(),
                algorithms=[alg],
                audience=audience,
                issuer=self.config.client_id,
                leeway=60,
                options={"require": ["iss", "aud", "iat", "exp", "scope"]},
            )
        except jwt.PyJWTError as e:
            return refuse("invalid_grant", f"rejected by PyJWT: {e}", **seen)
        seen.update(iss=claims["iss"], scope=claims["scope"], aud=claims["aud"])
        if not 0 < claims["exp"] - claims["iat"] <= 3600:
            return refuse("invalid_request", "TokenValidityTooBroad", **seen)
        if claims["iat"] > time.time() + 60:
            return refuse("invalid_request", "TokenNotAcceptable: iat in the future", **seen)
        token = "smoke-" + secrets.token_hex(16)
        seen["token"] = token
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600}, seen

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certs", action="append", required=True)
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    Handler.config = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if Handler.config.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(Handler.config.tls_cert, Handler.config.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    tmp = Handler.config.port_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, Handler.config.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
