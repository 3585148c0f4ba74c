#!/usr/bin/env python3
"""End-to-end tests of redaction on a real program (programs/secrets.c).

Each case is a function named case_<name>; CTest runs one per test:
    e2e.py CASE --tracediff PATH --program PATH
Exit 0 = pass, 1 = fail (with a message), 77 = skipped (reason printed).

The program holds a secret in its environment, its argv, a URL, an HTTP
request it sends over a local socket and a config file it reads. It is
recorded (`tracediff record`) and traced with `strace -f -v -s 4096` then
imported, on a "good" and a "bad" run whose MY_API_TOKEN differ. No secret
may be found in the trace files (decompressed, and every hex-encoded string
decoded), in `show`, `explain`, or the text, JSON and HTML diff reports,
while the diff still says that MY_API_TOKEN differs.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from e2e_harness import Failure, check, skip, cases_of, run_case  # noqa: E402

ARGS = None

# The same key on both "hosts": digests compare.
KEY = "e2e-shared-redaction-key-0123456789"
GOOD_TOKEN = "tok-good-1111"
BAD_TOKEN = "tok-bad-22222"
SECRETS = [GOOD_TOKEN, BAD_TOKEN, "pgpass-3333", "argvpass-4444", "urlpass-5555", "bearer-6666",
           "cookie-7777", "filepass-8888", "filekey-9999"]
# What must stay: redaction is not "remove everything".
VISIBLE = ["visible-value-42", "https://deploy:", "@127.0.0.1/repo.git", "user = app", "GET /api/v1/status"]


def scratch():
    return tempfile.mkdtemp(prefix="tracediff-redact-")


def run(args, rc=None, env=None, **kw):
    r = subprocess.run(args, capture_output=True, text=True, env=env, **kw)
    if rc is not None and r.returncode not in (rc if isinstance(rc, tuple) else (rc,)):
        raise Failure(f"{' '.join(args)}: exit {r.returncode}, wanted {rc}\n{r.stdout}\n{r.stderr}")
    return r


def td(*args, **kw):
    return run([ARGS.tracediff] + list(args), **kw)


def program_argv(d):
    config = os.path.join(d, "app.conf")
    with open(config, "w") as f:
        f.write("[db]\nuser = app\npassword = filepass-8888\napi_key: filekey-9999\n")
    return [ARGS.program, "--password", "argvpass-4444", "--url", "https://deploy:urlpass-5555@127.0.0.1/repo.git",
            "--token", "bearer-6666", "--cookie", "cookie-7777", config]


def environment(token):
    env = dict(os.environ, MY_API_TOKEN=token, PGPASSWORD="pgpass-3333", HARMLESS="visible-value-42",
               TRACEDIFF_REDACT_KEY=KEY)
    return env


def record(d, name, token, *extra):
    out = os.path.join(d, name)
    r = td("record", "-o", out, *extra, "--", *program_argv(d), env=environment(token))
    if r.returncode != 0 and ("ptrace" in r.stderr or "Operation not permitted" in r.stderr):
        skip(f"cannot record here: {r.stderr.strip()}")
    check(r.returncode == 0, f"record {name}: exit {r.returncode}\n{r.stderr}")
    return out


def strace_import(d, name, token):
    if not shutil.which("strace"):
        skip("no strace here")
    log = os.path.join(d, name + ".log")
    r = run(["strace", "-f", "-v", "-s", "4096", "-o", log, "--"] + program_argv(d), env=environment(token))
    if r.returncode != 0 and "ptrace" in r.stderr:
        skip(f"strace cannot trace here: {r.stderr.strip()}")
    check(r.returncode == 0, f"strace: {r.stderr}")
    with open(log) as f:
        text = f.read()
    check(token in text and "bearer-6666" in text and "filepass-8888" in text,
          "the strace log should hold the secrets (else the test proves nothing)")
    out = os.path.join(d, name)
    td("import", log, "-o", out, env=environment(token), rc=0)
    return out


def decoded_strings(obj):
    """Every string of a JSON value, hex-encoded ones decoded."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            if k.endswith("_hex") and isinstance(v, str):
                try:
                    yield bytes.fromhex(v).decode("latin-1")
                except ValueError:
                    pass
            yield from decoded_strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from decoded_strings(v)
    elif isinstance(obj, str):
        yield obj


