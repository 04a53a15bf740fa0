"""Judge an nskeys key pair with the Python stack NetSuite users script with.

Usage: python3 pyjwt_roundtrip.py KEY CERT JWT_ALG
Signs a client-assertion-shaped JWT with KEY using PyJWT, verifies it with the public key
of the certificate CERT, checks that a tampered token is refused, and prints one line:
    ok alg=PS256 key=RSA-4096
Exit 2 (with the pip command) when PyJWT or cryptography is missing, 1 on any failure.
"""

import sys
import time

try:
    import jwt
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
except ImportError as e:
    print(f"missing Python module ({e}): pip install pyjwt cryptography", file=sys.stderr)
    sys.exit(2)


def main(key_path, cert_path, alg):
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    with open(cert_path, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())

    if alg.startswith("PS"):
        assert isinstance(key, rsa.RSAPrivateKey), f"{alg} needs an RSA key, got {type(key)}"
        desc = f"RSA-{key.key_size}"
    else:
        assert isinstance(key, ec.EllipticCurvePrivateKey), f"{alg} needs an EC key, got {type(key)}"
        desc = f"EC-{key.curve.name}"

    pub = cert.public_key()
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert pub.public_bytes(*spki) == key.public_key().public_bytes(*spki), "key does not match certificate"

    now = int(time.time())
    aud = "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
    claims = {"iss": "client-id", "scope": ["rest_webservices"], "aud": aud, "iat": now, "exp": now + 300}
    token = jwt.encode(claims, key, algorithm=alg, headers={"kid": "certificate-id"})

    header = jwt.get_unverified_header(token)
    assert header["alg"] == alg and header["kid"] == "certificate-id", header
    got = jwt.decode(token, pub, algorithms=[alg], audience=aud)
    assert got["iss"] == "client-id", got

    # A verifier that accepts anything proves nothing: a changed signature must be refused.
    head, body, sig = token.split(".")
    bad_sig = ("A" if sig[0] != "A" else "B") + sig[1:]
    try:
        jwt.decode(f"{head}.{body}.{bad_sig}", pub, algorithms=[alg], audience=aud)
    except jwt.InvalidSignatureError:
        pass
    else:
        raise AssertionError("a tampered signature was accepted")

    print(f"ok alg={alg} key={desc}")


if __name__ == "__main__":
    try:
        main(*sys.argv[1:4])
    except Exception as e:  # one readable line for the Rust test's failure message
        print(f"FAILED: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
