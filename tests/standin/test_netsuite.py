"""Self-test of the stand-in NetSuite: starts the real program, signs assertions with PyJWT (another
implementation than the stand-in's own verification), and checks each documented acceptance, refusal
and answer shape against Oracle's examples in fixtures/oracle-docs/.

    python3 tests/standin/netsuite.py --self-test
    python3 -m unittest tests/standin/test_netsuite.py      (from the repository root)
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import hashlib
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
NETSUITE = os.path.join(HERE, "netsuite.py")
ORACLE = os.path.join(ROOT, "fixtures", "oracle-docs")
TLS = os.path.join(ROOT, "fixtures", "tls")

MAIN, OTHER, BLOCKED, NO_M2M, PUBLIC, RESTLETS_ONLY, FIVE = (
    "a" * 64, "b" * 64, "c" * 64, "d" * 64, "e" * 64, "f" * 64, "0" * 64)

# Keys are slow to make (RSA); certificates are cheap, and each new certificate has a new ID.
_KEYS: dict[str, object] = {}


def key_for(alg: str):
    if alg not in _KEYS:
        if alg.startswith(("PS", "RS")):
            _KEYS[alg] = rsa.generate_private_key(65537, 4096 if alg == "PS512" else 3072)
        else:
            curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[alg]
            _KEYS[alg] = ec.generate_private_key(curve)
    return _KEYS[alg]


def make_cert(key, days: int = 365, not_before: dt.datetime | None = None) -> str:
    start = not_before or dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "standin-test")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start)
            .not_valid_after(start + dt.timedelta(days=days)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def cert_id_of(pem: str) -> str:
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


class StandIn:
    """The stand-in as a subprocess, with a tiny HTTP client."""

    def __init__(self, config: dict | None = None, extra_args: list[str] | None = None, tmp: str | None = None):
        self.tmp = tmp or tempfile.mkdtemp(prefix="standin-")
        args = [sys.executable, NETSUITE]
        if config is not None:
            path = os.path.join(self.tmp, "config.json")
            with open(path, "w") as f:
                json.dump(config, f)
            args += ["--config", path]
        self.proc = subprocess.Popen(args + (extra_args or []), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("stand-in did not start: " + self.proc.stderr.read())
        self.ready = json.loads(line)
        self.base = self.ready["base"]
        self.ssl_context = None

    def close(self) -> int:
        """Stop it (SIGTERM); its exit status, 1 if it printed a traceback (a stand-in bug)."""
        self.proc.terminate()
        code = self.proc.wait(timeout=20)
        self.stderr = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        return 1 if "Traceback" in self.stderr else code

    def request(self, method: str, path: str, body: bytes | str | dict | None = None, headers: dict | None = None):
        url = urllib.parse.urlsplit(self.base)
        if url.scheme == "https":
            conn = http.client.HTTPSConnection(url.hostname, url.port, timeout=30, context=self.ssl_context)
        else:
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        headers = dict(headers or {})
        if isinstance(body, dict):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        if isinstance(body, str):
            body = body.encode()
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def control(self, name: str, body: dict | None = None):
        status, _, data = self.request("POST" if body is not None else "GET", "/__standin/" + name, body)
        if status != 200:
            raise AssertionError(f"control {name}: {status} {data!r}")
        return json.loads(data)

    # --- NetSuite-side helpers

    def upload(self, pem: str, client_id: str = MAIN, **fields) -> str:
        return self.control("mappings", {"action": "add", "client_id": client_id, "certificate": pem, **fields})["certificate_id"]

    def assertion(self, alg: str, kid: str | None, claims: dict | None = None, key=None, headers: dict | None = None) -> str:
        now = int(time.time())
        body = {"iss": MAIN, "scope": ["restlets", "rest_webservices"], "aud": self.ready["token_url"],
                "iat": now, "exp": now + 300, "jti": os.urandom(8).hex()}
        body.update(claims or {})
        body = {k: v for k, v in body.items() if v is not None}
        hdr = dict(headers or {})
        if kid is not None:
            hdr["kid"] = kid
        return jwt.encode(body, key if key is not None else key_for(alg), algorithm=alg, headers=hdr)

    def token(self, assertion: str | None, form: dict | None = None, headers: dict | None = None):
        fields = {"grant_type": "client_credentials",
                  "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                  "client_assertion": assertion}
        fields.update(form or {})
        fields = {k: v for k, v in fields.items() if v is not None}
        hdrs = {"Content-Type": "application/x-www-form-urlencoded"}
        hdrs.update(headers or {})
        status, h, data = self.request("POST", "/services/rest/auth/oauth2/v1/token", urllib.parse.urlencode(fields), hdrs)
        return status, h, data

    def new_token(self, alg: str = "ES256", client_id: str = MAIN, scope=None, **mapping) -> str:
        pem = make_cert(key_for(alg))
        kid = self.upload(pem, client_id, **mapping)
        claims = {"iss": client_id}
        if scope is not None:
            claims["scope"] = scope
        status, _, data = self.token(self.assertion(alg, kid, claims))
        assert status == 200, data
        return json.loads(data)["access_token"]

    def last_log(self) -> dict:
        return self.control("log")["requests"][-1]


SHARED_CONFIG = {
    "account_id": "3829855",
    "integrations": [
        {"client_id": MAIN, "name": "outlook", "id": 1, "application_id": "1C61CD58-044D-497A-AA29-7A3E9A9BB924",
         "scopes": ["restlets", "rest_webservices"]},
        {"client_id": OTHER, "name": "other", "id": 2},
        {"client_id": BLOCKED, "id": 3, "state": "blocked"},
        {"client_id": NO_M2M, "id": 4, "client_credentials": False},
        {"client_id": PUBLIC, "id": 5, "public_client": True},
        {"client_id": RESTLETS_ONLY, "id": 6, "scopes": ["restlets"]},
        {"client_id": FIVE, "id": 7, "scopes": ["rest_webservices"]},
    ],
    "roles": [
        {"id": 3, "name": "Administrator"},
        {"id": 1000, "name": "M2M role"},
        {"id": 1001, "name": "Inactive role", "active": False},
        {"id": 1002, "name": "No OAuth login", "oauth2_login": False},
        {"id": 1003, "name": "No REST", "rest_web_services": False},
        {"id": 1004, "name": "No certificate management", "manage_own_certificates": False},
    ],
    "entities": [{"id": -5, "name": "Test Test"}, {"id": 12, "name": "test@test.cz"},
                 {"id": 99, "name": "Gone", "active": False}],
}


class SharedStandIn(unittest.TestCase):
    """One stand-in for the many tests that need no special configuration."""

    ns: StandIn

    @classmethod
    def setUpClass(cls):
        cls.ns = StandIn(SHARED_CONFIG)

    @classmethod
    def tearDownClass(cls):
        if cls.ns.close() != 0:
            raise AssertionError("the stand-in failed: " + cls.ns.stderr)

    def assertRefused(self, response, detail, status=None, error=None):
        code, headers, data = response
        entry = self.ns.last_log()
        self.assertEqual(entry["outcome"], "refused", entry)
        self.assertEqual(entry["detail"], detail, entry)
        if status is not None:
            self.assertEqual(code, status, data)
        if error is not None:
            self.assertEqual(json.loads(data), {"error": error})
        if code == 401:
            self.assertEqual(headers.get("www-authenticate"), 'Basic realm="3829855"')
        return entry


class TokenEndpoint(SharedStandIn):
    def test_all_six_algorithms_are_accepted(self):
        for alg in ("PS256", "PS384", "PS512", "ES256", "ES384", "ES512"):
            with self.subTest(alg=alg):
                kid = self.ns.upload(make_cert(key_for(alg)))
                status, headers, data = self.ns.token(self.ns.assertion(alg, kid))
                self.assertEqual(status, 200, data)
                answer = json.loads(data)
                self.assertEqual(set(answer), {"access_token", "expires_in", "token_type"})
                self.assertEqual(answer["expires_in"], 3600)
                self.assertEqual(answer["token_type"], "Bearer")
                self.assertEqual(answer["access_token"].count("."), 2)  # a JWT, as NetSuite's are
                claims = jwt.decode(answer["access_token"], options={"verify_signature": False})
                self.assertEqual(claims["sub"], "3;-5")
                self.assertEqual(claims["scope"], ["restlets", "rest_webservices"])
                entry = self.ns.last_log()
                self.assertEqual(entry["outcome"], "issued")
                self.assertEqual(entry["assertion"]["header"], {"alg": alg, "kid": kid, "typ": "JWT"})
                self.assertEqual(entry["assertion"]["claims"]["iss"], MAIN)

    def test_scope_as_comma_separated_string(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        status, _, data = self.ns.token(self.ns.assertion("ES256", kid, {"scope": "restlets, rest_webservices"}))
        self.assertEqual(status, 200, data)
        self.assertEqual(self.ns.last_log()["scopes"], ["restlets", "rest_webservices"])

    def test_exp_exactly_3600_after_iat_is_accepted_3601_is_too_broad(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        now = int(time.time())
        self.assertEqual(self.ns.token(self.ns.assertion("ES256", kid, {"iat": now, "exp": now + 3600}))[0], 200)
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"iat": now, "exp": now + 3601})),
                           "TokenValidityTooBroad", 400, "invalid_grant")

    def test_unsupported_algorithms_answer_500_server_error(self):
        rsa_key = key_for("PS256")
        kid = self.ns.upload(make_cert(rsa_key))
        self.assertRefused(self.ns.token(self.ns.assertion("RS256", kid, key=rsa_key)), "UnsupportedAlgo", 500, "server_error")
        self.assertRefused(self.ns.token(self.ns.assertion("HS256", kid, key=b"k" * 32)), "UnsupportedAlgo", 500, "server_error")
        enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
        none = enc({"alg": "none", "typ": "JWT", "kid": kid}) + "." + enc({"iss": MAIN}) + "."
        self.assertRefused(self.ns.token(none), "UnsupportedAlgo", 500, "server_error")

    def test_missing_kid_and_unknown_kid_answer_500(self):
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", None)), "MissingKeyId", 500, "server_error")
        never_uploaded = cert_id_of(make_cert(key_for("ES256")))
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", never_uploaded)), "MissingKey", 500, "server_error")

    def test_revoked_expired_and_wiped_certificates_are_missing_keys(self):
        for action in ("revoke", "expire"):
            with self.subTest(action=action):
                kid = self.ns.upload(make_cert(key_for("ES256")))
                self.assertEqual(self.ns.token(self.ns.assertion("ES256", kid))[0], 200)
                self.ns.control("mappings", {"action": action, "certificate_id": kid})
                self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid)), "MissingKey", 500)

    def test_wrong_signatures(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        other = ec.generate_private_key(ec.SECP256R1())
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, key=other)), "SignatureValidation", 401, "invalid_client")
        # ES256 with a DER signature instead of raw r||s.
        good = self.ns.assertion("ES256", kid)
        head, payload, _ = good.split(".")
        der = key_for("ES256").sign(f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
        der_jwt = f"{head}.{payload}." + base64.urlsafe_b64encode(der).rstrip(b"=").decode()
        self.assertRefused(self.ns.token(der_jwt), "SignatureValidation", 401)
        # PS256 whose salt is not the hash length.
        rsa_key = key_for("PS256")
        rsa_kid = self.ns.upload(make_cert(rsa_key))
        head, payload, _ = self.ns.assertion("PS256", rsa_kid).split(".")
        sig = rsa_key.sign(f"{head}.{payload}".encode(),
                           padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.MAX_LENGTH), hashes.SHA256())
        self.assertRefused(self.ns.token(f"{head}.{payload}." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()),
                           "SignatureValidation", 401)
        # ES384 claimed for a P-256 certificate.
        forged = self.ns.assertion("ES384", kid, key=key_for("ES384"))
        self.assertRefused(self.ns.token(forged), "SignatureValidation", 401)

    def test_issuer_rules(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"iss": "9" * 64})), "InvalidIntegration", 401, "invalid_client")
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"iss": OTHER})), "InvalidIssuer", 401, "invalid_client")
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"iss": None})), "InvalidIssuer", 401)

    def test_integration_record_rules(self):
        for client_id, detail, error in ((BLOCKED, "IntegrationBlocked", "invalid_client"),
                                         (NO_M2M, None, "unauthorized_client"),
                                         (PUBLIC, None, "unauthorized_client")):
            with self.subTest(client=client_id[:1]):
                kid = self.ns.upload(make_cert(key_for("ES256")), client_id)
                entry = self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"iss": client_id})), detail, error=error)
                self.assertTrue(entry["reason"])

    def test_audience_must_be_this_token_endpoint(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        wrong = "https://3829855.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token"
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"aud": wrong})), None, 401, "invalid_client")
        self.assertEqual(self.ns.token(self.ns.assertion("ES256", kid, {"aud": [self.ns.ready["token_url"]]}))[0], 200)

    def test_time_rules(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        now = int(time.time())
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"iat": now + 600, "exp": now + 900})),
                           "TokenNotAcceptable", 400, "invalid_grant")
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"iat": now - 900, "exp": now - 600})),
                           "TokenExpired", 400, "invalid_grant")
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"exp": None})), None, 400, "invalid_request")
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"iat": float(now)})), None, 400, "invalid_request")

    def test_scope_rules(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        for scope in ([], "", None):
            self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"scope": scope})), "InvalidScope", 400, "invalid_scope")
        for scope in (["suite_analytics"], ["mcp"], ["restlets", "mcp"], "restlets rest_webservices", ["nonsense"]):
            with self.subTest(scope=scope):
                self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"scope": scope})),
                                   "ScopeMismatched", 400, "invalid_scope")
        kid = self.ns.upload(make_cert(key_for("ES256")), RESTLETS_ONLY)
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, {"iss": RESTLETS_ONLY})), "ScopeMismatched", 400)
        self.assertEqual(self.ns.token(self.ns.assertion("ES256", kid, {"iss": RESTLETS_ONLY, "scope": ["restlets"]}))[0], 200)

    def test_entity_and_role_rules(self):
        kid = self.ns.upload(make_cert(key_for("ES256")), role=1001)
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid)), "EntityOrRoleDisabled", 400, "invalid_grant")
        kid = self.ns.upload(make_cert(key_for("ES256")), entity=99)
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid)), "EntityOrRoleDisabled", 400)
        kid = self.ns.upload(make_cert(key_for("ES256")), role=1002)
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid)), None, 400, "invalid_grant")

    def test_malformed_requests(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        good = self.ns.assertion("ES256", kid)
        self.assertRefused(self.ns.token(good, {"grant_type": "authorization_code"}), None, 400, "unsupported_grant_type")
        self.assertRefused(self.ns.token(None), None, 400, "invalid_request")
        self.assertRefused(self.ns.token(good, {"client_assertion_type": "jwt"}), None, 400, "invalid_request")
        self.assertRefused(self.ns.token(good, {"client_secret": "s"}), None, 400, "invalid_request")
        self.assertRefused(self.ns.token(good, headers={"Authorization": "Basic eDp5"}), None, 400, "invalid_request")
        self.assertRefused(self.ns.token(good, headers={"Content-Type": "application/json"}), None, 400, "invalid_request")
        self.assertRefused(self.ns.token("not.a.jwt"), None, 400, "invalid_request")
        self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid, headers={"typ": "at+jwt"})), None, 400, "invalid_request")
        body = "grant_type=client_credentials&grant_type=client_credentials&client_assertion_type=x&client_assertion=y"
        status, _, _ = self.ns.request("POST", "/services/rest/auth/oauth2/v1/token", body,
                                       {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)
        self.assertIn("repeated", self.ns.last_log()["reason"])

    def test_oracle_sample_request_is_refused_only_for_its_unknown_key(self):
        # section_162755359851's sample: well formed; its kid is of no certificate here.
        with open(os.path.join(ORACLE, "token-request-body.txt")) as f:
            body = f.read()
        status, _, data = self.ns.request("POST", "/services/rest/auth/oauth2/v1/token", body,
                                          {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual((status, json.loads(data)), (500, {"error": "server_error"}))
        entry = self.ns.last_log()
        self.assertEqual(entry["detail"], "MissingKey")
        self.assertEqual(entry["assertion"]["header"]["alg"], "ES512")

    def test_twenty_parallel_clients(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        assertions = [self.ns.assertion("ES256", kid) for _ in range(20)]
        before = self.ns.control("stats")["token_issued"]
        results = [None] * 20
        barrier = threading.Barrier(20)

        def client(i):
            barrier.wait()
            results[i] = self.ns.token(assertions[i])[0]

        threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(results, [200] * 20)
        self.assertEqual(self.ns.control("stats")["token_issued"] - before, 20)


class Faults(SharedStandIn):
    def test_status_faults_then_normal_answers(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        self.ns.control("faults", {"faults": [{"status": 503, "body": "down"},
                                              {"status": 200, "body": "<html>maintenance</html>", "content_type": "text/html"}]})
        status, headers, data = self.ns.token(self.ns.assertion("ES256", kid))
        self.assertEqual((status, data), (503, b"down"))
        self.assertEqual(self.ns.last_log()["outcome"], "fault")
        status, headers, data = self.ns.token(self.ns.assertion("ES256", kid))
        self.assertEqual((status, headers["content-type"]), (200, "text/html"))
        self.assertEqual(self.ns.token(self.ns.assertion("ES256", kid))[0], 200)

    def test_not_usable_yet_for_one_kid(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        other = self.ns.upload(make_cert(key_for("ES256")))
        self.ns.control("faults", {"kid": kid, "not_usable_yet": True, "count": 2})
        self.assertEqual(self.ns.token(self.ns.assertion("ES256", other))[0], 200)
        for _ in range(2):
            self.assertRefused(self.ns.token(self.ns.assertion("ES256", kid)), "MissingKey", 500, "server_error")
        self.assertEqual(self.ns.token(self.ns.assertion("ES256", kid))[0], 200)

    def test_drop_and_delay(self):
        kid = self.ns.upload(make_cert(key_for("ES256")))
        self.ns.control("faults", {"faults": [{"drop": True}, {"delay_ms": 50}]})
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            self.ns.token(self.ns.assertion("ES256", kid))
        self.assertEqual(self.ns.token(self.ns.assertion("ES256", kid))[0], 200)
        self.assertEqual(self.ns.last_log()["fault"]["delay_ms"], 50)

    def test_upload_fault(self):
        token = self.ns.new_token()
        self.ns.control("faults", {"endpoint": "certs_add", "status": 400, "body": {"title": "Bad Request"}})
        status, _, data = self.ns.request("POST", f"/services/rest/auth/oauth2/v1/clients/{MAIN}/certificates",
                                          {"fileContent": make_cert(key_for("ES256")), "role": 3, "entity": -5},
                                          {"Authorization": "Bearer " + token})
        self.assertEqual((status, json.loads(data)), (400, {"title": "Bad Request"}))


class RestApi(SharedStandIn):
    def test_suiteql_with_a_token(self):
        token = self.ns.new_token()
        status, _, data = self.ns.request("POST", "/services/rest/query/v1/suiteql?limit=1",
                                          {"q": "SELECT id FROM employee"},
                                          {"Authorization": "Bearer " + token, "Prefer": "transient"})
        self.assertEqual(status, 200, data)
        answer = json.loads(data)
        self.assertEqual(answer["items"], [{"links": [], "id": "1"}])
        self.assertEqual((answer["count"], answer["hasMore"], answer["offset"], answer["totalResults"]), (1, False, 0, 1))

    def test_invalid_login_is_oracles_body(self):
        with open(os.path.join(ORACLE, "invalid-login.json")) as f:
            oracle = json.load(f)
        expired = self.ns.new_token()
        restlets = self.ns.new_token(scope=["restlets"])
        no_rest = self.ns.new_token(role=1003)
        cases = {"none": None, "garbage": "Bearer nope", "restlets-only": "Bearer " + restlets,
                 "role without REST": "Bearer " + no_rest}
        for name, auth in cases.items():
            with self.subTest(name):
                status, headers, data = self.ns.request("POST", "/services/rest/query/v1/suiteql", {"q": "SELECT 1"},
                                                        {"Authorization": auth} if auth else {})
                self.assertEqual((status, json.loads(data)), (401, oracle))
                self.assertEqual(headers["www-authenticate"],
                                 'Bearer realm="3829855", error="invalid_token", error_description="Invalid login attempt."')
        # A token past its hour.
        self.ns.control("tokens", {"action": "expire"})
        status, _, _ = self.ns.request("POST", "/services/rest/query/v1/suiteql", {"q": "SELECT 1"},
                                       {"Authorization": "Bearer " + expired})
        self.assertEqual(status, 401)
        self.assertEqual(self.ns.last_log()["detail"], "AccessTokenExpired")


class CertificateApi(unittest.TestCase):
    """Oracle's examples replayed (article_11111634165, article_0209112025, article_0209112818)."""

    def setUp(self):
        self.ns = StandIn(SHARED_CONFIG)
        self.token = self.ns.new_token("ES256")  # role 3 Administrator, entity -5, as in Oracle's sample
        self.auth = {"Authorization": "Bearer " + self.token}
        self.path = f"/services/rest/auth/oauth2/v1/clients/{MAIN}/certificates"

    def tearDown(self):
        self.assertEqual(self.ns.close(), 0)

    def assertSameShape(self, mine, oracle):
        """Same keys at every level, same JSON types."""
        if isinstance(oracle, dict):
            self.assertIsInstance(mine, dict)
            self.assertEqual(list(mine), list(oracle))
            for key in oracle:
                self.assertSameShape(mine[key], oracle[key])
        else:
            self.assertIs(type(mine), type(oracle), (mine, oracle))

    def test_add_oracles_certificate_verbatim(self):
        with open(os.path.join(ORACLE, "add-request.json"), "rb") as f:
            body = f.read()
        self.assertEqual(len(body), 883)  # the content-length Oracle's page shows
        headers = dict(self.auth, **{"Content-Type": "application/json"})
        status, h, data = self.ns.request("POST", self.path + "?c=", body, headers)
        self.assertEqual(status, 200, data)
        answer = json.loads(data)
        with open(os.path.join(ORACLE, "add-response.json")) as f:
            oracle = json.load(f)
        self.assertSameShape(answer, oracle)
        for key in ("certificate_id", "algorithm", "created_at", "valid_from", "valid_until", "invalidated"):
            if key != "created_at":
                self.assertEqual(answer[key], oracle[key], key)
        self.assertEqual(answer["entity_role_id"], {"com": "3829855", "ent": -5, "rol": 1000})
        self.assertEqual(answer["certificate"].split(), oracle["certificate"].split())
        with open(os.path.join(ORACLE, "certificate-id.txt")) as f:
            self.assertEqual(answer["certificate_id"], f.read().strip())
        # Expired (2026-03-01): listed, not active, not usable.
        listing = self.list()
        mine = [e for e in listing if e["certificate_id"] == oracle["certificate_id"]][0]
        self.assertEqual((mine["valid_until"], mine["revoked"], mine["role"]["name"]), ("2026-03-01", False, "M2M role"))

    def list(self):
        status, headers, data = self.ns.request("GET", self.path + "?c=", headers=self.auth)
        self.assertEqual(status, 200, data)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        return json.loads(data)

    def test_list_has_oracles_shape(self):
        with open(os.path.join(ORACLE, "list-response.json")) as f:
            oracle = json.load(f)
        listing = self.list()
        self.assertIsInstance(listing, list)
        self.assertEqual(len(listing), 1)
        self.assertSameShape(listing[0], oracle[0])
        self.assertEqual(listing[0]["application"], oracle[0]["application"])  # configured as Oracle's "outlook"
        self.assertEqual(listing[0]["entity"], oracle[1]["entity"])  # -5 "Test Test"
        self.assertEqual(listing[0]["role"], oracle[0]["role"])  # 3 Administrator
        self.assertEqual(listing[0]["algorithm"], "EC")

    def test_revoke(self):
        kid = self.list()[0]["certificate_id"]
        url = f"{self.path}/{kid}/revoke?c="
        status, headers, data = self.ns.request("POST", url, b"", dict(self.auth, **{"Content-Type": "application/json"}))
        with open(os.path.join(ORACLE, "revoke-response.txt"), "rb") as f:
            self.assertEqual((status, data), (200, f.read()))
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        self.assertTrue(self.list()[0]["revoked"])
        # The token stays valid; revoking twice is refused; an unknown ID is not found.
        self.assertEqual(self.ns.request("POST", url, b"", self.auth)[0], 400)
        self.assertEqual(self.ns.request("POST", f"{self.path}/{'A' * 43}/revoke", b"", self.auth)[0], 404)

    def add(self, pem, role=3, entity=-5):
        return self.ns.request("POST", self.path, {"fileContent": pem, "role": role, "entity": entity}, self.auth)

    def test_five_active_certificates(self):
        # One active already (the token's). Oracle's expired example does not count.
        with open(os.path.join(ORACLE, "certificate.pem")) as f:
            self.assertEqual(self.add(f.read(), 1000, "-5")[0], 200)
        added = []
        for _ in range(4):
            status, _, data = self.add(make_cert(key_for("ES256")))
            self.assertEqual(status, 200, data)
            added.append(json.loads(data)["certificate_id"])
        status, headers, data = self.add(make_cert(key_for("ES256")))
        self.assertEqual(status, 400)
        body = json.loads(data)
        self.assertEqual(body["o:errorDetails"][0]["o:errorCode"], "USER_ERROR")
        self.assertIn("maximum of five active certificates", body["o:errorDetails"][0]["detail"])
        self.assertEqual(self.ns.request("POST", f"{self.path}/{added[0]}/revoke", b"", self.auth)[0], 200)
        self.assertEqual(self.add(make_cert(key_for("ES256")))[0], 200)

    def test_upload_refusals(self):
        pem = make_cert(key_for("ES256"))
        self.assertEqual(self.add(pem)[0], 200)
        cases = {
            "same certificate again": (pem, 3, -5, "USER_ERROR"),
            "private key inside": (pem + key_for("ES256").private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode(),
                3, -5, "INVALID_CONTENT"),
            "RSA 2048": (make_cert(rsa.generate_private_key(65537, 2048)), 3, -5, "INVALID_CONTENT"),
            "secp256k1": (make_cert(ec.generate_private_key(ec.SECP256K1())), 3, -5, "INVALID_CONTENT"),
            "not a certificate": ("hello", 3, -5, "INVALID_CONTENT"),
            "inactive role": (make_cert(key_for("ES256")), 1001, -5, "INVALID_CONTENT"),
            "unknown entity": (make_cert(key_for("ES256")), 3, 4242, "INVALID_CONTENT"),
            "role not a number": (make_cert(key_for("ES256")), "admin", -5, "INVALID_CONTENT"),
        }
        for name, (text, role, entity, code) in cases.items():
            with self.subTest(name):
                status, headers, data = self.add(text, role, entity)
                self.assertEqual(status, 400, data)
                self.assertEqual(json.loads(data)["o:errorDetails"][0]["o:errorCode"], code)
                self.assertTrue(headers["content-type"].startswith("application/vnd.oracle.resource+json"))

    def test_who_may_call(self):
        restlets = self.ns.new_token(scope=["restlets"])
        self.assertEqual(self.ns.request("GET", self.path, headers={"Authorization": "Bearer " + restlets})[0], 401)
        other = self.ns.new_token(client_id=OTHER)
        self.assertEqual(self.ns.request("GET", self.path, headers={"Authorization": "Bearer " + other})[0], 403)
        no_manage = self.ns.new_token(role=1004)
        status, _, data = self.ns.request("GET", self.path, headers={"Authorization": "Bearer " + no_manage})
        self.assertEqual((status, json.loads(data)["o:errorDetails"][0]["o:errorCode"]), (403, "INSUFFICIENT_PERMISSION"))
        status, _, _ = self.ns.request("GET", f"/services/rest/auth/oauth2/v1/clients/{'9' * 64}/certificates", headers=self.auth)
        self.assertEqual(status, 404)

    def test_sandbox_refresh_wipes_the_setup(self):
        kid = self.list()[0]["certificate_id"]
        self.ns.control("mappings", {"action": "wipe"})
        status, _, _ = self.ns.request("GET", self.path, headers=self.auth)
        self.assertEqual(status, 401)  # tokens went with it
        status, _, data = self.ns.token(self.ns.assertion("ES256", kid))
        self.assertEqual((status, self.ns.last_log()["detail"]), (500, "MissingKey"))


