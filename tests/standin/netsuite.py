#!/usr/bin/env python3
"""A stand-in NetSuite for tests: the OAuth 2.0 client credentials (M2M) token endpoint, the SuiteQL
probe and the certificate rotation API, built from Oracle's NetSuite help pages (page IDs below), not
from nskeys' code. Python 3.11, stdlib + PyJWT + cryptography.

    python3 tests/standin/netsuite.py [--config FILE.json] [--port 0] [--tls CERT KEY] [--verbose]
    python3 tests/standin/netsuite.py --self-test

It listens on 127.0.0.1 (port 0 = a free one), serves every request in its own thread, and prints ONE
JSON line on stdout when ready, then serves until SIGTERM/SIGINT (exit 0):

    {"base": "http://127.0.0.1:PORT", "token_url": "<base>/services/rest/auth/oauth2/v1/token",
     "api_base": "<base>/services/rest/auth/oauth2/v1", "rest_base": "<base>/services/rest",
     "suiteql_url": "<base>/services/rest/query/v1/suiteql", "account_id": "...",
     "client_ids": ["..."], "pid": 1234}

With --tls CERT KEY it serves https instead (fixtures/tls/server.pem + server-key.pem, whose CA is
fixtures/tls/ca.pem); the handshake happens in the request's thread.

CONFIG (JSON; every field optional; paths are relative to the config file)
  account_id             "1234567"   the account; `com` in the add answer, realm in WWW-Authenticate.
  oauth2_feature         true        false: every token request is refused (FeatureDisabled).
  token_lifetime         3600        seconds an access token lives (Oracle: "valid for 60 minutes").
  expires_in_as_string   false       true: answer "expires_in": "3600" (an older page showed a string).
  clock_offset           0           seconds added to this machine's clock to make NetSuite's clock;
                                     every check and the Date header follow it.
  clock_leeway           0           seconds of tolerance for iat in the future and exp in the past.
  max_assertion_lifetime 3600        largest exp - iat accepted (see "Rules" below).
  max_active_certificates 5          per integration record (section_162686838198).
  two_year_rule_from     "not_before"  NetSuite shortens validity to two years; counted from the
                                     certificate's notBefore ("not_before") or the upload ("upload").
  check_audience         true        false: accept any aud.
  audiences              []          extra aud values accepted besides this server's token URL (e.g.
                                     "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token").
  refusals               {}          override status/error per cause or Detail name, e.g.
                                     {"SignatureValidation": {"status": 400, "error": "invalid_grant"}}
                                     (so tests can prove a client does not depend on the pairing).
  suiteql_rows           [{"id": "1"}]  rows the SuiteQL probe answers (each gets "links": []).
  integrations  [ {                  integration records (Setup > Integration > Manage Integrations)
      "client_id": "<64 hex>",       required; the iss of the assertion
      "name": "nskeys stand-in",     shown as application.name in the list answer
      "id": 1,                       internal id (application.id, application_id in the add answer)
      "application_id": "<GUID>",    application.application_id in the list answer
      "state": "enabled",            or "blocked" (IntegrationBlocked)
      "client_credentials": true,    the "Client Credentials (Machine to Machine) Grant" box
      "public_client": false,        the "Public Client" box (M2M does not support public clients)
      "scopes": ["restlets", "rest_webservices"]   boxes checked: restlets, rest_webservices,
                                     suite_analytics, mcp (NetSuite AI Connector Service)
    } ]                              default: one integration with client_id
                                     sha256("nskeys stand-in").hexdigest() (printed in the ready line).
  roles     [ {"id": 3, "name": "Administrator", "active": true,
               "oauth2_login": true,              "Log in using OAuth 2.0 Access Tokens"
               "rest_web_services": true,         "REST Web Services" (SuiteQL probe)
               "manage_own_certificates": true} ] "Manage own OAuth 2.0 Client Credentials certificates"
  entities  [ {"id": -5, "name": "Test Test", "active": true} ]
            A role or entity a mapping names but these lists lack is created active, with every
            permission, named role_name/entity_name or "Role <id>"/"Entity <id>".
  mappings  [ {                      certificates uploaded on the M2M setup page
      "client_id": "...",            default: the first integration
      "certificate": "-----BEGIN CERTIFICATE-----...",  or "certificate_file": "path/to/public.pem"
      "entity": -5, "entity_name": "...", "role": 3, "role_name": "...",
      "created": "YYYY-MM-DD",       default: today (NetSuite's clock)
      "valid_from": "YYYY-MM-DD",    default: notBefore's day (see two_year_rule_from)
      "valid_until": "YYYY-MM-DD",   default: min(notAfter, start + 2 years); usable through that day
      "revoked": false,
      "unchecked": false             true: skip the upload conditions (key type/size), e.g. to model
                                     a mapping made before a rule existed
    } ]
  faults    [ ... ]                  see FAULTS.

RULES (from Oracle's pages, by page ID; "choice" = undocumented, decided here)
  Certificate ID (kid) = base64url, unpadded, of SHA-256 of the certificate's DER (verified on Oracle's
  example, article_0209112025; fixtures/oracle-docs/). Upload conditions (subsect_162755332391): an
  X.509 certificate; RSA 3072 or 4096 bits (an rsassaPss-OID key counts as RSA: undocumented), EC
  P-256/P-384/P-521; validity cut to two years. One certificate serves one integration+role+entity,
  and a revoked one cannot be reused (section_162686838198): uploading an ID already known is refused.
  A certificate is usable while not revoked and between valid_from and its cut expiry; an expired
  upload is accepted (choice: lets Oracle's own, now expired, example be replayed) but is not active.
  At most five ACTIVE certificates per integration through the API; revoked and expired ones do not
  count (mappings from the config or /__standin/mappings skip that limit, to build any situation).
  A sandbox refresh clears the setup (/__standin/mappings {"action": "wipe"}).

  Token endpoint POST /services/rest/auth/oauth2/v1/token, checks in this order (first failure wins):
   cause                    Detail (Login Audit Trail)  answer
   1 fault                  -                           as the fault says
   2 not form-encoded, missing/repeated grant_type, client_assertion_type or client_assertion,
     a client_secret or Authorization header too (two client authentications), assertion not
     three base64url JSON parts                  -      400 {"error":"invalid_request"}
     grant_type not client_credentials           -      400 {"error":"unsupported_grant_type"}
   3 OAuth 2.0 feature off    FeatureDisabled            401 invalid_client
   4 typ not "JWT"            -                          400 invalid_request
   5 alg not PS256..ES512     UnsupportedAlgo            500 {"error":"server_error"}  (observed)
   6 no kid                   MissingKeyId               500 server_error              (observed)
   7 kid of no usable certificate (unknown, revoked, expired, not valid yet, wiped, or a
     "not_usable_yet" fault)  MissingKey                 500 server_error              (observed)
   8 signature wrong (PS*: salt = hash length; ES*: raw r||s; alg must fit the key/curve)
                              SignatureValidation        401 invalid_client
   9 iss/aud/iat/exp missing or not integers     -       400 invalid_request (iss: InvalidIssuer)
  10 iss is no integration    InvalidIntegration         401 invalid_client
  11 iss is not the certificate's integration    InvalidIssuer  401 invalid_client
  12 integration State blocked  IntegrationBlocked       401 invalid_client
  13 client credentials box unchecked, or Public Client checked  -  400 unauthorized_client
  14 aud not this token URL (or an `audiences` entry; string or array)  -  401 invalid_client
  15 iat > now + leeway       TokenNotAcceptable         400 invalid_grant
  16 exp <= now - leeway      TokenExpired               400 invalid_grant
  17 exp - iat > max_assertion_lifetime  TokenValidityTooBroad  400 invalid_grant
  18 scope missing or empty   InvalidScope               400 invalid_scope
  19 a scope not checked on the record, unknown, or mcp  ScopeMismatched  400 invalid_scope
     (scope is a JSON array of strings or one comma-separated string)
  20 the mapping's entity or role inactive  EntityOrRoleDisabled  400 invalid_grant
  21 role lacks "Log in using OAuth 2.0 Access Tokens"  -  400 invalid_grant
  Every 401 also carries WWW-Authenticate: Basic realm="<account>" (as Oracle documents for
  invalid_client). Success: 200 {"access_token": <JWT signed RS256 by this server, like NetSuite's>,
  "expires_in": 3600, "token_type": "Bearer"}; the token is stored with expiry, scopes, client, role,
  entity and kid. Issued tokens stay valid when their certificate is later revoked (choice).

  REST: a request without a known, unexpired bearer token (or whose role went inactive or lacks
  the permission) answers 401 with Oracle's INVALID_LOGIN body (section_156570709583) and
  WWW-Authenticate: Bearer realm="<account>", error="invalid_token", error_description="Invalid
  login attempt." (subsect_158521885412).
  POST /services/rest/query/v1/suiteql: token with rest_webservices and a role with REST Web Services
     -> 200 {"links":[...],"count":N,"hasMore":false,"items":[...],"offset":0,"totalResults":N};
     body without a "q" string -> 400 INVALID_CONTENT.
  /services/rest/auth/oauth2/v1/clients/<ClientID>/certificates (article_92130837826): token with
     rest_webservices (else 401 INVALID_LOGIN), issued for that same integration and to a role with
     "Manage own OAuth 2.0 Client Credentials certificates" (else 403 INSUFFICIENT_PERMISSION; choice);
     unknown ClientID -> 404 NONEXISTENT_ID.
   GET  -> 200, Oracle's list shape (a top-level array, compact JSON), revoked and expired included.
   POST {"fileContent": PEM, "role": id, "entity": id} (ids as numbers or strings) -> 200, Oracle's
        add shape. Refusals (choice; NetSuite REST error bodies): not JSON / no certificate / a private
        key in fileContent / key type or size refused / unknown or inactive role or entity -> 400
        INVALID_CONTENT with o:errorPath; the certificate ID already mapped, or a sixth active
        certificate -> 400 USER_ERROR, the latter with Oracle's sentence "You can have a maximum of
        five active certificates per integration record. Revoked and expired certificates don't count
        toward the limit."
   POST .../certificates/<CertificateID>/revoke (any body) -> 200 text/plain "Successfully revoked";
        unknown ID -> 404 NONEXISTENT_ID; already revoked -> 400 USER_ERROR.

FAULTS: a list of objects, each used `count` times (default 1; null = always), first match wins:
  {"endpoint": "token"|"suiteql"|"certs_list"|"certs_add"|"certs_revoke"|"any",  (default "token")
   "kid": "...",               token only: match assertions with this kid
   "delay_ms": 0,              wait before answering (alone: then answer normally)
   "status": 503, "body": "text or JSON value", "content_type": "...", "headers": {...},
                               answer this instead (e.g. 503, a non-JSON 200, an upload error)
   "not_usable_yet": true,     token only: answer as for a kid of no usable certificate (MissingKey)
   "drop": true}               close the connection without an answer

CONTROL (/__standin/, for tests; never part of NetSuite; not logged or counted)
  GET  /__standin/log[?since=SEQ]  {"requests": [...]}: every NetSuite request (method, path, query,
                                   headers, body, status, response body, endpoint, and for token
                                   requests the decoded assertion header+claims, outcome
                                   issued|refused|fault, Detail, reason).
  GET  /__standin/stats            counts per endpoint, token_issued, token_refused, total.
  POST /__standin/reset            empty log and stats.
  GET  /__standin/mappings         every mapping with its state (active, usable, expires_at...).
  POST /__standin/mappings         {"action": "add", <mapping fields>} | {"action": "revoke"|"expire"|
                                   "delete", "certificate_id": ID} | {"action": "update",
                                   "certificate_id": ID, <fields: valid_until, revoked, role, entity...>}
                                   | {"action": "wipe"} (sandbox refresh: mappings and tokens gone).
  GET/POST /__standin/faults       {"faults": [...], "replace": false} appends; {"clear": true} empties.
  POST /__standin/config           {"settings": {<top-level scalars above>}, "integration": {client_id,
                                   fields}, "role": {id, fields}, "entity": {id, fields}}.
  POST /__standin/tokens           {"action": "expire"} (every issued token expires now) | {"action":
                                   "forget"}.
"""

