#!/usr/bin/env python3
"""nskeys against the tools it replaces, side by side on this machine.

Each row runs nskeys and its peer as whole processes, alternately (nskeys first on even runs,
the peer first on odd ones, so that drifting machine load hits both alike), after warm-up runs
that are not counted. It prints medians, min-max, the ratio of medians, the goal and PASS/FAIL,
then the machine it ran on, as a Markdown table that can go into the README as it is.

Rows (the goals of issue 5):
  gen-ps256  nskeys gen --alg ps256 (RSA-4096 + PSS certificate) vs Oracle's openssl req recipe
  gen-es256  nskeys gen --alg es256 vs Oracle's openssl EC recipe
  verify     nskeys verify vs a PyJWT + requests client, against a local token endpoint
  expiry     nskeys expiry over 500 certificates vs a shell loop of openssl x509 -checkend
  memory     peak RSS of gen --alg ps256 vs openssl req (max over --mem-runs runs each)
  token-cached    nskeys token from a warm cache vs nskeys token --no-cache (a real exchange with
                  the local token endpoint); goal: ratio <= 0.2 and cached median <= 5 ms
  token-parallel  20 nskeys token processes started at once on a cold cache vs one uncached
                  exchange; goal: all done within 1.5x one exchange, and exactly 1 exchange per 20

A row whose nskeys command is not available (exit 3, e.g. "not built yet") shows n/a.

It builds target/release/nskeys, and installs what is missing: openssl and time (apt-get), PyJWT,
cryptography and requests into a venv under .bench/ (pip). Timings are wall clock from fork to
reaping the child; peak memory is the maximum resident set size that GNU time reports
(/usr/bin/time -f %M), over runs of its own.

Usage: python3 bench/bench.py [--runs 21] [--rsa-runs 61] [--rows gen-ps256,...] [--no-build]
       (or `just bench`). Exit status 0 if every measured row passes, 1 if one fails.
"""

import argparse
import base64
import hashlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench"
VENV = CACHE / "venv"
PY_DEPS = ["PyJWT", "cryptography", "requests"]
ALL_ROWS = ["gen-ps256", "gen-es256", "verify", "expiry", "memory", "token-cached", "token-parallel"]
PARALLEL = 20
# Oracle's recipes (NetSuite help, "OAuth 2.0 Client Credentials Setup"), but for the subject.
OPENSSL_PS256 = (
    "openssl req -new -x509 -newkey rsa:4096 -keyout private.pem -sigopt rsa_padding_mode:pss "
    "-sha256 -sigopt rsa_pss_saltlen:64 -out public.pem -nodes -days 730 -subj /CN=x"
).split()
OPENSSL_ES256 = (
    "openssl req -new -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 730 "
    "-out public.pem -keyout private.pem -subj /CN=x"
).split()
EXPIRY_CERTS = 500
CHECKEND = 30 * 86400  # nskeys expiry's default warning window
GNU_TIME = "/usr/bin/time"


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def clean_env():
    """The environment without anything that changes either side's behaviour."""
    env = {}
    for k, v in os.environ.items():
        u = k.upper()
        if u.startswith(("NS_", "NSKEYS_")) or u.endswith("_PROXY") or u == "NO_COLOR":
            continue
        env[k] = v
    env["LC_ALL"] = "C"
    return env


ENV = clean_env()


@dataclass
class Sample:
    secs: float
    rss_kb: int
    code: int
    stderr: str
    cpu: float = 0.0  # user + system seconds of the process and its reaped children


def run(argv, cwd=None, extra_env=None):
    """Run one whole process; wall time from just before the fork to reaping it."""
    env = ENV if not extra_env else {**ENV, **extra_env}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        p = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
        )
        _, status, usage = os.wait4(p.pid, 0)
        secs = time.perf_counter() - start
        p.returncode = code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    return Sample(secs, usage.ru_maxrss, code, text, usage.ru_utime + usage.ru_stime)


@dataclass
class Side:
    """One side of a row: how to run it once (argv and cwd, given a fresh scratch directory)."""

    name: str
    make: object  # fn(scratch: Path) -> (argv, cwd)
    ok_codes: tuple = (0,)
    samples: list = field(default_factory=list)


@dataclass
class Row:
    key: str
    title: str
    goal: float
    ours: Side
    peer: Side
    runs: int
    warmup: int
    unit: str = "s"
    na: str = ""  # why the row could not be measured
    ratio: float = float("nan")
    abs_goal: float = 0.0  # seconds the nskeys median must not exceed (0: no such goal)
    note: str = ""  # said under the table
    extra_ok: bool = True  # another goal of the row (e.g. one exchange), checked by its caller