class Configured(unittest.TestCase):
    """Settings that need their own stand-in."""

    def start(self, config, extra_args=None):
        ns = StandIn(config, extra_args)
        self.addCleanup(lambda: self.assertEqual(ns.close(), 0))
        return ns

    def test_clock_offset_moves_the_date_header_and_the_checks(self):
        ns = self.start({"clock_offset": -86400, "integrations": [{"client_id": MAIN}]})
        kid = ns.upload(make_cert(key_for("ES256"), not_before=dt.datetime.now(dt.UTC) - dt.timedelta(days=3)))
        status, headers, _ = ns.token(ns.assertion("ES256", kid))
        server_time = email.utils.parsedate_to_datetime(headers["date"]).timestamp()
        self.assertLess(abs(server_time - (time.time() - 86400)), 300)
        self.assertEqual(status, 400)
        self.assertEqual(ns.last_log()["detail"], "TokenNotAcceptable")
        yesterday = int(time.time()) - 86400
        self.assertEqual(ns.token(ns.assertion("ES256", kid, {"iat": yesterday, "exp": yesterday + 300}))[0], 200)

    def test_expires_in_as_string_and_refusal_overrides_and_feature_off(self):
        ns = self.start({"expires_in_as_string": True, "token_lifetime": 120,
                         "refusals": {"SignatureValidation": {"status": 400, "error": "invalid_grant"}},
                         "integrations": [{"client_id": MAIN}]})
        kid = ns.upload(make_cert(key_for("ES256")))
        status, _, data = ns.token(ns.assertion("ES256", kid))
        self.assertEqual((status, json.loads(data)["expires_in"]), (200, "120"))
        status, _, data = ns.token(ns.assertion("ES256", kid, key=ec.generate_private_key(ec.SECP256R1())))
        self.assertEqual((status, json.loads(data)), (400, {"error": "invalid_grant"}))
        ns.control("config", {"settings": {"oauth2_feature": False}})
        status, _, _ = ns.token(ns.assertion("ES256", kid))
        self.assertEqual((status, ns.last_log()["detail"]), (401, "FeatureDisabled"))

    def test_two_year_rule(self):
        pem = make_cert(key_for("ES256"), days=5 * 365, not_before=dt.datetime(2026, 1, 30, 10, 28, 38, tzinfo=dt.UTC))
        ns = self.start({"integrations": [{"client_id": MAIN}], "mappings": [{"certificate": pem}]})
        entry = ns.control("mappings")["mappings"][0]
        self.assertEqual((entry["valid_from"], entry["valid_until"]), ("2026-01-30", "2028-01-30"))
        ns2 = self.start({"two_year_rule_from": "upload", "integrations": [{"client_id": MAIN}],
                          "mappings": [{"certificate": pem}]})
        today = dt.datetime.now(dt.UTC).date()
        entry = ns2.control("mappings")["mappings"][0]
        self.assertEqual(entry["valid_until"], today.replace(year=today.year + 2).isoformat())

    def test_certificate_file_and_config_errors(self):
        tmp = tempfile.mkdtemp(prefix="standin-")
        self.addCleanup(shutil.rmtree, tmp)
        shutil.copy(os.path.join(ORACLE, "certificate.pem"), os.path.join(tmp, "oracle.pem"))
        ns = StandIn({"integrations": [{"client_id": MAIN}],
                      "mappings": [{"certificate_file": "oracle.pem", "entity": -5, "role": 1000, "valid_until": "2099-12-31"}]},
                     tmp=tmp)
        self.addCleanup(lambda: self.assertEqual(ns.close(), 0))
        entry = ns.control("mappings")["mappings"][0]
        self.assertEqual((entry["certificate_id"], entry["valid_until"], entry["usable"]),
                         ("NPMnRyPg-WDWhPiAbisjKiH0fqnBpjOZ367wDTe0pqA", "2099-12-31", True))
        weak = make_cert(rsa.generate_private_key(65537, 2048))
        for config in ({"mappings": [{"certificate": weak}]}, {"nonsense": 1}, {"integrations": [{"name": "x"}]}):
            with self.subTest(config=list(config)):
                path = os.path.join(tmp, "bad.json")
                with open(path, "w") as f:
                    json.dump(config, f)
                run = subprocess.run([sys.executable, NETSUITE, "--config", path], capture_output=True, text=True, timeout=60)
                self.assertEqual(run.returncode, 2)
                self.assertTrue(run.stderr.startswith("netsuite.py: "), run.stderr)
                self.assertEqual(run.stdout, "")
        ns3 = self.start({"mappings": [{"certificate": weak, "unchecked": True}]})
        self.assertEqual(ns3.control("mappings")["mappings"][0]["algorithm"], "RSA")

    @unittest.skipUnless(os.path.exists(os.path.join(TLS, "server.pem")), "fixtures/tls missing")
    def test_tls(self):
        ns = self.start({}, ["--tls", os.path.join(TLS, "server.pem"), os.path.join(TLS, "server-key.pem")])
        self.assertTrue(ns.base.startswith("https://127.0.0.1:"))
        ns.ssl_context = ssl.create_default_context(cafile=os.path.join(TLS, "ca.pem"))
        status, _, data = ns.token(None)
        self.assertEqual((status, json.loads(data)), (400, {"error": "invalid_request"}))
        self.assertEqual(ns.ready["token_url"], ns.base + "/services/rest/auth/oauth2/v1/token")


class OracleCertificateId(unittest.TestCase):
    def test_kid_rule_on_oracles_example(self):
        with open(os.path.join(ORACLE, "certificate.pem")) as f:
            pem = f.read()
        with open(os.path.join(ORACLE, "certificate-id.txt")) as f:
            expected = f.read().strip()
        self.assertEqual(expected, "NPMnRyPg-WDWhPiAbisjKiH0fqnBpjOZ367wDTe0pqA")
        self.assertEqual(cert_id_of(pem), expected)
        sys.path.insert(0, HERE)
        try:
            import netsuite
        finally:
            sys.path.remove(HERE)
        self.assertEqual(netsuite.certificate_id(x509.load_pem_x509_certificate(pem.encode())), expected)

    @unittest.skipUnless(shutil.which("openssl"), "openssl missing")
    def test_kid_rule_with_openssl(self):
        # The command in NETSUITE.md.
        cmd = ("openssl x509 -in {} -outform DER | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='"
               .format(os.path.join(ORACLE, "certificate.pem")))
        out = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, check=True).stdout.strip()
        with open(os.path.join(ORACLE, "certificate-id.txt")) as f:
            self.assertEqual(out, f.read().strip())


if __name__ == "__main__":
    unittest.main()