from __future__ import annotations

import argparse
import base64
import copy
import datetime as dt
import email.utils
import hashlib
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
API_BASE_PATH = "/services/rest/auth/oauth2/v1"
SUITEQL_PATH = "/services/rest/query/v1/suiteql"
CLIENTS_PREFIX = API_BASE_PATH + "/clients/"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
KNOWN_SCOPES = ("restlets", "rest_webservices", "suite_analytics")
DEFAULT_CLIENT_ID = hashlib.sha256(b"nskeys stand-in").hexdigest()

# alg -> (key kind, hash, EC curve name or None): The Request Token Structure (section_162790605110)
# and section_0312092212's table (ES256 P-256 SHA-256, ES384 P-384, ES512 P-521).
ALGS = {
    "PS256": ("RSA", hashes.SHA256, None),
    "PS384": ("RSA", hashes.SHA384, None),
    "PS512": ("RSA", hashes.SHA512, None),
    "ES256": ("EC", hashes.SHA256, "secp256r1"),
    "ES384": ("EC", hashes.SHA384, "secp384r1"),
    "ES512": ("EC", hashes.SHA512, "secp521r1"),
}
RSA_SIZES = (3072, 4096)
EC_CURVES = ("secp256r1", "secp384r1", "secp521r1")

# cause -> (Login Audit Trail Detail or None when Oracle names none, HTTP status, OAuth error)
CAUSES = {
    "malformed_request": (None, 400, "invalid_request"),
    "unsupported_grant_type": (None, 400, "unsupported_grant_type"),
    "feature_disabled": ("FeatureDisabled", 401, "invalid_client"),
    "bad_typ": (None, 400, "invalid_request"),
    "unsupported_alg": ("UnsupportedAlgo", 500, "server_error"),
    "missing_kid": ("MissingKeyId", 500, "server_error"),
    "unknown_kid": ("MissingKey", 500, "server_error"),
    "bad_signature": ("SignatureValidation", 401, "invalid_client"),
    "missing_claim": (None, 400, "invalid_request"),
    "missing_iss": ("InvalidIssuer", 401, "invalid_client"),
    "unknown_integration": ("InvalidIntegration", 401, "invalid_client"),
    "wrong_issuer": ("InvalidIssuer", 401, "invalid_client"),
    "integration_blocked": ("IntegrationBlocked", 401, "invalid_client"),
    "grant_not_allowed": (None, 400, "unauthorized_client"),
    "public_client": (None, 400, "unauthorized_client"),
    "wrong_audience": (None, 401, "invalid_client"),
    "issued_in_future": ("TokenNotAcceptable", 400, "invalid_grant"),
    "expired": ("TokenExpired", 400, "invalid_grant"),
    "validity_too_broad": ("TokenValidityTooBroad", 400, "invalid_grant"),
    "empty_scope": ("InvalidScope", 400, "invalid_scope"),
    "scope_mismatch": ("ScopeMismatched", 400, "invalid_scope"),
    "entity_or_role_disabled": ("EntityOrRoleDisabled", 400, "invalid_grant"),
    "role_cannot_log_in": (None, 400, "invalid_grant"),
}