def once(side, scratch_root, memory=False):
    scratch = Path(tempfile.mkdtemp(dir=scratch_root))
    try:
        made = side.make(scratch)
        argv, cwd = made[0], made[1]
        extra_env = made[2] if len(made) > 2 else None
        if not memory:
            return run(argv, cwd, extra_env)
        # Linux carries a process's peak RSS across exec, so a child forked from this (large)
        # Python process would report Python's peak: measure through GNU time, which is small.
        rss_file = scratch_root / "rss.txt"
        s = run([GNU_TIME, "-f", "%M", "-o", str(rss_file), *argv], cwd)
        try:
            s.rss_kb = int(rss_file.read_text().split()[-1])
        except (OSError, ValueError, IndexError):
            s.rss_kb = 0
            s.code = s.code or 3
        return s
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def first_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[0] if lines else "(no message)"


def measure(row, scratch_root):
    """Warm up, then alternate the two sides; fills the samples, or row.na."""
    log(f"== {row.title}: {row.warmup} warm-up + {row.runs} runs each, alternating")
    memory = row.unit == "MiB"
    for side in (row.ours, row.peer):
        s = once(side, scratch_root, memory)
        if s.code not in side.ok_codes:
            row.na = f"{side.name} not available (exit {s.code}: {first_line(s.stderr)})"
            log(f"   n/a: {row.na}")
            return
    for i in range(row.warmup - 1 + row.runs):
        order = (row.ours, row.peer) if i % 2 == 0 else (row.peer, row.ours)
        for side in order:
            s = once(side, scratch_root, memory)
            if s.code not in side.ok_codes:
                row.na = f"{side.name} failed (exit {s.code}: {first_line(s.stderr)})"
                log(f"   error: {row.na}")
                return
            if i >= row.warmup - 1:
                side.samples.append(s)
        done = i - (row.warmup - 1) + 1
        if done > 0:
            o, p = row.ours.samples[-1], row.peer.samples[-1]
            if memory:
                log(f"   {done}/{row.runs}  {row.ours.name} {o.rss_kb} KB  {row.peer.name} {p.rss_kb} KB")
            else:
                log(f"   {done}/{row.runs}  {row.ours.name} {o.secs:.3f} s  {row.peer.name} {p.secs:.3f} s")
    if memory:
        row.ratio = (max(s.rss_kb for s in row.ours.samples)
                     / max(s.rss_kb for s in row.peer.samples))
    else:
        row.ratio = med(row.ours) / med(row.peer)


def med(side, key=lambda s: s.secs):
    return statistics.median(key(s) for s in side.samples)


def fmt_secs(x):
    if x < 1:
        return f"{x * 1000:.0f} ms" if x >= 0.1 else f"{x * 1000:.1f} ms"
    return f"{x:.2f} s"


def fmt_time_side(side):
    v = [s.secs for s in side.samples]
    return f"{fmt_secs(statistics.median(v))} ({fmt_secs(min(v))} - {fmt_secs(max(v))})"


def fmt_mem_side(side):
    v = [s.rss_kb for s in side.samples]
    return f"{max(v) / 1024:.1f} MiB max (median {statistics.median(v) / 1024:.1f} MiB)"


# --- setup -------------------------------------------------------------------------------------


def sh(argv, **kw):
    log("   $ " + " ".join(str(a) for a in argv))
    return subprocess.run(argv, **kw)


def ensure_tools():
    """openssl (the peer) and GNU time (peak memory), from Debian if missing."""
    missing = [pkg for pkg, path in (("openssl", shutil.which("openssl")),
                                     ("time", os.access(GNU_TIME, os.X_OK) and GNU_TIME))
               if not path]
    if not missing:
        return
    log(f"installing {' '.join(missing)} with apt-get")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        sh(["apt-get", "update", "-qq"])
        sh(["apt-get", "install", "-y", "-qq", *missing])
    if not shutil.which("openssl") or not os.access(GNU_TIME, os.X_OK):
        sys.exit(f"bench: needs {' and '.join(missing)} (apt-get install {' '.join(missing)})")


