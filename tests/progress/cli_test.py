#!/usr/bin/env python3
"""The progress line of every command that reads or writes events, through
the real binary: stderr on a pseudo-terminal, TRACEDIFF_PROGRESS_DELAY=0 so
that a small input shows it (a real one shows it after a second).

For each command: the terminal sees "\\r<stage>: N events\\x1b[K" frames and
an erase ("\\r\\x1b[K") after the last; with the frames taken out, stderr is
what the same command prints into a pipe; stdout is the same either way;
into a pipe, no control byte is written at all. A stage whose output goes
to stdout on that terminal shows no line (it would land between the lines).

  cli_test.py TRACEDIFF SOURCE_DIR
"""
import os
import pty
import re
import shutil
import subprocess
import sys
import tempfile

TD, SRC = sys.argv[1], sys.argv[2]
LOG = os.path.join(SRC, "tests/trace/data/local-6.1.strace")  # strace 6.1 of a real shell
FRAME = re.compile(rb"\r([^\r\x1b]*)\x1b\[K")
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what)


def run_on_pty(args, env, stdout_too=False):
    """Runs with stderr (and stdout when stdout_too) on a pty; returns
    (rc, stdout bytes, pty bytes)."""
    m, s = pty.openpty()
    out = tempfile.TemporaryFile()
    p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=s if stdout_too else out, stderr=s, env=env)
    os.close(s)
    seen = b""
    while True:
        try:
            d = os.read(m, 65536)
        except OSError:  # EIO: the last writer closed it
            break
        if not d:
            break
        seen += d
    os.close(m)
    rc = p.wait()
    out.seek(0)
    return rc, out.read(), seen.replace(b"\r\n", b"\n")


def run_on_pipe(args, env):
    p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, env=env)
    return p.returncode, p.stdout, p.stderr