# Oracle's verbatim 401 body (section_156570709583, "Invalid Login Information").
INVALID_LOGIN_DETAIL = (
    "Invalid login attempt. For more details, see the Login Audit Trail in the NetSuite UI at "
    "Setup > Users/Roles > User Management > View Login Audit Trail."
)
FIVE_CERTIFICATES_SENTENCE = (
    "You can have a maximum of five active certificates per integration record. "
    "Revoked and expired certificates don't count toward the limit."
)
ERROR_TYPE_ANCHOR = {400: "#sec10.4.1", 403: "#sec10.4.4", 404: "#sec10.4.5", 405: "#sec10.4.6"}
ERROR_TITLE = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
               405: "Method Not Allowed", 500: "Internal Server Error", 503: "Service Unavailable"}
# NetSuite REST answers errors as this media type (inference: not on the pages read).
NS_ERROR_CONTENT_TYPE = "application/vnd.oracle.resource+json; type=error; charset=UTF-8"
JSON_CONTENT_TYPE = "application/json;charset=UTF-8"

SETTINGS_DEFAULTS = {
    "account_id": "1234567",
    "oauth2_feature": True,
    "token_lifetime": 3600,
    "expires_in_as_string": False,
    "clock_offset": 0,
    "clock_leeway": 0,
    "max_assertion_lifetime": 3600,
    "max_active_certificates": 5,
    "two_year_rule_from": "not_before",
    "check_audience": True,
    "audiences": [],
    "refusals": {},
    "suiteql_rows": [{"id": "1"}],
}
ENDPOINTS = ("token", "suiteql", "certs_list", "certs_add", "certs_revoke", "other")


class ConfigError(Exception):
    """A config or control request that makes no sense; the text says what."""