def build(no_build, binary):
    if not no_build:
        try:
            r = sh(["cargo", "build", "--release", "--locked"], cwd=ROOT)
        except OSError as e:
            sys.exit(f"bench: cannot run cargo ({e}); install Rust, or pass --no-build")
        if r.returncode != 0:
            sys.exit("bench: cargo build --release failed")
    if not Path(binary).is_file():
        sys.exit(f"bench: {binary} not found (build it, or drop --no-build)")


def ensure_venv():
    """PyJWT, cryptography and requests in .bench/venv; returns its python or raises."""
    py = VENV / "bin" / "python"
    probe = [str(py), "-c", "import jwt, requests, cryptography"]
    if py.exists() and subprocess.run(probe, capture_output=True).returncode == 0:
        return py
    log("setting up the Python client's venv in .bench/venv")
    CACHE.mkdir(exist_ok=True)
    if not py.exists():
        r = sh([sys.executable, "-m", "venv", str(VENV)])
        if r.returncode != 0:
            raise RuntimeError("python3 -m venv failed (apt-get install python3-venv)")
    r = sh([str(py), "-m", "pip", "install", "-q", *PY_DEPS])
    if r.returncode != 0 or subprocess.run(probe, capture_output=True).returncode != 0:
        raise RuntimeError("pip install " + " ".join(PY_DEPS) + " failed")
    return py


def expiry_certs():
    """500 certificates (EC P-256, 60..730 days left: all OK), made once with openssl."""
    d = CACHE / f"certs{EXPIRY_CERTS}"
    if d.is_dir() and len(list(d.glob("*.pem"))) == EXPIRY_CERTS:
        return d
    log(f"making {EXPIRY_CERTS} certificates in {d} (once)")
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "key.pem"
        subprocess.run(
            ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-out", str(key)], check=True, env=ENV, capture_output=True)
        for i in range(EXPIRY_CERTS):
            days = 60 + (i * 7) % 671
            subprocess.run(
                ["openssl", "req", "-new", "-x509", "-key", str(key), "-days", str(days),
                 "-subj", f"/CN=cert-{i:03}", "-out", str(d / f"cert-{i:03}.pem")],
                check=True, env=ENV, capture_output=True)
    return d


def certificate_id(files):
    """NetSuite's Certificate ID of files/public.pem: base64url of the SHA-256 of its DER
    (computed with openssl, not nskeys); nskeys refuses a --cert-id that is not it."""
    der = subprocess.run(["openssl", "x509", "-in", str(files / "public.pem"), "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def verify_files():
    """An ES256 key and certificate made with Oracle's openssl recipe, used by both clients."""
    d = CACHE / "verify"
    if not (d / "private.pem").exists() or not (d / "public.pem").exists():
        d.mkdir(parents=True, exist_ok=True)
        subprocess.run(OPENSSL_ES256, cwd=d, check=True, env=ENV, capture_output=True)
    return d


def token_requests(url):
    """How many token requests the local endpoint has answered (None if it cannot say)."""
    import urllib.request
    try:
        with urllib.request.urlopen(url.rsplit("/", 1)[0] + "/stats", timeout=5) as r:
            return int(json_loads(r.read())["token_requests"])
    except (OSError, ValueError, KeyError):
        return None


def json_loads(b):
    import json
    return json.loads(b)


def start_token_server():
    p = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "token_server.py")],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=ENV, text=True)
    port = p.stdout.readline().strip()
    if not port.isdigit():
        p.kill()
        raise RuntimeError("the local token endpoint did not start")
    return p, f"http://127.0.0.1:{port}/token"


# --- the report ----------------------------------------------------------------------------------


def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ossl = subprocess.run(["openssl", "version"], capture_output=True, text=True).stdout.strip()
    rev = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip() or "?"
    return (f"{cpu}, {os.cpu_count()} cores (nproc), Linux {platform.release()}, {ossl}, "
            f"Python {platform.python_version()}; nskeys {rev}")