def main():
    d = tempfile.mkdtemp(prefix="tracediff-progress.")
    try:
        env = dict(os.environ, TRACEDIFF_PROGRESS_DELAY="0", TRACEDIFF_REDACT_KEY="progress-test")
        env.pop("NO_COLOR", None)
        trace = os.path.join(d, "t.trace")
        subprocess.run([TD, "import", LOG, "-o", trace], check=True, capture_output=True, env=env)
        n = sum(1 for _ in open(trace)) - 1
        log2 = os.path.join(d, "again.strace")
        shutil.copy(LOG, log2)

        def out(name):
            return os.path.join(d, name)

        # (label, argv with OUT for a fresh output path, the stages expected in order)
        cases = [
            ("explain trace", [TD, "explain", trace], [f"reading {trace}"]),
            ("explain log", [TD, "explain", LOG], [f"reading {LOG}"]),
            ("explain set", [TD, "explain", LOG, log2], ["reading 2 logs"]),
            ("show", [TD, "show", trace], [f"reading {trace}"]),
            ("normalize", [TD, "normalize", trace, "-o", "OUT"], [f"reading {trace}", "writing OUT"]),
            ("redact", [TD, "redact", trace, "-o", "OUT"], [f"redacting {trace}"]),
            ("import", [TD, "import", LOG, "-o", "OUT"], [f"importing {LOG}"]),
            ("import set", [TD, "import", LOG, log2, "-o", "OUT"], ["reading 2 logs", "writing OUT"]),
            # The differ counts its events 1,024 at a time (tests/diff:
            # DiffSources): these 521 show only the pairs aligned.
            ("diff", [TD, "diff", trace, LOG, "--format", "json"], ["aligning"]),
        ]
        if shutil.which("strace"):
            # A log of thousands of calls, recorded here, for the differ's reading stage.
            big = out("find.strace")
            subprocess.run(["strace", "-f", "-o", big, "sh", "-c", "find /usr/share/doc -maxdepth 2; ls -l /etc"],
                           check=True, stdout=subprocess.DEVNULL)
            cases.append(("diff big", [TD, "diff", big, big, "--format", "json"],
                          [f"reading {big} and {big}", "aligning"]))
        else:
            print("note: no strace here: the differ's reading stage is not looked at (tests/diff does)")
        for label, argv, stages in cases:
            runs = {}
            o = out(label.replace(" ", "-") + ".trace")
            for how in ("pty", "pipe"):
                if os.path.exists(o):
                    os.unlink(o)
                a = [o if x == "OUT" else x for x in argv]
                runs[how] = (run_on_pty if how == "pty" else run_on_pipe)(a, env)
                # Output files compare like stdout.
                if os.path.exists(o):
                    runs[how] = runs[how] + (open(o, "rb").read(),)
            (rc_t, so_t, se_t, *f_t), (rc_p, so_p, se_p, *f_p) = runs["pty"], runs["pipe"]
            want = [s.replace("OUT", o) for s in stages]
            frames = [f.decode() for f in FRAME.findall(se_t) if f]
            got = []
            for f in frames:
                stage = re.sub(r": [0-9,]+( of [0-9,]+)? (events|task pairs)$", "", f)
                check(stage != f, f"{label}: a frame that is no count: {f!r}")
                if not got or got[-1] != stage:
                    got.append(stage)
            check(got == want, f"{label}: stages {got}, expected {want}")
            check(se_t.count(b"\r\x1b[K") >= len(want), f"{label}: every stage's line erased: {se_t[-200:]!r}")
            rest = FRAME.sub(b"", se_t)
            check(rest == se_p, f"{label}: stderr without the line {rest!r}, into a pipe {se_p!r}")
            check(b"\r" not in se_p and b"\x1b" not in se_p, f"{label}: control bytes into a pipe: {se_p!r}")
            check(rc_t == rc_p and so_t == so_p, f"{label}: stdout or status differ on a terminal (rc {rc_t}/{rc_p})")
            if f_t or f_p:
                # A trace's header says when it was made; the events are the same.
                body = lambda b: b.split(b"\n", 1)[1] if f_t else b""  # noqa: E731
                check(f_t and f_p and body(f_t[0]) == body(f_p[0]), f"{label}: the file written differs")
        # The event counts are the events: the last frame of `show` is at most n.
        _, _, se = run_on_pty([TD, "show", trace], env)
        counts = [int(x.replace(b",", b"")) for x in re.findall(rb": ([0-9,]+) events\x1b", se)]
        check(counts and counts == sorted(counts) and counts[-1] <= n, f"show: counts {counts[-3:]} of {n}")

        # Output on the same terminal: no line between its lines.
        rc, _, seen = run_on_pty([TD, "normalize", trace, "-o", "-"], env, stdout_too=True)
        check(rc == 0 and b"writing" not in seen and seen.count(b"\n") >= n,
              f"normalize -o - onto the terminal: {seen[:200]!r}")
        # Without the knob, a stage under a second shows nothing.
        quiet = dict(env)
        del quiet["TRACEDIFF_PROGRESS_DELAY"]
        _, _, seen = run_on_pty([TD, "explain", trace], quiet)
        check(b"\x1b[K" not in seen, f"default delay: a line for a short stage: {seen[:200]!r}")
        # A value that is no number of seconds: said once, in one line; the run goes on.
        bad = dict(env, TRACEDIFF_PROGRESS_DELAY="soon")
        rc, so, se = run_on_pipe([TD, "explain", trace], bad)
        lines = [x for x in se.decode().splitlines() if "TRACEDIFF_PROGRESS_DELAY" in x]
        check(len(lines) == 1 and "not a number of seconds" in lines[0], f"bad delay: {se!r}")
        check(rc == run_on_pipe([TD, "explain", trace], env)[0], "bad delay changed the exit status")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print(f"PASS: progress line of {len(cases)} commands on a terminal, none into a pipe")
    return 0


if __name__ == "__main__":
    sys.exit(main())