class Refusal(Exception):
    """A token request NetSuite would refuse, by cause (a key of CAUSES)."""

    def __init__(self, cause: str, reason: str):
        super().__init__(reason)
        self.cause = cause
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# Small helpers


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    # Strict: JWS compact serialization is unpadded base64url (RFC 7515 section 2).
    if not text or any(c not in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" for c in text):
        raise ValueError("not base64url")
    if len(text) % 4 == 1:
        raise ValueError("bad base64url length")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def certificate_id(cert: x509.Certificate) -> str:
    """NetSuite's Certificate ID: base64url, unpadded, of SHA-256 of the certificate's DER."""
    return b64url(hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest())


def day(value: dt.datetime | dt.date) -> str:
    return value.strftime("%Y-%m-%d")


def parse_day(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ConfigError(f"{field} must be a date YYYY-MM-DD, not {text!r}") from None


def start_of(d: dt.date) -> float:
    return dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp()


def add_two_years(t: dt.datetime) -> dt.datetime:
    try:
        return t.replace(year=t.year + 2)
    except ValueError:  # 29 February
        return t.replace(year=t.year + 2, day=28)


def as_int_id(value, field: str) -> int:
    if isinstance(value, bool):
        raise ConfigError(f"{field} must be a number")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise ConfigError(f"{field} must be a number or a numeric string, not {value!r}")


def key_description(key) -> tuple[str, str | None]:
    """("RSA"|"EC"|other, None or why NetSuite refuses it)."""
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size not in RSA_SIZES:
            return "RSA", f"RSA key of {key.key_size} bits: NetSuite takes 3072 or 4096"
        return "RSA", None
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name not in EC_CURVES:
            return "EC", f"EC curve {key.curve.name}: NetSuite takes P-256, P-384 or P-521"
        return "EC", None
    return type(key).__name__, "not an RSA or EC key"


def load_certificate_pem(text: str) -> x509.Certificate:
    if "PRIVATE KEY-----" in text:
        raise ConfigError("the certificate text holds a private key: upload only the certificate")
    start = text.find("-----BEGIN CERTIFICATE-----")
    end = text.find("-----END CERTIFICATE-----", start)
    if start < 0 or end < 0:
        raise ConfigError("no PEM certificate (-----BEGIN CERTIFICATE-----) found")
    block = text[start:end + len("-----END CERTIFICATE-----")]
    try:
        return x509.load_pem_x509_certificate(block.encode("ascii"))
    except (ValueError, UnicodeEncodeError) as err:
        raise ConfigError(f"the certificate cannot be read: {err}") from None


# ---------------------------------------------------------------------------------------------
# NetSuite's state


class NetSuite:
    """One account: integrations, roles, entities, mappings, issued tokens, faults, log."""

    def __init__(self, config: dict, base_dir: str):
        self.lock = threading.RLock()
        self.base_dir = base_dir
        self.settings = dict(SETTINGS_DEFAULTS)
        for name in SETTINGS_DEFAULTS:
            if name in config:
                self.settings[name] = config[name]
        self.settings["account_id"] = str(self.settings["account_id"])
        unknown = set(config) - set(SETTINGS_DEFAULTS) - {"integrations", "roles", "entities", "mappings", "faults"}
        if unknown:
            raise ConfigError(f"unknown config fields: {', '.join(sorted(unknown))}")
        self.integrations: dict[str, dict] = {}
        for n, integ in enumerate(config.get("integrations") or [{"client_id": DEFAULT_CLIENT_ID}], start=1):
            self.put_integration(integ, default_id=n)
        self.roles: dict[int, dict] = {}
        for role in config.get("roles") or [{"id": 3, "name": "Administrator"}]:
            self.put_role(role)
        self.entities: dict[int, dict] = {}
        for entity in config.get("entities") or [{"id": -5, "name": "Test Test"}]:
            self.put_entity(entity)
        self.mappings: dict[str, dict] = {}
        for mapping in config.get("mappings") or []:
            self.add_mapping(mapping)
        self.faults: list[dict] = [self.check_fault(f) for f in config.get("faults") or []]
        self.tokens: dict[str, dict] = {}
        self.log: list[dict] = []
        self.stats = {name: 0 for name in ENDPOINTS}
        self.stats.update(token_issued=0, token_refused=0, total=0)
        # NetSuite signs its access tokens (RS256 in Oracle's examples); so does the stand-in.
        self.signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    # --- clock

    def now(self) -> float:
        return time.time() + float(self.settings["clock_offset"])

    def today(self) -> dt.date:
        return dt.datetime.fromtimestamp(self.now(), dt.UTC).date()

    # --- records

    def put_integration(self, fields: dict, default_id: int | None = None) -> dict:
        client_id = fields.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise ConfigError("an integration needs a client_id string")
        integ = self.integrations.get(client_id) or {
            "client_id": client_id,
            "name": "nskeys stand-in",
            "id": default_id or len(self.integrations) + 1,
            "application_id": str(uuid.uuid5(uuid.NAMESPACE_URL, client_id)).upper(),
            "state": "enabled",
            "client_credentials": True,
            "public_client": False,
            "scopes": ["restlets", "rest_webservices"],
        }
        for key, value in fields.items():
            if key not in integ:
                raise ConfigError(f"unknown integration field {key!r}")
            integ[key] = value
        if integ["state"] not in ("enabled", "blocked"):
            raise ConfigError("integration state must be \"enabled\" or \"blocked\"")
        if not isinstance(integ["scopes"], list):
            raise ConfigError("integration scopes must be a list")
        self.integrations[client_id] = integ
        return integ

    def put_role(self, fields: dict) -> dict:
        role_id = as_int_id(fields.get("id"), "role id")
        role = self.roles.get(role_id) or {
            "id": role_id, "name": f"Role {role_id}", "active": True,
            "oauth2_login": True, "rest_web_services": True, "manage_own_certificates": True,
        }
        for key, value in fields.items():
            if key not in role:
                raise ConfigError(f"unknown role field {key!r}")
            role[key] = role_id if key == "id" else value
        self.roles[role_id] = role
        return role

    def put_entity(self, fields: dict) -> dict:
        entity_id = as_int_id(fields.get("id"), "entity id")
        entity = self.entities.get(entity_id) or {"id": entity_id, "name": f"Entity {entity_id}", "active": True}
        for key, value in fields.items():
            if key not in entity:
                raise ConfigError(f"unknown entity field {key!r}")
            entity[key] = entity_id if key == "id" else value
        self.entities[entity_id] = entity
        return entity

    def add_mapping(self, fields: dict) -> dict:
        """A certificate uploaded for integration + role + entity, as the M2M setup page would."""
        allowed = {"client_id", "certificate", "certificate_file", "entity", "entity_name", "role",
                   "role_name", "created", "valid_from", "valid_until", "revoked", "unchecked", "action"}
        unknown = set(fields) - allowed
        if unknown:
            raise ConfigError(f"unknown mapping fields: {', '.join(sorted(unknown))}")
        client_id = fields.get("client_id") or next(iter(self.integrations))
        if client_id not in self.integrations:
            raise ConfigError(f"mapping for unknown integration {client_id!r}")
        if "certificate_file" in fields:
            path = os.path.join(self.base_dir, fields["certificate_file"])
            try:
                with open(path, encoding="utf-8") as f:
                    pem = f.read()
            except OSError as err:
                raise ConfigError(f"cannot read certificate_file {path}: {err}") from None
        elif isinstance(fields.get("certificate"), str):
            pem = fields["certificate"]
        else:
            raise ConfigError("a mapping needs \"certificate\" (PEM text) or \"certificate_file\"")
        cert = load_certificate_pem(pem)
        algorithm, refusal = key_description(cert.public_key())
        if refusal and not fields.get("unchecked"):
            raise ConfigError(refusal)
        entity_id = as_int_id(fields.get("entity", -5), "entity")
        role_id = as_int_id(fields.get("role", 3), "role")
        if entity_id not in self.entities:
            self.put_entity({"id": entity_id, **({"name": fields["entity_name"]} if "entity_name" in fields else {})})
        if role_id not in self.roles:
            self.put_role({"id": role_id, **({"name": fields["role_name"]} if "role_name" in fields else {})})
        cert_id = certificate_id(cert)
        if cert_id in self.mappings:
            raise ConfigError(f"certificate {cert_id} is already mapped (one certificate serves one "
                              "integration, role and entity; a revoked one cannot be reused)")
        not_before = cert.not_valid_before_utc
        not_after = cert.not_valid_after_utc
        if self.settings["two_year_rule_from"] not in ("upload", "not_before"):
            raise ConfigError("two_year_rule_from must be \"not_before\" or \"upload\"")
        upload = dt.datetime.fromtimestamp(self.now(), dt.UTC)
        start = upload if self.settings["two_year_rule_from"] == "upload" else not_before
        usable_from = max(not_before, start).timestamp()
        expires_at = min(not_after, add_two_years(start)).timestamp()
        if "valid_from" in fields:
            usable_from = start_of(parse_day(fields["valid_from"], "valid_from"))
        if "valid_until" in fields:
            expires_at = start_of(parse_day(fields["valid_until"], "valid_until")) + 86400
        created = parse_day(fields["created"], "created") if "created" in fields else self.today()
        mapping = {
            "certificate_id": cert_id,
            "client_id": client_id,
            "pem": cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            "public_key": cert.public_key(),
            "algorithm": algorithm,
            "entity": entity_id,
            "role": role_id,
            "created": created,
            "usable_from": usable_from,
            "expires_at": expires_at,
            "revoked": bool(fields.get("revoked", False)),
        }
        self.mappings[cert_id] = mapping
        return mapping

    def mapping_dates(self, m: dict) -> tuple[str, str]:
        valid_from = dt.datetime.fromtimestamp(m["usable_from"], dt.UTC)
        # expires_at is the instant it stops; the day shown is the last day it works when the cut
        # falls on midnight (a config valid_until), else the day of the instant.
        until = dt.datetime.fromtimestamp(m["expires_at"], dt.UTC)
        if until.time() == dt.time(0, 0):
            until -= dt.timedelta(days=1)
        return day(valid_from), day(until)

    def is_active(self, m: dict) -> bool:
        return not m["revoked"] and self.now() < m["expires_at"]

    def is_usable(self, m: dict) -> bool:
        return self.is_active(m) and self.now() >= m["usable_from"]

    def active_count(self, client_id: str) -> int:
        return sum(1 for m in self.mappings.values() if m["client_id"] == client_id and self.is_active(m))

    def list_entry(self, m: dict) -> dict:
        """One element of Oracle's GET answer (article_11111634165), fields in Oracle's order."""
        integ = self.integrations[m["client_id"]]
        entity = self.entities[m["entity"]]
        role = self.roles[m["role"]]
        valid_from, valid_until = self.mapping_dates(m)
        return {
            "application": {"id": integ["id"], "name": integ["name"],
                            "url": f"/app/common/integration/integrapp.nl?id={integ['id']}",
                            "application_id": integ["application_id"]},
            "entity": {"id": entity["id"], "name": entity["name"],
                       "url": f"/app/common/entity/entity.nl?id={entity['id']}"},
            "role": {"id": role["id"], "name": role["name"], "url": f"/app/setup/role.nl?id={role['id']}"},
            "created": day(m["created"]),
            "valid_from": valid_from,
            "valid_until": valid_until,
            "revoked": m["revoked"],
            "certificate_id": m["certificate_id"],
            "algorithm": m["algorithm"],
        }

    def add_entry(self, m: dict) -> dict:
        """Oracle's POST answer (article_0209112025), fields in Oracle's order."""
        integ = self.integrations[m["client_id"]]
        valid_from, valid_until = self.mapping_dates(m)
        return {
            "entity_role_id": {"com": self.settings["account_id"], "ent": m["entity"], "rol": m["role"]},
            "application_id": integ["id"],
            "certificate_id": m["certificate_id"],
            "certificate": m["pem"],
            "algorithm": m["algorithm"],
            "created_at": day(m["created"]),
            "valid_from": valid_from,
            "valid_until": valid_until,
            "invalidated": m["revoked"],
        }

    def control_view(self, m: dict) -> dict:
        view = self.list_entry(m)
        view.update(client_id=m["client_id"], active=self.is_active(m), usable=self.is_usable(m),
                    expires_at=int(m["expires_at"]), usable_from=int(m["usable_from"]))
        return view

    # --- faults

    @staticmethod
    def check_fault(fault) -> dict:
        if not isinstance(fault, dict):
            raise ConfigError("a fault is a JSON object")
        allowed = {"endpoint", "kid", "delay_ms", "status", "body", "content_type", "headers",
                   "not_usable_yet", "drop", "count"}
        unknown = set(fault) - allowed
        if unknown:
            raise ConfigError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        fault = dict(fault)
        fault.setdefault("endpoint", "token")
        fault.setdefault("count", 1)
        if fault["endpoint"] not in ENDPOINTS + ("any",):
            raise ConfigError(f"fault endpoint must be one of {', '.join(ENDPOINTS)}, any")
        if (fault.get("kid") or fault.get("not_usable_yet")) and fault["endpoint"] != "token":
            raise ConfigError("kid and not_usable_yet are for token faults")
        return fault

    def take_fault(self, endpoint: str, kid: str | None) -> dict | None:
        """The first fault for this request (consumed once), or None. kid=None: faults without kid."""
        with self.lock:
            for fault in self.faults:
                if fault["endpoint"] not in (endpoint, "any") or fault["count"] == 0:
                    continue
                if bool(fault.get("kid") is not None or fault.get("not_usable_yet")) != (kid is not None):
                    continue
                if kid is not None and fault.get("kid") not in (None, kid):
                    continue
                if fault["count"] is not None:
                    fault["count"] -= 1
                return dict(fault)
        return None

    # --- refusal answers

    def refusal_answer(self, cause: str) -> tuple[str | None, int, str]:
        detail, status, error = CAUSES[cause]
        override = self.settings["refusals"].get(cause) or (detail and self.settings["refusals"].get(detail))
        if override:
            status = int(override.get("status", status))
            error = override.get("error", error)
        return detail, status, error


# ---------------------------------------------------------------------------------------------
# The token endpoint's judgement


def decode_assertion(assertion: str) -> tuple[dict, dict, bytes, bytes]:
    parts = assertion.split(".")
    if len(parts) != 3:
        raise ValueError("the assertion is not three dot-separated parts")
    header = json.loads(b64url_decode(parts[0]))
    claims = json.loads(b64url_decode(parts[1]))
    # An empty signature is alg "none"'s: let the alg rule judge it.
    signature = b64url_decode(parts[2]) if parts[2] else b""
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("the assertion's header or payload is not a JSON object")
    return header, claims, signature, (parts[0] + "." + parts[1]).encode("ascii")


def signature_ok(alg: str, key, signing_input: bytes, signature: bytes) -> bool:
    kind, hash_cls, curve = ALGS[alg]
    try:
        if kind == "RSA":
            if not isinstance(key, rsa.RSAPublicKey):
                return False
            # RFC 7518 3.5: salt length = hash length (not the certificate's own salt).
            key.verify(signature, signing_input,
                       padding.PSS(mgf=padding.MGF1(hash_cls()), salt_length=hash_cls.digest_size),
                       hash_cls())
            return True
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != curve:
            return False
        # RFC 7518 3.4: raw r||s, each exactly the curve's byte length; DER is refused.
        size = (key.curve.key_size + 7) // 8
        if len(signature) != 2 * size:
            return False
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hash_cls()))
        return True
    except InvalidSignature:
        return False