def trace_text(path):
    """The trace file's bytes (decompressed) and its decoded strings."""
    if path.endswith(".zst"):
        raw = subprocess.run(["zstd", "-dc", path], capture_output=True, check=True).stdout
    else:
        with open(path, "rb") as f:
            raw = f.read()
    text = raw.decode("utf-8", "replace")
    parts = [text]
    for line in text.split("\n"):
        if line.strip():
            parts.extend(decoded_strings(json.loads(line)))
    return "\n".join(parts)


def no_secret(what, text, secrets=SECRETS):
    found = [s for s in secrets if s in text]
    check(not found, f"{what} holds {found}")


def check_visible(what, text):
    missing = [v for v in VISIBLE if v not in text]
    check(not missing, f"{what} lost harmless values {missing}")


def check_pair(d, good, bad):
    for t in (good, bad):
        text = trace_text(t)
        no_secret(t, text)
        check("<redacted " in text, f"{t}: no redaction marker")
        check_visible(t, text)
        shown = td("show", t, "-s", "0", rc=0)
        no_secret(f"show {t}", shown.stdout + shown.stderr)
        check("redacted" in shown.stdout, f"show {t} does not say redacted")
        check("redacted" in shown.stderr, f"show {t}: does not say how it was redacted\n{shown.stderr}")
        ex = td("explain", t, rc=(0, 1))
        no_secret(f"explain {t}", ex.stdout + ex.stderr)
    text = td("diff", good, bad, "--width", "200", "--all", rc=1)
    no_secret("text diff", text.stdout + text.stderr)
    check("MY_API_TOKEN differs (redacted)" in text.stdout, f"text diff: no MY_API_TOKEN divergence\n{text.stdout}")
    j = os.path.join(d, "diff.json")
    td("diff", good, bad, "--format", "json", "-o", j, rc=1)
    with open(j) as f:
        js = f.read()
    no_secret("JSON diff", js)
    no_secret("JSON diff (decoded)", "\n".join(decoded_strings(json.loads(js))))
    check("MY_API_TOKEN differs (redacted)" in js, "JSON diff: no MY_API_TOKEN divergence")
    h = os.path.join(d, "diff.html")
    td("diff", good, bad, "--format", "html", "-o", h, rc=1)
    with open(h) as f:
        html = f.read()
    no_secret("HTML diff", html)
    check("MY_API_TOKEN differs (redacted)" in html, "HTML diff: no MY_API_TOKEN divergence")
    # A trace against itself: no redacted value differs.
    same = td("diff", good, good, rc=0)
    check("differs (redacted)" not in same.stdout, f"a trace against itself reports a redacted value\n{same.stdout}")


def case_recorded_pair_shows_no_secret():
    d = scratch()
    good = record(d, "good.trace", GOOD_TOKEN)
    bad = record(d, "bad.trace.zst", BAD_TOKEN)
    header = json.loads(trace_text(good).split("\n")[0])
    check(header["options"].get("redaction") == "default", f"header: {header['options']}")
    check(header["options"].get("redaction_key", "").startswith("user "), f"header: {header['options']}")
    check(KEY not in trace_text(good), "the key itself is in the trace")
    check_pair(d, good, bad)


def case_ebpf_recording_shows_no_secret():
    d = scratch()
    out = os.path.join(d, "ebpf.trace")
    r = td("record", "--backend", "ebpf", "-o", out, "--", *program_argv(d), env=environment(GOOD_TOKEN))
    if r.returncode == 2 and "--backend ebpf" in r.stderr:
        skip(r.stderr.strip())
    check(r.returncode == 0, f"record --backend ebpf: exit {r.returncode}\n{r.stderr}")
    text = trace_text(out)
    no_secret(out, text)
    check("<redacted " in text, f"{out}: no redaction marker")
    check("visible-value-42" in text and "GET /api/v1/status" in text, "harmless values lost")
    shown = td("show", out, "-s", "0", rc=0)
    no_secret(f"show {out}", shown.stdout + shown.stderr)


