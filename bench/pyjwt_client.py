#!/usr/bin/env python3
"""The peer of `nskeys verify` in the benchmark: what a NetSuite M2M client in Python does.

Reads the key and certificate, checks that they match and that the certificate is valid now,
signs the client assertion with PyJWT (ES256/ES384/ES512 from the curve, PS256 for RSA), POSTs
the client-credentials form with requests, and reports the token. Exit 0 when a token is issued,
2 when refused, 3 on other errors (the same contract as nskeys).
Usage: pyjwt_client.py --token-url URL --client-id ID --cert-id ID --key FILE --cert FILE
"""
import argparse
import datetime
import sys
import time

import jwt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
EC_ALGS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--token-url", required=True)
    ap.add_argument("--client-id", required=True)
    ap.add_argument("--cert-id", required=True)
    ap.add_argument("--key", default="private.pem")
    ap.add_argument("--cert", default="public.pem")
    ap.add_argument("--scope", default="rest_webservices")
    ap.add_argument("--timeout", type=float, default=30)
    a = ap.parse_args()

    with open(a.key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    with open(a.cert, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if key.public_key().public_bytes(der, pub) != cert.public_key().public_bytes(der, pub):
        print("the key does not match the certificate", file=sys.stderr)
        return 2
    now = datetime.datetime.now(datetime.timezone.utc)
    if not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        print("the certificate is not valid now", file=sys.stderr)
        return 2
    if isinstance(key, ec.EllipticCurvePrivateKey):
        alg = EC_ALGS[key.curve.name]
    elif isinstance(key, rsa.RSAPrivateKey):
        alg = "PS256"
    else:
        print("unsupported key type", file=sys.stderr)
        return 3

    iat = int(time.time())
    claims = {
        "iss": a.client_id,
        "scope": a.scope.split(","),
        "aud": a.token_url,
        "iat": iat,
        "exp": iat + 300,
    }
    assertion = jwt.encode(claims, key, algorithm=alg, headers={"typ": "JWT", "kid": a.cert_id})
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
    }
    try:
        r = requests.post(a.token_url, data=form, timeout=a.timeout, allow_redirects=False)
    except requests.RequestException as e:
        print(f"request failed: {e}", file=sys.stderr)
        return 3
    if r.status_code != 200:
        print(f"refused: HTTP {r.status_code}: {r.text}", file=sys.stderr)
        return 2
    body = r.json()
    print(f"token issued: {body.get('token_type')}, expires in {body.get('expires_in')} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