def requested_scopes(scope) -> list[str] | None:
    """The scope claim as a list (JSON array of strings, or a comma-separated string); None if malformed."""
    if isinstance(scope, str):
        return [s.strip() for s in scope.split(",") if s.strip()]
    if isinstance(scope, list) and all(isinstance(s, str) for s in scope):
        return [s.strip() for s in scope if s.strip()]
    return None


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def judge_assertion(ns: NetSuite, assertion: str, token_url: str, note: dict, kid_hook=None) -> dict:
    """Apply NetSuite's rules in order; return the mapping + scopes, or raise Refusal.
    kid_hook(kid) runs once the kid is known (token faults for that kid)."""
    try:
        header, claims, signature, signing_input = decode_assertion(assertion)
    except (ValueError, UnicodeDecodeError) as err:
        raise Refusal("malformed_request", f"client_assertion is not a JWT: {err}") from None
    note["assertion"] = {"header": header, "claims": claims}
    s = ns.settings
    if not s["oauth2_feature"]:
        raise Refusal("feature_disabled", "the OAuth 2.0 feature is not enabled in the account")
    if header.get("typ") != "JWT":
        raise Refusal("bad_typ", f"header typ is {header.get('typ')!r}, not \"JWT\"")
    alg = header.get("alg")
    if alg not in ALGS:
        raise Refusal("unsupported_alg", f"header alg {alg!r} is not PS256, PS384, PS512, ES256, ES384 or ES512")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise Refusal("missing_kid", "header has no kid")
    note["kid"] = kid
    if kid_hook is not None:
        kid_hook(kid)
    with ns.lock:
        mapping = ns.mappings.get(kid)
        usable = mapping is not None and ns.is_usable(mapping)
        state = ("no certificate has this ID" if mapping is None else "the certificate is revoked"
                 if mapping["revoked"] else "the certificate is expired" if not ns.is_active(mapping)
                 else "the certificate is not valid yet" if not usable else "")
    if not usable:
        raise Refusal("unknown_kid", f"kid {kid}: {state}")
    if not signature_ok(alg, mapping["public_key"], signing_input, signature):
        raise Refusal("bad_signature", f"the {alg} signature does not verify with certificate {kid}")
    iss = claims.get("iss")
    if not isinstance(iss, str) or not iss:
        raise Refusal("missing_iss", "claim iss (the integration's client ID) is missing")
    for name in ("aud", "iat", "exp"):
        if name not in claims:
            raise Refusal("missing_claim", f"claim {name} is missing")
    if not is_int(claims["iat"]) or not is_int(claims["exp"]):
        raise Refusal("missing_claim", "claims iat and exp must be integer seconds")
    with ns.lock:
        integ = copy.deepcopy(ns.integrations.get(iss))
    if integ is None:
        raise Refusal("unknown_integration", "iss is the client ID of no integration record in this account")
    if iss != mapping["client_id"]:
        raise Refusal("wrong_issuer", "iss is not the integration this certificate is mapped to")
    if integ["state"] != "enabled":
        raise Refusal("integration_blocked", "the integration record's State is not Enabled")
    if not integ["client_credentials"]:
        raise Refusal("grant_not_allowed", "the integration's Client Credentials (Machine to Machine) Grant box is unchecked")
    if integ["public_client"]:
        raise Refusal("public_client", "the integration is a Public Client: the client credentials grant does not support it")
    if s["check_audience"]:
        aud = claims["aud"]
        auds = aud if isinstance(aud, list) else [aud]
        accepted = [token_url] + list(s["audiences"])
        if not any(a in accepted for a in auds if isinstance(a, str)):
            raise Refusal("wrong_audience", f"aud {aud!r} is not this token endpoint ({token_url})")
    now = ns.now()
    leeway = float(s["clock_leeway"])
    if claims["iat"] > now + leeway:
        raise Refusal("issued_in_future", f"iat is {claims['iat'] - now:.0f} s in NetSuite's future")
    if claims["exp"] <= now - leeway:
        raise Refusal("expired", f"exp passed {now - claims['exp']:.0f} s ago by NetSuite's clock")
    if claims["exp"] - claims["iat"] > int(s["max_assertion_lifetime"]):
        raise Refusal("validity_too_broad", f"exp - iat = {claims['exp'] - claims['iat']} s, more than {s['max_assertion_lifetime']}")
    scopes = requested_scopes(claims.get("scope"))
    if not scopes:
        raise Refusal("empty_scope", "the scope claim is missing or empty")
    for scope in scopes:
        if scope not in KNOWN_SCOPES or scope not in integ["scopes"]:
            raise Refusal("scope_mismatch", f"scope {scope!r} is not checked on the integration record"
                          + (" (mcp cannot be used with client credentials)" if scope == "mcp" else ""))
    with ns.lock:
        entity = dict(ns.entities[mapping["entity"]])
        role = dict(ns.roles[mapping["role"]])
    if not entity["active"] or not role["active"]:
        raise Refusal("entity_or_role_disabled", "the mapping's entity or role is inactive")
    if not role["oauth2_login"]:
        raise Refusal("role_cannot_log_in", "the role lacks the Log in using OAuth 2.0 Access Tokens permission")
    return {"mapping": mapping, "integration": integ, "scopes": list(dict.fromkeys(scopes))}