def report(rows, args, load_start):
    load_end = os.getloadavg()
    out = []
    out.append("| row | nskeys | peer | ratio | goal | result |")
    out.append("|---|---|---|---|---|---|")
    failed = False
    for r in rows:
        if r.na:
            out.append(f"| {r.title} | n/a | n/a | n/a | <= {r.goal} | n/a: {r.na} |")
            continue
        if r.unit == "MiB":
            ours, peer = fmt_mem_side(r.ours), fmt_mem_side(r.peer)
        else:
            ours, peer = fmt_time_side(r.ours), fmt_time_side(r.peer)
        ok = r.ratio <= r.goal and r.extra_ok
        goal = f"<= {r.goal}"
        if r.abs_goal:
            ok = ok and med(r.ours) <= r.abs_goal
            goal += f", median <= {fmt_secs(r.abs_goal)}"
        failed |= not ok
        out.append(f"| {r.title} | {ours} | {peer} | {r.ratio:.3f} | {goal} | "
                   f"{'PASS' if ok else 'FAIL'} |")
    out.append("")
    for r in rows:
        if r.note:
            out.append(f"{r.title}: {r.note}")
    out.append("Times: median (min - max) of whole processes, alternating nskeys and the peer, "
               f"after {args.warmup} warm-up run(s) each; ratio = nskeys median / peer median "
               "(memory: max peak RSS / max peak RSS).")
    out.append(f"Machine: {machine()}.")
    out.append(f"Load average (1 min) at start {load_start[0]:.2f}, at end {load_end[0]:.2f}.")
    print("\n".join(out), flush=True)
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21, help="measured runs per side (default 21)")
    ap.add_argument("--rsa-runs", type=int, default=61,
                    help="measured runs per side for RSA generation, which varies a lot (default 61)")
    ap.add_argument("--mem-runs", type=int, default=11,
                    help="runs per side for peak memory, through GNU time (default 11)")
    ap.add_argument("--warmup", type=int, default=1, help="uncounted runs per side first (default 1)")
    ap.add_argument("--rows", default=",".join(ALL_ROWS), help="comma-separated subset of: "
                    + ", ".join(ALL_ROWS))
    ap.add_argument("--no-build", action="store_true", help="use the existing release binary")
    ap.add_argument("--nskeys", default=str(ROOT / "target" / "release" / "nskeys"),
                    help="the nskeys binary to measure")
    ap.add_argument("--strict", action="store_true", help="an n/a row fails the run too")
    args = ap.parse_args()
    wanted = [r.strip() for r in args.rows.split(",") if r.strip()]
    unknown = [r for r in wanted if r not in ALL_ROWS]
    if unknown:
        ap.error(f"unknown rows: {', '.join(unknown)}")
    args.warmup = max(args.warmup, 1)
    runs = max(args.runs, 1)
    rsa_runs = max(args.rsa_runs, 1)
    mem_runs = max(args.mem_runs, 1)

    # Killed: still stop the token endpoint and remove the scratch files (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ensure_tools()
    build(args.no_build, args.nskeys)
    ns = str(Path(args.nskeys).resolve())
    CACHE.mkdir(exist_ok=True)
    scratch_root = Path(tempfile.mkdtemp(prefix="nskeys-bench-"))
    load_start = os.getloadavg()
    rows, server = [], None

    def gen(alg):
        return lambda d: ([ns, "gen", "--alg", alg, "--days", "730", "--out-dir", str(d),
                           "--force"], d)

    def peer_in_dir(argv):
        return lambda d: (argv, d)

    try:
        if "gen-ps256" in wanted:
            ps = Row("gen-ps256", "`gen --alg ps256` (RSA-4096 + PSS cert) vs `openssl req` recipe", 0.5,
                     Side("nskeys", gen("ps256")), Side("openssl req", peer_in_dir(OPENSSL_PS256)),
                     rsa_runs, args.warmup)
            measure(ps, scratch_root)
            rows.append(ps)
        if "gen-es256" in wanted:
            r = Row("gen-es256", "`gen --alg es256` vs `openssl req` EC recipe", 1.0, Side("nskeys", gen("es256")),
                    Side("openssl req", peer_in_dir(OPENSSL_ES256)), runs, args.warmup)
            measure(r, scratch_root)
            rows.append(r)
        if "verify" in wanted:
            r = Row("verify", "`verify` vs PyJWT + requests client, local token endpoint, ES256 key", 0.15,
                    Side("nskeys", None), Side("PyJWT + requests", None), runs, args.warmup)
            try:
                py = ensure_venv()
                files = verify_files()
                server, url = start_token_server()
                common = ["--token-url", url, "--client-id", "C", f"--cert-id={certificate_id(files)}",
                          "--key", str(files / "private.pem"), "--cert", str(files / "public.pem")]
                r.ours.make = lambda d: ([ns, "verify", *common], d)
                r.peer.make = lambda d: ([str(py), str(ROOT / "bench" / "pyjwt_client.py"),
                                          *common], d)
                measure(r, scratch_root)
            except (RuntimeError, OSError, subprocess.CalledProcessError) as e:
                r.na = f"setup failed: {e}"
            rows.append(r)
        if "expiry" in wanted:
            r = Row("expiry", f"`expiry` over {EXPIRY_CERTS} certificates vs `openssl x509 -checkend` loop", 0.05,
                    Side("nskeys", None, ok_codes=(0, 1, 2)),
                    Side("openssl x509 -checkend loop", None, ok_codes=(0, 1)), runs, args.warmup)
            try:
                d = expiry_certs()
                loop = (f'for f in "{d}"/*.pem; do openssl x509 -checkend {CHECKEND} -noout '
                        '-in "$f"; done')
                r.ours.make = lambda _: ([ns, "expiry", str(d)], None)
                r.peer.make = lambda _: (["bash", "-c", loop], None)
                measure(r, scratch_root)
            except (OSError, subprocess.CalledProcessError) as e:
                r.na = f"setup failed: {e}"
            rows.append(r)
        if "token-cached" in wanted or "token-parallel" in wanted:
            files = verify_files()
            if server is None:
                server, url = start_token_server()
            common = ["--token-url", url, "--client-id", "C", f"--cert-id={certificate_id(files)}",
                      "--key", str(files / "private.pem"), "--cert", str(files / "public.pem")]
        if "token-cached" in wanted:
            r = Row("token-cached", "`token` from the cache vs `token --no-cache`, local token endpoint",
                    0.2, Side("nskeys", None), Side("nskeys --no-cache", None), runs, args.warmup,
                    abs_goal=0.005)
            warm = scratch_root / "warm-cache"
            warm.mkdir()
            cache_env = {"XDG_CACHE_HOME": str(warm)}
            first = run([ns, "token", *common], None, cache_env)
            if first.code != 0:
                r.na = f"nskeys token failed (exit {first.code}: {first_line(first.stderr)})"
            else:
                r.ours.make = lambda d: ([ns, "token", *common], d, cache_env)
                r.peer.make = lambda d: ([ns, "token", "--no-cache", *common], d, cache_env)
                measure(r, scratch_root)
                if not r.na:
                    c, u = med(r.ours, lambda s: s.cpu), med(r.peer, lambda s: s.cpu)
                    r.note = (f"CPU time (user + system), which machine load does not stretch: "
                              f"cached {fmt_secs(c)}, uncached {fmt_secs(u)}, ratio {c / u:.3f}.")
            rows.append(r)
        if "token-parallel" in wanted:
            r = Row("token-parallel", f"{PARALLEL} parallel `token` on a cold cache vs one uncached exchange",
                    1.5, Side("nskeys x20", None), Side("nskeys --no-cache x1", None), runs, args.warmup)
            quoted = " ".join(f"'{a}'" for a in [ns, "token", *common])
            # Every caller's success is checked by the count of exchanges (one per burst).
            burst = f'i=0; while [ $i -lt {PARALLEL} ]; do {quoted} >/dev/null & i=$((i+1)); done; wait'
            r.ours.make = lambda d: (["sh", "-c", burst], d, {"XDG_CACHE_HOME": str(d)})
            r.peer.make = lambda d: ([ns, "token", "--no-cache", *common], d,
                                     {"XDG_CACHE_HOME": str(d)})
            before = token_requests(url)
            measure(r, scratch_root)
            after = token_requests(url)
            # Every run of either side: warm-up and measured, plus the availability check.
            runs_each = len(r.ours.samples) + args.warmup if not r.na else 0
            if runs_each and before is not None and after is not None:
                per_burst = (after - before - runs_each) / runs_each
                r.extra_ok = per_burst == 1
                r.note = (f"{after - before - runs_each} token requests for {runs_each} bursts of "
                          f"{PARALLEL} callers: {per_burst:g} exchange(s) per burst (goal: 1). "
                          f"CPU time of a burst {fmt_secs(med(r.ours, lambda s: s.cpu))}, of one "
                          f"exchange {fmt_secs(med(r.peer, lambda s: s.cpu))}.")
            rows.append(r)
        if "memory" in wanted:
            m = Row("memory", "peak memory (max RSS) of `gen --alg ps256` vs `openssl req`", 1.0,
                    Side("nskeys", gen("ps256")), Side("openssl req", peer_in_dir(OPENSSL_PS256)),
                    mem_runs, args.warmup, unit="MiB")
            measure(m, scratch_root)
            rows.append(m)
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(scratch_root, ignore_errors=True)

    failed = report(rows, args, load_start)
    if args.strict and any(r.na for r in rows):
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
