#!/usr/bin/env python3
"""Drive tests/standin/netsuite.py (the independent NetSuite stand-in) from the CI smoke
scripts, through its /__standin/ control API. Standard library only.

    standin_ctl.py start READY_FILE [--tls CERT KEY]   start the stand-in in the background,
                          wait for its ready line, write it to READY_FILE, print its pid
    standin_ctl.py get READY_FILE KEY                   a field of the ready line (token_url...)
    standin_ctl.py upload READY_FILE CERT.pem           map the certificate to the default
                          integration (as uploading it on the M2M setup page does); prints its ID
    standin_ctl.py last READY_FILE [FIELD=VALUE ...]    the last token request's verdict: exit 0
                          if it was issued and every header/claim FIELD (alg, kid, iss, aud...)
                          equals VALUE; else print why and exit 1
    standin_ctl.py token READY_FILE                     the access token the last request got
"""
import json
import os
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
STANDIN = os.path.join(HERE, "..", "tests", "standin", "netsuite.py")


def ready(path):
    with open(path) as f:
        return json.loads(f.readline())


def call(base, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def last_token(base):
    log = call(base, "/__standin/log")["requests"]
    tokens = [e for e in log if e.get("endpoint") == "token"]
    if not tokens:
        sys.exit("no token request reached the stand-in")
    return tokens[-1]


def main(argv):
    cmd, ready_file, *rest = argv
    if cmd == "start":
        args = [sys.executable, STANDIN, "--port", "0"]
        if rest[:1] == ["--tls"]:
            args += ["--tls", rest[1], rest[2]]
        out = open(ready_file + ".tmp", "w")
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(200):
            if os.path.getsize(ready_file + ".tmp") > 0 and open(ready_file + ".tmp").read().endswith("\n"):
                os.replace(ready_file + ".tmp", ready_file)
                print(proc.pid)
                return 0
            if proc.poll() is not None:
                sys.exit(f"the stand-in exited with {proc.returncode}")
            time.sleep(0.05)
        proc.kill()
        sys.exit("the stand-in did not get ready in 10 s")
    info = ready(ready_file)
    base = info["base"]
    if base.startswith("https"):
        import ssl
        ssl._create_default_https_context = ssl._create_unverified_context  # our own test CA
    if cmd == "get":
        value = info[rest[0]]
        print(value[0] if isinstance(value, list) else value)
    elif cmd == "upload":
        pem = open(rest[0]).read()
        answer = call(base, "/__standin/mappings", {"action": "add", "certificate": pem})
        print(json.dumps(answer))
    elif cmd == "last":
        e = last_token(base)
        a = (e.get("assertion") or {})
        fields = {**a.get("claims", {}), **a.get("header", {})}
        bad = [] if e.get("outcome") == "issued" else [f"outcome {e.get('outcome')!r} ({e.get('reason')})"]
        for pair in rest:
            k, v = pair.split("=", 1)
            if str(fields.get(k)) != v:
                bad.append(f"{k}={fields.get(k)!r}, not {v!r}")
        if bad:
            print("; ".join(bad))
            return 1
    elif cmd == "token":
        e = last_token(base)
        print(json.loads(e["response"])["access_token"])
    else:
        sys.exit(f"unknown command {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