def issue_token(ns: NetSuite, granted: dict) -> dict:
    mapping, integ = granted["mapping"], granted["integration"]
    now = int(ns.now())
    lifetime = int(ns.settings["token_lifetime"])
    account = ns.settings["account_id"]
    # Shaped like Oracle's examples (section_158255317571): sub "role;entity", aud [app;account, client].
    claims = {
        "sub": f"{mapping['role']};{mapping['entity']}",
        "aud": [f"{integ['application_id']};{account}", integ["client_id"]],
        "scope": granted["scopes"],
        "iss": "https://system.netsuite.com",
        "exp": now + lifetime,
        "iat": now,
        "jti": f"{account}.a-c.{uuid.uuid4()}_{now * 1000}",
    }
    token = jwt.encode(claims, ns.signing_key, algorithm="RS256",
                       headers={"kid": f"c.{account}.{day(ns.today())}", "typ": "JWT"})
    with ns.lock:
        ns.tokens[token] = {"expires_at": now + lifetime, "scopes": granted["scopes"],
                            "client_id": integ["client_id"], "role": mapping["role"],
                            "entity": mapping["entity"], "kid": mapping["certificate_id"]}
    expires_in = str(lifetime) if ns.settings["expires_in_as_string"] else lifetime
    return {"access_token": token, "expires_in": expires_in, "token_type": "Bearer"}


# ---------------------------------------------------------------------------------------------
# HTTP


class Drop(Exception):
    """Close the connection without an answer (a fault)."""


class Answer(Exception):
    """Stop handling and send this answer."""

    def __init__(self, status: int, body: bytes | str | dict | list | None, content_type: str = JSON_CONTENT_TYPE,
                 headers: dict | None = None, compact: bool = True):
        super().__init__(status)
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":") if compact else None)
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.status = status
        self.body = body or b""
        self.content_type = content_type
        self.headers = headers or {}


def ns_error(status: int, detail: str, code: str, error_path: str | None = None, headers: dict | None = None) -> Answer:
    """A NetSuite REST error body (fields as section_156570709583 documents them)."""
    item = {"detail": detail, "o:errorCode": code}
    if error_path is not None:
        item["o:errorPath"] = error_path
    body = {"type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html" + ERROR_TYPE_ANCHOR.get(status, ""),
            "title": ERROR_TITLE.get(status, "Error"), "status": status, "o:errorDetails": [item]}
    return Answer(status, body, NS_ERROR_CONTENT_TYPE, headers)