def case_imported_pair_shows_no_secret():
    d = scratch()
    good = strace_import(d, "good.trace", GOOD_TOKEN)
    bad = strace_import(d, "bad.trace.zst", BAD_TOKEN)
    check_pair(d, good, bad)


def case_redact_command():
    d = scratch()
    clear = record(d, "clear.trace", GOOD_TOKEN, "--no-redact")
    check(GOOD_TOKEN in trace_text(clear), "--no-redact must keep the values")
    out = os.path.join(d, "shared.trace")
    td("redact", clear, "-o", out, env=environment(GOOD_TOKEN), rc=0)
    no_secret("redacted trace", trace_text(out))
    check_visible("redacted trace", trace_text(out))
    # A strace log after the fact, too; and never over its input.
    if shutil.which("strace"):
        log = os.path.join(d, "app.log")
        run(["strace", "-f", "-v", "-s", "4096", "-o", log, "--"] + program_argv(d), env=environment(GOOD_TOKEN),
            rc=0)
        out2 = os.path.join(d, "log.trace")
        td("redact", log, "-o", out2, rc=0)
        no_secret("redacted log", trace_text(out2))
    r = td("redact", out, "-o", out, "--force")
    check(r.returncode == 2 and len(r.stderr.strip().split("\n")) == 1, f"redact over its input: {r.stderr}")


def case_full_and_no_redact():
    d = scratch()
    full = record(d, "full.trace", GOOD_TOKEN, "--redact")
    text = trace_text(full)
    no_secret("--redact trace", text)
    check("GET /api/v1/status" not in text and "user = app" not in text, "--redact keeps data buffers")
    check(json.loads(text.split("\n")[0])["options"].get("redaction") == "full", "header says full")
    clear = record(d, "clear.trace", GOOD_TOKEN, "--no-redact")
    text = trace_text(clear)
    check(all(s in text for s in (GOOD_TOKEN, "pgpass-3333", "argvpass-4444", "bearer-6666")),
          "--no-redact must keep everything")
    shown = td("show", clear, rc=0)
    check("--no-redact" in shown.stderr, f"show of a --no-redact trace says so\n{shown.stderr}")


def case_bad_pattern_refused():
    d = scratch()
    out = os.path.join(d, "t.trace")
    for cmd in (["record", "-o", out, "--redact-pattern", "([unclosed", "--", "true"],
                ["import", "--redact-pattern", "([unclosed", "-o", out, __file__],
                ["redact", "--redact-pattern", "([unclosed", "-o", out, __file__]):
        r = td(*cmd)
        check(r.returncode == 2, f"{cmd[0]}: exit {r.returncode}")
        first = r.stderr.strip().split("\n")[0]
        check("([unclosed" in first and "regular expression" in first, f"{cmd[0]}: {r.stderr}")
        check(len(r.stderr.strip().split("\n")) == 1, f"{cmd[0]}: more than one line: {r.stderr}")
        check(not os.path.exists(out), f"{cmd[0]}: a file was written")
    # A good one is used: the value of a name it matches is redacted.
    out = os.path.join(d, "p.trace")
    env = dict(os.environ, ACME_INTERNAL_ID="acme-id-31337")
    r = td("record", "-o", out, "--redact-pattern", "^acme_", "--", "true", env=env)
    if r.returncode != 0 and "ptrace" in r.stderr:
        skip(r.stderr.strip())
    check(r.returncode == 0, r.stderr)
    check("acme-id-31337" not in trace_text(out), "--redact-pattern not applied")


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("case", nargs="?")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--tracediff")
    ap.add_argument("--program")
    ARGS = ap.parse_args()
    cases = cases_of(globals())
    if ARGS.list:
        print("\n".join(cases))
        return 0
    return run_case(cases[ARGS.case])


if __name__ == "__main__":
    sys.exit(main())