def invalid_login(account: str) -> Answer:
    """NetSuite's 401: Oracle's body (section_156570709583) and header (subsect_158521885412)."""
    body = {"type": "https://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html", "title": "Unauthorized",
            "status": 401, "o:errorDetails": [{"detail": INVALID_LOGIN_DETAIL, "o:errorCode": "INVALID_LOGIN"}]}
    return Answer(401, body, NS_ERROR_CONTENT_TYPE,
                  {"WWW-Authenticate": f'Bearer realm="{account}", error="invalid_token", '
                                      'error_description="Invalid login attempt."'})


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "NetSuite-standin/1"

    def version_string(self):
        return self.server_version
    ns: NetSuite  # set on the subclass
    verbose = False

    def log_message(self, fmt, *args):  # noqa: N802 (stdlib name)
        if self.verbose:
            sys.stderr.write("netsuite.py: " + (fmt % args) + "\n")

    def date_time_string(self, timestamp=None):
        # The Date header follows NetSuite's (possibly offset) clock.
        return email.utils.formatdate(self.ns.now() if timestamp is None else timestamp, usegmt=True)

    def do_GET(self):  # noqa: N802
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # --- plumbing

    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send(self, answer: Answer):
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    def base_url(self) -> str:
        return self.server.base_url  # type: ignore[attr-defined]

    def dispatch(self):
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path.startswith("/__standin/"):
            try:
                answer = self.control(path, url.query, body)
            except ConfigError as err:
                answer = Answer(400, {"error": str(err)})
            except Answer as a:
                answer = a
            self.send(answer)
            return
        endpoint, route = self.route(path)
        entry = {"method": self.command, "path": path, "query": url.query, "endpoint": endpoint,
                 "headers": dict(self.headers.items()), "body": body.decode("utf-8", "replace"),
                 "time": round(self.ns.now(), 3), "outcome": None, "detail": None, "reason": None}
        with self.ns.lock:
            self.ns.stats[endpoint] += 1
            self.ns.stats["total"] += 1
        answer: Answer | None = None
        try:
            self.apply_fault(self.ns.take_fault(endpoint, None), entry)
            answer = route(body, url.query, entry)
        except Answer as a:
            answer = a
        except Drop:
            answer = None
        except Exception as err:  # a stand-in bug: say so loudly instead of resetting the connection
            traceback.print_exc()
            answer = Answer(500, {"error": "stand-in bug", "detail": repr(err)})
        if answer is not None:
            entry["status"] = answer.status
            entry["response"] = answer.body.decode("utf-8", "replace")
        else:
            entry["status"] = None
        with self.ns.lock:
            entry["seq"] = len(self.ns.log) + 1
            self.ns.log.append(entry)
            if endpoint == "token" and entry["outcome"] in ("issued", "refused"):
                self.ns.stats["token_" + entry["outcome"]] += 1
        if answer is None:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send(answer)

    def apply_fault(self, fault: dict | None, entry: dict) -> None:
        """Wait as the fault says; raise its answer (Answer) or a dropped connection (Drop)."""
        if fault is None:
            return
        entry["fault"] = fault
        if fault.get("delay_ms"):
            time.sleep(float(fault["delay_ms"]) / 1000)
        if fault.get("drop"):
            entry["outcome"] = "fault"
            raise Drop()
        if "status" in fault:
            entry["outcome"] = "fault"
            body = fault.get("body", "")
            content_type = fault.get("content_type") or (
                JSON_CONTENT_TYPE if isinstance(body, (dict, list)) else "text/plain;charset=UTF-8")
            raise Answer(int(fault["status"]), body, content_type, fault.get("headers"))

    def route(self, path: str):
        if path == TOKEN_PATH:
            return "token", self.token
        if path == SUITEQL_PATH:
            return "suiteql", self.suiteql
        if path.startswith(CLIENTS_PREFIX):
            parts = [urllib.parse.unquote(p) for p in path[len(CLIENTS_PREFIX):].split("/")]
            if len(parts) == 2 and parts[1] == "certificates":
                return ("certs_add" if self.command == "POST" else "certs_list"), \
                    lambda body, query, entry: self.certificates(parts[0], body, entry)
            if len(parts) == 4 and parts[1] == "certificates" and parts[3] == "revoke":
                return "certs_revoke", lambda body, query, entry: self.revoke(parts[0], parts[2], entry)
        return "other", self.not_found

    def not_found(self, body, query, entry):
        raise ns_error(404, f"The requested resource {entry['path']} was not found.", "NONEXISTENT_ID")

    # --- token endpoint

    def token(self, body: bytes, query: str, entry: dict) -> Answer:
        ns = self.ns
        try:
            if self.command != "POST":
                raise Refusal("malformed_request", f"{self.command} instead of POST")
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if content_type != "application/x-www-form-urlencoded":
                raise Refusal("malformed_request", f"Content-Type {content_type!r}, not application/x-www-form-urlencoded")
            try:
                pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            except UnicodeDecodeError:
                raise Refusal("malformed_request", "the body is not UTF-8") from None
            form: dict[str, str] = {}
            for name, value in pairs:
                if name in form:
                    raise Refusal("malformed_request", f"parameter {name} is repeated")
                form[name] = value
            entry["form"] = {k: v for k, v in form.items() if k != "client_assertion"}
            if "client_secret" in form or self.headers.get("Authorization"):
                raise Refusal("malformed_request", "more than one client authentication (client_secret or Authorization header)")
            for name in ("grant_type", "client_assertion_type", "client_assertion"):
                if not form.get(name):
                    raise Refusal("malformed_request", f"parameter {name} is missing")
            if form["grant_type"] != "client_credentials":
                raise Refusal("unsupported_grant_type", f"grant_type {form['grant_type']!r}")
            if form["client_assertion_type"] != JWT_BEARER:
                raise Refusal("malformed_request", f"client_assertion_type {form['client_assertion_type']!r}")

            def kid_hook(kid: str):
                fault = ns.take_fault("token", kid)
                if fault is not None and fault.get("not_usable_yet"):
                    entry["fault"] = fault
                    if fault.get("delay_ms"):
                        time.sleep(float(fault["delay_ms"]) / 1000)
                    raise Refusal("unknown_kid", f"kid {kid}: not usable yet (fault)")
                self.apply_fault(fault, entry)

            granted = judge_assertion(ns, form["client_assertion"], self.base_url() + TOKEN_PATH, entry, kid_hook)
            answer = issue_token(ns, granted)
            entry.update(outcome="issued", scopes=granted["scopes"])
            return Answer(200, answer, JSON_CONTENT_TYPE, {"Cache-Control": "no-store", "Pragma": "no-cache"},
                          compact=False)
        except Refusal as refusal:
            detail, status, error = ns.refusal_answer(refusal.cause)
            entry.update(outcome="refused", detail=detail, reason=refusal.reason, cause=refusal.cause)
            headers = {"Cache-Control": "no-store"}
            if status == 401:
                headers["WWW-Authenticate"] = f'Basic realm="{ns.settings["account_id"]}"'
            return Answer(status, {"error": error}, JSON_CONTENT_TYPE, headers)

    # --- REST

    def bearer(self, entry: dict, need_rest_webservices: bool) -> dict:
        """The token record for this request's bearer token, or raise the 401 NetSuite answers."""
        ns = self.ns
        auth = self.headers.get("Authorization") or ""
        scheme, _, value = auth.partition(" ")
        with ns.lock:
            record = ns.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
            record = dict(record) if record else None
            role = dict(ns.roles[record["role"]]) if record else None
            entity = dict(ns.entities[record["entity"]]) if record else None
        detail, reason = None, None
        if not auth:
            reason = "no Authorization header"
        elif record is None:
            detail, reason = "InvalidSignature", "not an access token this account issued"
        elif record["expires_at"] <= ns.now():
            detail, reason = "AccessTokenExpired", "the access token is expired"
        elif not role["active"] or not entity["active"]:
            detail, reason = "EntityOrRoleDisabled", "the token's role or entity is inactive"
        elif not role["oauth2_login"]:
            reason = "the role lacks Log in using OAuth 2.0 Access Tokens"
        elif need_rest_webservices and "rest_webservices" not in record["scopes"]:
            detail, reason = "ScopeMismatched", "the token was not issued for the rest_webservices scope"
        if reason is None:
            return record
        entry.update(outcome="refused", detail=detail, reason=reason)
        raise invalid_login(ns.settings["account_id"])

    def suiteql(self, body: bytes, query: str, entry: dict) -> Answer:
        if self.command != "POST":
            raise ns_error(405, "The suiteql resource takes POST.", "INVALID_REQUEST")
        record = self.bearer(entry, need_rest_webservices=True)
        with self.ns.lock:
            role = dict(self.ns.roles[record["role"]])
        if not role["rest_web_services"]:
            entry.update(outcome="refused", reason="the role lacks the REST Web Services permission")
            raise invalid_login(self.ns.settings["account_id"])
        try:
            q = json.loads(body or b"null")
        except ValueError:
            q = None
        if not isinstance(q, dict) or not isinstance(q.get("q"), str) or not q["q"].strip():
            raise ns_error(400, "The request body must be a JSON object with the query in \"q\".", "INVALID_CONTENT", "q")
        params = dict(urllib.parse.parse_qsl(query))
        try:
            limit = max(1, min(1000, int(params.get("limit", 1000))))
            offset = max(0, int(params.get("offset", 0)))
        except ValueError:
            raise ns_error(400, "limit and offset must be numbers.", "INVALID_PARAMETER") from None
        rows = self.ns.settings["suiteql_rows"]
        items = [{"links": [], **row} for row in rows[offset:offset + limit]]
        entry["outcome"] = "ok"
        return Answer(200, {
            "links": [{"rel": "self", "href": f"{self.base_url()}{SUITEQL_PATH}?limit={limit}&offset={offset}"}],
            "count": len(items), "hasMore": offset + len(items) < len(rows), "items": items,
            "offset": offset, "totalResults": len(rows)})

    def certificate_caller(self, client_id: str, entry: dict) -> dict:
        record = self.bearer(entry, need_rest_webservices=True)
        ns = self.ns
        with ns.lock:
            known = client_id in ns.integrations
            role = dict(ns.roles[record["role"]])
        if not known:
            entry.update(outcome="refused", reason="unknown client ID")
            raise ns_error(404, f"No integration record has the client ID {client_id}.", "NONEXISTENT_ID")
        if record["client_id"] != client_id or not role["manage_own_certificates"]:
            entry.update(outcome="refused", reason="token of another integration, or role without "
                         "Manage own OAuth 2.0 Client Credentials certificates")
            raise ns_error(403, "Permission Violation: You need the 'Manage own OAuth 2.0 Client Credentials "
                           "certificates' permission to access this page.", "INSUFFICIENT_PERMISSION")
        return record

    def certificates(self, client_id: str, body: bytes, entry: dict) -> Answer:
        ns = self.ns
        if self.command not in ("GET", "POST"):
            raise ns_error(405, "The certificates resource takes GET or POST.", "INVALID_REQUEST")
        self.certificate_caller(client_id, entry)
        if self.command == "GET":
            with ns.lock:
                listing = [ns.list_entry(m) for m in ns.mappings.values() if m["client_id"] == client_id]
            entry["outcome"] = "ok"
            return Answer(200, listing)
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            raise ns_error(400, "The request body must be a JSON object with fileContent, role and entity.", "INVALID_CONTENT")
        pem = request.get("fileContent")
        if not isinstance(pem, str):
            raise ns_error(400, "fileContent must hold the certificate (PEM).", "INVALID_CONTENT", "fileContent")
        try:
            role_id = as_int_id(request.get("role"), "role")
        except ConfigError as err:
            raise ns_error(400, str(err), "INVALID_CONTENT", "role") from None
        try:
            entity_id = as_int_id(request.get("entity"), "entity")
        except ConfigError as err:
            raise ns_error(400, str(err), "INVALID_CONTENT", "entity") from None
        with ns.lock:
            role = ns.roles.get(role_id)
            entity = ns.entities.get(entity_id)
            if role is None or not role["active"]:
                raise ns_error(400, f"Role {role_id} does not exist or is inactive.", "INVALID_CONTENT", "role")
            if entity is None or not entity["active"]:
                raise ns_error(400, f"Entity {entity_id} does not exist or is inactive.", "INVALID_CONTENT", "entity")
            try:
                cert = load_certificate_pem(pem)
            except ConfigError as err:
                raise ns_error(400, f"Invalid certificate: {err}.", "INVALID_CONTENT", "fileContent") from None
            algorithm, refusal = key_description(cert.public_key())
            if refusal:
                raise ns_error(400, f"Invalid certificate: {refusal}.", "INVALID_CONTENT", "fileContent")
            if certificate_id(cert) in ns.mappings:
                raise ns_error(400, "This certificate is already used. One certificate can only be used for one "
                               "combination of integration record, role, and entity.", "USER_ERROR")
            if ns.active_count(client_id) >= int(ns.settings["max_active_certificates"]):
                raise ns_error(400, FIVE_CERTIFICATES_SENTENCE, "USER_ERROR")
            mapping = ns.add_mapping({"client_id": client_id, "certificate": pem, "entity": entity_id, "role": role_id})
            answer = ns.add_entry(mapping)
        entry["outcome"] = "ok"
        return Answer(200, answer)

    def revoke(self, client_id: str, cert_id: str, entry: dict) -> Answer:
        ns = self.ns
        if self.command != "POST":
            raise ns_error(405, "revoke takes POST.", "INVALID_REQUEST")
        self.certificate_caller(client_id, entry)
        with ns.lock:
            mapping = ns.mappings.get(cert_id)
            if mapping is None or mapping["client_id"] != client_id:
                raise ns_error(404, f"No certificate {cert_id} for this integration record.", "NONEXISTENT_ID")
            if mapping["revoked"]:
                raise ns_error(400, f"The certificate {cert_id} is already revoked.", "USER_ERROR")
            mapping["revoked"] = True
        entry["outcome"] = "ok"
        return Answer(200, "Successfully revoked", "text/plain;charset=UTF-8")

    # --- control

    def control(self, path: str, query: str, body: bytes) -> Answer:
        ns = self.ns
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError:
            raise ConfigError("the body is not JSON") from None
        if not isinstance(data, dict):
            raise ConfigError("the body must be a JSON object")
        name = path[len("/__standin/"):]
        with ns.lock:
            if name == "log":
                since = int(dict(urllib.parse.parse_qsl(query)).get("since", 0))
                return Answer(200, {"requests": [e for e in ns.log if e["seq"] > since]}, compact=False)
            if name == "stats":
                return Answer(200, dict(ns.stats))
            if name == "reset" and self.command == "POST":
                ns.log.clear()
                for key in ns.stats:
                    ns.stats[key] = 0
                return Answer(200, {"ok": True})
            if name == "mappings":
                if self.command == "POST":
                    return Answer(200, self.control_mappings(data))
                return Answer(200, {"mappings": [ns.control_view(m) for m in ns.mappings.values()]})
            if name == "faults":
                if self.command == "POST":
                    if data.get("clear"):
                        ns.faults.clear()
                    new = data.get("faults", [] if "clear" in data else [data])
                    checked = [ns.check_fault(f) for f in new]
                    if data.get("replace"):
                        ns.faults.clear()
                    ns.faults.extend(checked)
                return Answer(200, {"faults": ns.faults})
            if name == "config" and self.command == "POST":
                return Answer(200, self.control_config(data))
            if name == "tokens" and self.command == "POST":
                if data.get("action") == "expire":
                    for record in ns.tokens.values():
                        record["expires_at"] = ns.now() - 1
                elif data.get("action") == "forget":
                    ns.tokens.clear()
                else:
                    raise ConfigError("tokens action must be \"expire\" or \"forget\"")
                return Answer(200, {"tokens": len(ns.tokens)})
        raise Answer(404, {"error": f"no control resource {self.command} {path}"})

    def control_mappings(self, data: dict) -> dict:
        ns = self.ns
        action = data.get("action", "add")
        if action == "add":
            return ns.control_view(ns.add_mapping(data))
        if action == "wipe":
            ns.mappings.clear()
            ns.tokens.clear()
            return {"mappings": []}
        mapping = ns.mappings.get(data.get("certificate_id"))
        if mapping is None:
            raise ConfigError(f"no mapping with certificate_id {data.get('certificate_id')!r}")
        if action == "revoke":
            mapping["revoked"] = True
        elif action == "expire":
            mapping["expires_at"] = min(mapping["expires_at"], ns.now() - 1)
        elif action == "delete":
            del ns.mappings[mapping["certificate_id"]]
            return {"deleted": mapping["certificate_id"]}
        elif action == "update":
            for key, value in data.items():
                if key in ("action", "certificate_id"):
                    continue
                if key == "revoked":
                    mapping["revoked"] = bool(value)
                elif key == "valid_until":
                    mapping["expires_at"] = start_of(parse_day(value, key)) + 86400
                elif key == "valid_from":
                    mapping["usable_from"] = start_of(parse_day(value, key))
                elif key == "created":
                    mapping["created"] = parse_day(value, key)
                elif key in ("role", "entity"):
                    table = ns.roles if key == "role" else ns.entities
                    new_id = as_int_id(value, key)
                    if new_id not in table:
                        (ns.put_role if key == "role" else ns.put_entity)({"id": new_id})
                    mapping[key] = new_id
                else:
                    raise ConfigError(f"cannot update mapping field {key!r}")
        else:
            raise ConfigError("mapping action must be add, revoke, expire, delete, update or wipe")
        return ns.control_view(mapping)

    def control_config(self, data: dict) -> dict:
        ns = self.ns
        for key, value in (data.get("settings") or {}).items():
            if key not in SETTINGS_DEFAULTS or key == "account_id":
                raise ConfigError(f"cannot change setting {key!r}")
            ns.settings[key] = value
        if "integration" in data:
            ns.put_integration(data["integration"])
        if "role" in data:
            ns.put_role(data["role"])
        if "entity" in data:
            ns.put_entity(data["entity"])
        unknown = set(data) - {"settings", "integration", "role", "entity"}
        if unknown:
            raise ConfigError(f"unknown config parts: {', '.join(sorted(unknown))}")
        return {"settings": ns.settings, "integrations": list(ns.integrations.values()),
                "roles": list(ns.roles.values()), "entities": list(ns.entities.values())}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # 20+ clients connecting at once must not wait for SYN retries
    tls_context: ssl.SSLContext | None = None
    base_url = ""

    def finish_request(self, request, client_address):
        if self.tls_context is not None:
            # Handshake in the request's thread, so a slow or plain-http client blocks no one else.
            try:
                request = self.tls_context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer is not the stand-in's problem; anything else is printed.
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError, TimeoutError)):
            super().handle_error(request, client_address)


def load_config(path: str | None) -> tuple[dict, str]:
    if path is None:
        return {}, os.getcwd()
    try:
        with open(path, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, ValueError) as err:
        raise ConfigError(f"cannot read config {path}: {err}") from None
    if not isinstance(config, dict):
        raise ConfigError(f"config {path} must be a JSON object")
    return config, os.path.dirname(os.path.abspath(path))


def serve(args) -> int:
    try:
        config, base_dir = load_config(args.config)
        ns = NetSuite(config, base_dir)
    except ConfigError as err:
        print(f"netsuite.py: {err}", file=sys.stderr)
        return 2
    handler = type("BoundHandler", (Handler,), {"ns": ns, "verbose": args.verbose})
    server = Server((args.host, args.port), handler)
    scheme = "http"
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])
        server.tls_context = context
        scheme = "https"
    host, port = server.server_address[:2]
    base = f"{scheme}://{host}:{port}"
    server.base_url = base

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(json.dumps({"base": base, "token_url": base + TOKEN_PATH, "api_base": base + API_BASE_PATH,
                      "rest_base": base + "/services/rest", "suiteql_url": base + SUITEQL_PATH,
                      "account_id": ns.settings["account_id"], "client_ids": list(ns.integrations),
                      "pid": os.getpid()}), flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="A stand-in NetSuite (OAuth 2.0 M2M) built from Oracle's documentation.")
    parser.add_argument("--config", help="JSON config (see the module docstring)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = a free one)")
    parser.add_argument("--host", default="127.0.0.1", help=argparse.SUPPRESS)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve https with this certificate and key")
    parser.add_argument("--verbose", action="store_true", help="log each request on stderr")
    parser.add_argument("--self-test", action="store_true", help="run tests/standin/test_netsuite.py")
    args = parser.parse_args()
    if args.self_test:
        import unittest
        sys.dont_write_bytecode = True  # no __pycache__ beside the tests
        here = os.path.dirname(os.path.abspath(__file__))
        suite = unittest.defaultTestLoader.discover(here, pattern="test_netsuite.py", top_level_dir=here)
        result = unittest.TextTestRunner(verbosity=2).run(suite)
        return 0 if result.wasSuccessful() else 1
    return serve(args)


if __name__ == "__main__":
    sys.exit(main())
