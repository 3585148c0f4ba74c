#!/usr/bin/env python3
"""End-to-end tests of `tracediff record` on real programs.

Each case is a function named case_<name>; CTest runs one per test:
    e2e.py CASE --tracediff PATH --programs DIR
Exit 0 = pass, 1 = fail (with a message), 77 = skipped (reason printed).

The strace comparison: for a program, `strace -f -o LOG` and `tracediff
record` are run on it, and LOG is read with `tracediff import`; every call
strace shows must be in the recording with the same name, path, result and
errno (results that are addresses or pids, and calls whose number varies
from run to run, are compared by name only).
"""
import argparse
import collections
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from e2e_harness import Failure, check, skip, cases_of, run_case  # noqa: E402

ARGS = None


def prog(name):
    return os.path.join(ARGS.programs, name)


def record(args, out, check_rc=None, env=None, **kw):
    cmd = [ARGS.tracediff, "record", "-o", out] + args
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, **kw)
    if check_rc is not None and r.returncode != check_rc:
        raise Failure(f"{' '.join(cmd)}: exit {r.returncode}, wanted {check_rc}\n{r.stderr}")
    return r


def load(path):
    """Returns (header, events) of a trace file; a truncated last line is dropped."""
    with open(path, "rb") as f:
        lines = f.read().split(b"\n")
    header = json.loads(lines[0])
    events = []
    for i, line in enumerate(lines[1:]):
        if not line:
            continue
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            if i == len(lines) - 2 or (i == len(lines) - 3 and not lines[-1]):
                break  # a writer killed mid-line
            raise
    return header, events


def arg_str(a):
    if "str" in a:
        return a["str"]
    if "str_hex" in a:
        return bytes.fromhex(a["str_hex"]).decode("latin-1")
    return ""


def first_path(e):
    for a in e.get("args", []):
        if a.get("kind") == "path":
            return arg_str(a)
    return None


def syscalls(events):
    return [e for e in events if e["type"] == "syscall"]


def child_of(pid, timeout=10.0):
    """The first child of `pid`, waiting for it to appear (loaded CI machines)."""
    end = time.time() + timeout
    while time.time() < end:
        r = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
        if r.stdout.split():
            return int(r.stdout.split()[0])
        time.sleep(0.05)
    raise Failure(f"no child of {pid} after {timeout}s")


def wait_for(pred, what, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.05)
    raise Failure(f"timed out waiting for {what}")


def attached_in(path, n=1):
    """True once `path` holds n 'attached' events (the recorder is in place)."""
    try:
        with open(path, "rb") as f:
            return f.read().count(b'"name":"attached"') >= n
    except FileNotFoundError:
        return False


def proc_state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def tracer_of(pid):
    """TracerPid of a process or thread (0: not traced)."""
    with open(f"/proc/{pid}/status") as f:
        return int([l for l in f if l.startswith("TracerPid:")][0].split()[1])


class BusyThreads:
    """tests/record/programs/busy_threads, running (three workers opening
    /etc/hostname every 20 ms), killed on exit."""

    def __enter__(self):
        self.proc = subprocess.Popen([prog("busy_threads")], stdout=subprocess.PIPE)
        if self.proc.stdout.readline().strip() != b"ready":
            self.__exit__()
            raise Failure("busy_threads did not start")
        self.pid = self.proc.pid
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()
        return False


# ---- strace comparison ----

PATH_CALLS = {
    "open", "openat", "creat", "access", "faccessat", "faccessat2", "stat", "lstat", "newfstatat",
    "statx", "readlink", "readlinkat", "execve", "chdir", "mkdir", "mkdirat", "unlink", "unlinkat",
    "rmdir", "rename", "renameat", "renameat2", "link", "linkat", "chmod", "fchmodat", "chown",
    "lchown", "fchownat", "truncate", "statfs", "symlink", "symlinkat", "umount2",
}


def import_strace(log, out):
    """Events of strace's log, read by `tracediff import` (issue 2's importer):
    the recording and strace's view of the same program end up in one model.
    A line the importer cannot parse fails the test: it would hide calls."""
    r = subprocess.run([ARGS.tracediff, "import", log, "-o", out], capture_output=True, text=True)
    check(r.returncode == 0, f"tracediff import {log}: exit {r.returncode}: {r.stderr}")
    _, events = load(out)
    unparsed = [e for e in events if e["type"] == "unparsed"]
    check(not unparsed, f"{log}: {len(unparsed)} lines the importer could not parse, first: {unparsed[:1]}")
    return events


# Results that differ between two runs of the same program.
NAME_ONLY_RESULT = {
    "clone", "clone3", "fork", "vfork", "wait4", "waitid", "getpid", "gettid", "getppid",
    "set_tid_address", "brk", "mmap", "mremap", "getrandom", "rt_sigreturn",
}
# Calls whose number varies between runs (scheduling, timing).
VOLATILE = {"futex", "sched_yield", "nanosleep", "clock_nanosleep", "rt_sigreturn",
            "restart_syscall", "madvise", "munmap", "mmap", "mprotect", "rseq",
            "set_robust_list", "rt_sigprocmask", "getpid", "gettid"}


def tuples_of_trace(events):
    out = []
    for e in syscalls(events):
        state = e.get("state", "returned")
        if state == "unknown":
            result = "?"
        elif state != "returned":
            continue
        else:
            result = str(e.get("ret"))
        path = first_path(e) if e["name"] in PATH_CALLS else None
        out.append((e["tid"], e["name"], path, result, e.get("errno", "")))
    return out


def key(t, name_only=()):
    pid, name, path, result, err = t
    if name in NAME_ONLY_RESULT or name in name_only:
        return (name, path, err)
    if err.startswith("ERESTART"):
        result = "?"  # strace: "= ? ERESTARTSYS": the value never reaches the program
    if result.startswith("0x"):
        result = str(int(result, 16))  # strace shows some results in hex (fcntl F_GETFL)
    return (name, path, result, err)


def compare_with_strace(cmd, mode_args=("--all",), cwd=None, excluded=None, env=None, name_only=()):
    """Every call strace shows for `cmd` is in the recording (multiset).
    `cmd` may be a function of a fresh scratch directory, so that the two
    runs start from the same state."""
    if shutil.which("strace") is None:
        skip("strace is not installed")
    make = cmd if callable(cmd) else (lambda _d: cmd)
    d = tempfile.mkdtemp(prefix="tdrec-")
    log = os.path.join(d, "strace.log")
    # Both runs use the same scratch path, emptied in between, so paths match.
    work = scratch()
    subprocess.run(["strace", "-f", "-qq", "-o", log] + make(work), capture_output=True, cwd=cwd, env=env)
    shutil.rmtree(work)
    os.mkdir(work, 0o755)
    os.chmod(work, 0o755)
    out = os.path.join(d, "rec.trace")
    cmd = make(work)
    record(list(mode_args) + ["--"] + cmd, out, cwd=cwd, env=env)
    _, events = load(out)
    want = collections.Counter()
    for t in tuples_of_trace(import_strace(log, os.path.join(d, "strace.trace"))):
        if t[1] in VOLATILE or (excluded and t[1] in excluded):
            continue
        want[key(t, name_only)] += 1
    have = collections.Counter(key(t, name_only) for t in tuples_of_trace(events) if t[1] not in VOLATILE)
    missing = want - have
    check(not missing, f"{' '.join(cmd)}: calls strace saw but the recording lacks "
          f"({sum(missing.values())} of {sum(want.values())}):\n" +
          "\n".join(f"  {k} x{n}" for k, n in sorted(missing.items(), key=str)[:40]))
    check(sum(want.values()) > 5, "strace log too small: the comparison proves nothing")
    return events


def default_excluded():
    r = subprocess.run([ARGS.tracediff, "record", "--list-default-excluded"], capture_output=True,
                       text=True, check=True)
    return set(r.stdout.strip().split(","))


# ---- cases ----

def scratch():
    d = tempfile.mkdtemp(prefix="tdrec-")
    os.chmod(d, 0o755)  # the programs drop to nobody and must still reach it
    return d


def case_strace_fileops():
    compare_with_strace(lambda d: [prog("fileops"), d])


def case_strace_fileops_default_set():
    compare_with_strace(lambda d: [prog("fileops"), d], mode_args=(), excluded=default_excluded())


def case_strace_same_absolute_paths():
    # One path resolver for recorder and importer: every path call of a
    # program that uses "..", ".", "//", dir fds, chdir, fchdir and fork
    # gets the same absolute path in the recording and in strace's log.
    if shutil.which("strace") is None:
        skip("strace is not installed")
    d = tempfile.mkdtemp(prefix="tdrec-")
    log = os.path.join(d, "strace.log")

    def abs_paths(events):
        out = collections.Counter()
        for e in syscalls(events):
            for a in e.get("args", []):
                if a.get("kind") == "path" and arg_str(a):
                    out[(e["name"], arg_str(a), a.get("abs", ""))] += 1
        return out

    work = scratch()
    subprocess.run(["strace", "-f", "-qq", "-o", log, prog("relpaths"), work], check=True)
    shutil.rmtree(work)
    os.mkdir(work, 0o755)
    out = os.path.join(d, "rec.trace")
    record(["--all", "--", prog("relpaths"), work], out, check_rc=0)
    rec = abs_paths(load(out)[1])
    imp = abs_paths(import_strace(log, os.path.join(d, "strace.trace")))
    mine = {k for k in imp if work in k[2] or not k[1].startswith("/")}
    check(len(mine) >= 10, f"too few relative path calls in strace's log: {sorted(mine)}")
    for k in sorted(mine):
        check(rec[k] >= 1, f"strace's {k[0]}({k[1]!r}) resolves to {k[2]!r}; the recording has "
              f"{sorted(x for x in rec if x[0] == k[0] and x[1] == k[1])}")
    check(not any(".." in k[2] or "/./" in k[2] or "//" in k[2] for k in rec | imp),
          "an absolute path kept a '.', '..' or '//' component")


def case_strace_fdops():
    compare_with_strace([prog("fdops")])


def case_strace_netops():
    compare_with_strace(lambda d: [prog("netops"), d])


def case_strace_procops():
    compare_with_strace([prog("procops")])


def case_strace_creds():
    compare_with_strace([prog("creds")])


def case_strace_threads():
    # Which thread gets fd 3 and which fd 4 depends on scheduling.
    compare_with_strace([prog("threads")], name_only={"openat", "read", "close"})


def case_strace_exec_thread():
    events = compare_with_strace([prog("exec_thread")])
    execs = [e for e in events if e["type"] == "process" and e["name"] == "exec"]
    check(len(execs) == 2, f"wanted 2 exec events, got {len(execs)}")
    check(arg_str(execs[1]["args"][0]) == "/bin/echo", f"second exec: {execs[1]}")
    check(execs[1]["tid"] == execs[0]["tid"], "the exec'ing thread must take the leader's tid")
    sup = [e for e in events if e["type"] == "process" and e["name"] == "superseded"]
    check(len(sup) == 1 and sup[0]["child"] != sup[0]["tid"], f"superseded event: {sup}")


def case_strace_spawn():
    compare_with_strace([prog("spawn")])


def case_strace_ls():
    compare_with_strace(["ls", "-l", "/etc"])


def case_strace_sh_pipeline():
    events = compare_with_strace(["sh", "-c", "cat /etc/hostname | wc -c"])
    spawns = [e for e in events if e["type"] == "process" and e["name"] == "spawn"]
    check(len(spawns) >= 2, f"sh starts two children, saw {len(spawns)} spawn events")
    # Every event of a child comes after its spawn event (the process table
    # depends on it).
    born = {events[0]["pid"]}
    for e in events:
        if e["type"] == "process" and e["name"] == "spawn":
            born.add(e["child"])
        elif e["type"] == "process" and e["name"] == "attached":
            born.add(e["tid"])
        else:
            check(e["tid"] in born, f"event of {e['tid']} before its spawn: {e}")


def case_strace_register_fallback():
    env = dict(os.environ, TRACEDIFF_NO_SYSCALL_INFO="1")
    compare_with_strace(lambda d: [prog("fileops"), d], env=env)
    compare_with_strace(["sh", "-c", "cat /etc/hostname | wc -c"], env=env, mode_args=(),
                        excluded=default_excluded())


def case_strace_peekdata_fallback():
    env = dict(os.environ, TRACEDIFF_NO_VM_READV="1")
    compare_with_strace(lambda d: [prog("fileops"), d], env=env)
    compare_with_strace(lambda d: [prog("netops"), d], env=env)


def case_strace_real_programs_default_set():
    ex = default_excluded()
    compare_with_strace(["ls", "-l", "/etc"], mode_args=(), excluded=ex)
    compare_with_strace(["sh", "-c", "cat /etc/hostname | wc -c"], mode_args=(), excluded=ex)
    compare_with_strace([prog("procops")], mode_args=(), excluded=ex)
    compare_with_strace([prog("threads")], mode_args=(), excluded=ex, name_only={"openat", "read", "close"})
    compare_with_strace([prog("exec_thread")], mode_args=(), excluded=ex)
    compare_with_strace([prog("spawn")], mode_args=(), excluded=ex)
    compare_with_strace(lambda d: [prog("netops"), d], mode_args=(), excluded=ex)


def case_default_set_filters():
    d = scratch()
    out = os.path.join(d, "t.trace")
    record(["--", "ls", "/etc"], out, check_rc=0)
    h, events = load(out)
    names = {e["name"] for e in syscalls(events)}
    check(h["options"]["filter"] == "seccomp-bpf", f"filter: {h['options']}")
    check("openat" in names and "execve" in names and "write" in names, f"names: {names}")
    check(not names & {"munmap", "madvise", "futex", "rt_sigaction"}, f"excluded calls recorded: {names}")
    check({"mmap", "mprotect", "brk"} <= names, f"mappings are in the default set: {names}")
    out2 = os.path.join(d, "t2.trace")
    record(["-e", "trace=%file", "--", "ls", "/etc"], out2, check_rc=0)
    _, ev2 = load(out2)
    n2 = {e["name"] for e in syscalls(ev2)}
    check("openat" in n2 and "write" not in n2 and "getdents64" not in n2, f"-e trace=%file: {n2}")


def case_exit_status():
    d = scratch()
    for argv, want in ((["exit", "0"], 0), (["exit", "3"], 3), (["kill"], 128 + 9), (["segv"], 128 + 11)):
        out = os.path.join(d, f"{argv[0]}{len(argv)}.trace")
        for mode in ([], ["--all"]):
            if os.path.exists(out):
                os.unlink(out)
            record(mode + ["--", prog("behave")] + argv, out, check_rc=want)
            _, events = load(out)
            last = [e for e in events if e["type"] == "process" and e["name"] in ("exit", "killed")]
            check(last, f"{argv}: no exit event")
            if want < 128:
                check(last[-1]["name"] == "exit" and last[-1]["code"] == want, f"{argv}: {last[-1]}")
            else:
                check(last[-1]["name"] == "killed" and last[-1]["signal"] == want - 128, f"{argv}: {last[-1]}")


def case_signal_siginfo():
    # A delivered signal carries its siginfo, as strace shows it: a fault's
    # code and address, and who sent a signal sent with kill.
    d = scratch()
    for mode in ([], ["--all"]):
        out = os.path.join(d, f"segv{len(mode)}.trace")
        record(mode + ["--", prog("behave"), "segv"], out, check_rc=128 + 11)
        _, events = load(out)
        sigs = [e for e in events if e["type"] == "signal" and e["name"] == "SIGSEGV"]
        check(len(sigs) == 1, f"{mode}: SIGSEGV events: {sigs}")
        fields = {a.get("name"): a for a in sigs[0].get("args", [])}
        check(fields.get("si_signo", {}).get("str") == "SIGSEGV", f"{mode}: si_signo in {fields}")
        check(fields.get("si_code", {}).get("str") == "SEGV_MAPERR", f"{mode}: si_code in {fields}")
        check(fields.get("si_addr", {}).get("str") == "NULL", f"{mode}: si_addr in {fields}")
        # With no error message to start from, explain says what killed it.
        x = subprocess.run([ARGS.tracediff, "explain", out], capture_output=True, text=True)
        check(x.returncode == 1 and "killed by SIGSEGV at address NULL (SEGV_MAPERR)" in x.stdout,
              f"{mode}: explain said (exit {x.returncode}): {x.stdout}")

        out = os.path.join(d, f"usr1{len(mode)}.trace")
        record(mode + ["--", "sh", "-c", 'trap "exit 7" USR1; kill -USR1 $$; sleep 5'], out, check_rc=7)
        _, events = load(out)
        sigs = [e for e in events if e["type"] == "signal" and e["name"] == "SIGUSR1"]
        check(len(sigs) == 1, f"{mode}: SIGUSR1 events: {sigs}")
        fields = {a.get("name"): a for a in sigs[0].get("args", [])}
        check(fields.get("si_code", {}).get("str") == "SI_USER", f"{mode}: si_code in {fields}")
        check(fields.get("si_pid", {}).get("raw") == sigs[0]["pid"], f"{mode}: si_pid {fields} (sent by itself)")
        check(fields.get("si_uid", {}).get("raw") == os.getuid(), f"{mode}: si_uid in {fields}")
        # And `show` prints it the way strace does.
        shown = subprocess.run([ARGS.tracediff, "show", out], capture_output=True, text=True, check=True).stdout
        want = f"--- SIGUSR1 {{si_signo=SIGUSR1, si_code=SI_USER, si_pid={sigs[0]['pid']}, si_uid={os.getuid()}}} ---"
        check(want in shown, f"{mode}: show lacks {want!r}")


def case_perm_snapshot_credentials():
    # The caller's ids in a permission snapshot follow the process through
    # set*id calls, fork and exec, and a set-user-ID program's exec.
    d = scratch()
    setuid_cat = os.path.join(d, "suid-cat")
    shutil.copy("/bin/cat", setuid_cat)
    os.chown(setuid_cat, 0, 0)
    os.chmod(setuid_cat, 0o4755)
    if "nosuid" in subprocess.run(["findmnt", "-n", "-o", "OPTIONS", "-T", d], capture_output=True,
                                  text=True).stdout:
        skip(f"{d} is on a nosuid mount")
    out = os.path.join(d, "t.trace")
    inner = f"cat {d}/missing-b; {setuid_cat} {d}/missing-c; cat {d}/missing-d"
    script = (f"cat {d}/missing-a; setpriv --reuid=65534 --regid=65534 --clear-groups "
              f"sh -c '{inner}'; exit 0")
    for mode in ([], ["--all"]):
        record(mode + ["--force", "--", "sh", "-c", script], out, check_rc=0)
        _, events = load(out)
        seen = {}
        for e in syscalls(events):
            for a in e.get("args", []):
                p = a.get("abs") or a.get("str") or ""
                if p.startswith(d + "/missing-") and "perm" in e:
                    seen[p[-1]] = e["perm"]["uid"]
        check(seen == {"a": 0, "b": 65534, "c": 0, "d": 65534},
              f"{mode}: snapshot uids by file {seen}, wanted a 0 (root), b 65534 (after setpriv and exec), "
              f"c 0 (set-user-ID exec), d 65534")


def case_killed_mid_call():
    d = scratch()
    out = os.path.join(d, "t.trace")
    p = subprocess.Popen([ARGS.tracediff, "record", "--all", "-o", out, "--", prog("behave"), "block"],
                         stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    child = child_of(p.pid)
    # Wait until it blocks in read(0) (state S), then kill it mid-call.
    wait_for(lambda: proc_state(child) in ("S", "t"), "the program to block")
    time.sleep(0.3)
    os.kill(child, signal.SIGKILL)
    rc = p.wait(timeout=10)
    check(rc == 128 + 9, f"exit {rc}")
    _, events = load(out)
    reads = [e for e in syscalls(events) if e["name"] == "read" and e["args"][0].get("raw") == 0]
    check(reads and reads[-1].get("state") == "unfinished", f"read in progress: {reads[-1:]}")
    check(events[-1]["type"] == "process" and events[-1]["name"] == "killed", f"last: {events[-1]}")


def case_stop_and_continue():
    d = scratch()
    out = os.path.join(d, "t.trace")
    p = subprocess.Popen([ARGS.tracediff, "record", "-o", out, "--", prog("behave"), "stop"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child = child_of(p.pid)
    wait_for(lambda: proc_state(child) in ("T", "t"), "the program to stop itself")
    time.sleep(0.3)
    st = proc_state(child)
    check(st in ("T", "t"), f"the program must stay stopped, state {st}")
    check(p.poll() is None, "record ended while the program was stopped")
    os.kill(child, signal.SIGCONT)
    out_text, _ = p.communicate(timeout=10)
    check(p.returncode == 0 and b"continued" in out_text, f"rc {p.returncode}, out {out_text!r}")
    _, events = load(out)
    stops = [e for e in events if e["type"] == "signal" and e.get("stopped")]
    check(stops and stops[0]["name"] == "SIGSTOP", f"group stop event: {stops}")


def start_server(path):
    srv = subprocess.Popen([prog("server"), path], stdout=subprocess.PIPE)
    check(srv.stdout.readline().strip() == b"ready", "server did not start")
    return srv


def ask(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(b"ping")
    data = s.recv(16)
    s.close()
    return data


def case_attach_detach():
    d = scratch()
    sock = os.path.join(d, "srv.sock")
    srv = start_server(sock)
    try:
        out = os.path.join(d, "t.trace")
        rec = subprocess.Popen([ARGS.tracediff, "record", "-o", out, "-p", str(srv.pid)],
                               stderr=subprocess.PIPE)
        wait_for(lambda: attached_in(out), "record to attach")
        time.sleep(0.2)
        for _ in range(3):
            check(ask(sock) == b"pong\n", "server answer while traced")
        rec.send_signal(signal.SIGINT)
        rc = rec.wait(timeout=10)
        check(rc == 0, f"record exit {rc}: {rec.stderr.read()}")
        check(srv.poll() is None, "the server died when record detached")
        for _ in range(3):
            check(ask(sock) == b"pong\n", "server answer after detach")
        with open(f"/proc/{srv.pid}/status") as f:
            tracer = [l for l in f if l.startswith("TracerPid:")][0].split()[1]
        check(tracer == "0", f"still traced by {tracer}")
        h, events = load(out)
        check(h["attached"] == [srv.pid], f"header attached: {h.get('attached')}")
        acc = [e for e in syscalls(events) if e["name"] == "accept"]
        check(len(acc) >= 3, f"accept calls: {len(acc)}")
        check(acc[0].get("ret_ref", "").startswith("UNIX-STREAM:["), f"accepted fd ref: {acc[0]}")
        writes = [e for e in syscalls(events) if e["name"] == "write"]
        check(any(arg_str(w["args"][1]) == "pong\n" for w in writes), "write of the answer")
        check(any(e["type"] == "process" and e["name"] == "detached" for e in events), "detached event")
    finally:
        srv.kill()
        srv.wait()


def case_attach_several_pids():
    d = scratch()
    socks = [os.path.join(d, f"s{i}.sock") for i in range(2)]
    srvs = [start_server(s) for s in socks]
    try:
        out = os.path.join(d, "t.trace")
        args = [ARGS.tracediff, "record", "-o", out]
        for s in srvs:
            args += ["-p", str(s.pid)]
        rec = subprocess.Popen(args, stderr=subprocess.PIPE)
        wait_for(lambda: attached_in(out, 2), "record to attach")
        time.sleep(0.2)
        for s in socks:
            check(ask(s) == b"pong\n", f"{s} answers while traced")
        rec.send_signal(signal.SIGINT)
        check(rec.wait(timeout=10) == 0, f"record: {rec.stderr.read()}")
        for s, p in zip(socks, srvs):
            check(p.poll() is None and ask(s) == b"pong\n", f"{s} answers after detach")
        h, events = load(out)
        check(h["attached"] == [p.pid for p in srvs], f"attached: {h.get('attached')}")
        pids = {e["pid"] for e in syscalls(events) if e["name"] == "accept"}
        check(pids == {p.pid for p in srvs}, f"accept calls from both: {pids}")
    finally:
        for p in srvs:
            p.kill()
            p.wait()


def case_attach_all_threads():
    d = scratch()
    with BusyThreads() as busy:
        out = os.path.join(d, "t.trace")
        rec = subprocess.Popen([ARGS.tracediff, "record", "-o", out, "-p", str(busy.pid)], stderr=subprocess.PIPE)
        wait_for(lambda: attached_in(out, 4), "record to attach")
        time.sleep(0.6)
        rec.send_signal(signal.SIGINT)
        check(rec.wait(timeout=10) == 0, f"record: {rec.stderr.read()}")
        time.sleep(0.2)
        check(busy.proc.poll() is None, "the program died when record detached")
        tids = os.listdir(f"/proc/{busy.pid}/task")
        check(len(tids) == 4, f"threads after detach: {tids}")
        for tid in tids:
            tracer = tracer_of(int(tid))
            check(tracer == 0, f"thread {tid} still traced by {tracer}")
        _, events = load(out)
        opens = {e["tid"] for e in syscalls(events) if e["name"] == "openat" and first_path(e) == "/etc/hostname"}
        check(len(opens) == 3, f"openat from each worker thread: {opens}")
        attached = {e["tid"] for e in events if e["type"] == "process" and e["name"] == "attached"}
        check(attached == {int(t) for t in tids}, f"attached events: {attached}")


def case_attach_by_thread_id():
    # -p with the tid of a worker thread (what top -H shows) records the
    # whole process, under its real pid, and says so once.
    d = scratch()
    with BusyThreads() as busy:
        tids = sorted(int(t) for t in os.listdir(f"/proc/{busy.pid}/task"))
        worker = [t for t in tids if t != busy.pid][0]
        out = os.path.join(d, "t.trace")
        rec = subprocess.Popen([ARGS.tracediff, "record", "-o", out, "-p", str(worker), "-p", str(busy.pid)],
                               stderr=subprocess.PIPE, text=True)
        wait_for(lambda: attached_in(out, 4), "record to attach")
        time.sleep(0.3)
        rec.send_signal(signal.SIGINT)
        check(rec.wait(timeout=10) == 0, "record failed")
        err = rec.stderr.read()
        check(f"-p {worker} is a thread of process {busy.pid}" in err, f"the note on stderr: {err!r}")
        check(busy.proc.poll() is None, "the program died when record detached")
        h, events = load(out)
        check(h["attached"] == [busy.pid], f"header attached (one process, not the tid): {h.get('attached')}")
        attached = sorted(e["tid"] for e in events if e["type"] == "process" and e["name"] == "attached")
        check(attached == tids, f"attached events {attached}, threads {tids}")
        pids = {e["pid"] for e in events}
        check(pids == {busy.pid}, f"events name the process by its pid: {pids}")
        opens = {e["tid"] for e in syscalls(events) if e["name"] == "openat" and first_path(e) == "/etc/hostname"}
        check(worker in opens, f"the named thread's own calls are recorded: {opens}")


def case_attach_other_user_says_why():
    # tracediff as nobody cannot attach to root's process: the one line
    # says whose process it is, leaves no file, and the process runs on.
    if shutil.which("setpriv") is None:
        skip("setpriv (util-linux) is not installed")
    d = scratch()
    os.chmod(d, 0o777)
    out = os.path.join(d, "t.trace")
    victim = subprocess.Popen(["sleep", "60"])
    try:
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                            ARGS.tracediff, "record", "-o", out, "-p", str(victim.pid)], capture_output=True, text=True)
        check_attach_refused(r, victim.pid, out, "-p of root's process as nobody")
        check("it runs as uid 0 and tracediff as uid 65534" in r.stderr, f"the reason: {r.stderr!r}")
        check(victim.poll() is None and tracer_of(victim.pid) == 0, "the process was touched")
    finally:
        victim.kill()
        victim.wait()


def case_attach_follows_children_and_detaches():
    d = scratch()
    loop = subprocess.Popen(["sh", "-c", "while :; do cat /etc/hostname >/dev/null; sleep 0.05; done"])
    try:
        time.sleep(0.2)
        out = os.path.join(d, "t.trace")
        rec = subprocess.Popen([ARGS.tracediff, "record", "-o", out, "-p", str(loop.pid)], stderr=subprocess.PIPE)
        wait_for(lambda: attached_in(out), "record to attach")
        time.sleep(1.0)
        rec.send_signal(signal.SIGTERM)
        rc = rec.wait(timeout=10)
        check(rc == 0, f"record exit {rc}: {rec.stderr.read()}")
        time.sleep(0.3)
        check(loop.poll() is None, "the shell died when record detached")
        with open(f"/proc/{loop.pid}/status") as f:
            tracer = [l for l in f if l.startswith("TracerPid:")][0].split()[1]
        check(tracer == "0", f"still traced by {tracer}")
        _, events = load(out)
        spawns = [e for e in events if e["type"] == "process" and e["name"] == "spawn"]
        check(len(spawns) >= 3, f"future children followed: {len(spawns)} spawn events")
        opens = [e for e in syscalls(events) if e["name"] == "openat" and first_path(e) == "/etc/hostname"]
        check(opens and opens[0]["pid"] != loop.pid, f"the children's calls: {opens[:1]}")
    finally:
        loop.kill()
        loop.wait()


def case_launched_command_sigterm():
    d = scratch()
    for mode in ([], ["--all"]):
        out = os.path.join(d, f"t{len(mode)}.trace")
        rec = subprocess.Popen([ARGS.tracediff, "record", "-o", out] + mode + ["--", prog("behave"), "sleep", "30"],
                               stderr=subprocess.PIPE)
        child = child_of(rec.pid)
        wait_for(lambda: proc_state(child) == "S", "the command to sleep")
        time.sleep(0.2)
        rec.send_signal(signal.SIGTERM)
        rc = rec.wait(timeout=10)
        check(rc == 128 + signal.SIGTERM, f"{mode}: record exit {rc}")
        time.sleep(0.2)
        check(not os.path.exists(f"/proc/{child}") or open(f"/proc/{child}/stat").read().split()[2] == "Z",
              f"{mode}: the command must get the signal, as under strace")
        _, events = load(out)
        check(any(e["name"] == "execve" for e in syscalls(events)), f"{mode}: trace valid up to the signal")
        if not mode:
            # Under the seccomp filter the recorder stays until the command
            # is gone (a detached task would get ENOSYS): its death is there.
            killed = [e for e in events if e["type"] == "process" and e["name"] == "killed"]
            check(killed and killed[-1]["signal"] == signal.SIGTERM, f"killed event: {killed}")


def case_signal_after_the_command_exited():
    # The command exits 3 and leaves a child running (a daemon it started).
    # A signal to record then must not go to the command's pid, which is free
    # for reuse; record exits with the command's status. With --all the
    # child is detached and runs on; under the filter (which cannot be
    # removed) the child gets the signal and record waits for it.
    d = scratch()
    for mode in (["--all"], []):
        out = os.path.join(d, f"t{len(mode)}.trace")
        pidfile = os.path.join(d, f"daemon{len(mode)}.pid")
        # Not a pipe: the daemon inherits record's stderr and would hold it open.
        errfile = os.path.join(d, f"err{len(mode)}.txt")
        with open(errfile, "w") as err:
            rec = subprocess.Popen([ARGS.tracediff, "record", "-o", out] + mode +
                                   ["--", "sh", "-c", f"'{prog('behave')}' sleep 30 & echo $$ $! > '{pidfile}.new'; "
                                                      f"mv '{pidfile}.new' '{pidfile}'; exit 3"],
                                   stderr=err)
        wait_for(lambda: os.path.exists(pidfile), "the command to start its child")
        with open(pidfile) as f:
            sh, daemon = map(int, f.read().split())
        wait_for(lambda: not os.path.exists(f"/proc/{sh}"), "the command to exit and be reaped")
        wait_for(lambda: proc_state(daemon) == "S", "the daemon to sleep")
        rec.send_signal(signal.SIGTERM)
        try:
            rc = rec.wait(timeout=10)
            check(rc == 3, f"{mode}: record exit {rc} (the command's status is 3): {open(errfile).read()!r}")
            _, events = load(out)
            if mode:
                time.sleep(0.2)
                st, tr = proc_state(daemon), tracer_of(daemon)
                check(st in "SR" and tr == 0, f"{mode}: the daemon runs on, untraced: state {st}, tracer {tr}")
                check(any(e["type"] == "process" and e["name"] == "detached" and e["pid"] == daemon for e in events),
                      f"{mode}: the daemon's detach is in the trace")
            else:
                killed = [e for e in events if e["type"] == "process" and e["name"] == "killed" and e["pid"] == daemon]
                check(killed and killed[0]["signal"] == signal.SIGTERM, f"the daemon got the signal: {killed}")
            exits = [e for e in events if e["type"] == "process" and e["name"] == "exit" and e["pid"] == sh]
            check(exits and exits[0]["code"] == 3, f"{mode}: the command's exit: {exits}")
        finally:
            try:
                os.kill(daemon, signal.SIGKILL)
            except ProcessLookupError:
                pass
            rec.kill()
            rec.wait()


def case_launched_command_ignoring_sigterm():
    # A command that ignores the signal: the second signal ends it all.
    d = scratch()
    out = os.path.join(d, "t.trace")
    rec = subprocess.Popen([ARGS.tracediff, "record", "-o", out, "--", "sh", "-c",
                            "trap '' TERM; while :; do sleep 0.1; done"], stderr=subprocess.PIPE)
    sh = child_of(rec.pid)
    child_of(sh)  # its first sleep runs: the trap is set
    rec.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    check(rec.poll() is None, "one ignored SIGTERM must not end the recording")
    rec.send_signal(signal.SIGTERM)
    rc = rec.wait(timeout=10)
    check(rc == 128 + signal.SIGKILL, f"record exit {rc}")
    _, events = load(out)
    check(events[-1]["type"] == "process" and events[-1]["name"] == "killed", f"last: {events[-1]}")


def case_recorder_sigkilled():
    d = scratch()
    out = os.path.join(d, "t.trace")
    rec = subprocess.Popen([ARGS.tracediff, "record", "--all", "-o", out, "--", "sh", "-c",
                            "while :; do cat /etc/hostname >/dev/null; done"],
                           stderr=subprocess.PIPE)
    time.sleep(1.0)
    rec.kill()
    rec.wait()
    h, events = load(out)
    check(len(events) > 100, f"only {len(events)} events survived")
    r = subprocess.run([ARGS.tracediff, "show", out], capture_output=True, text=True)
    check(r.returncode == 0 and "openat" in r.stdout, f"show: {r.returncode} {r.stderr[:300]}")


def case_refuse_overwrite_and_mode():
    d = scratch()
    out = os.path.join(d, "t.trace")
    with open(out, "w") as f:
        f.write("precious\n")
    r = record(["--", "true"], out)
    check(r.returncode != 0, "must refuse to overwrite")
    with open(out) as f:
        check(f.read() == "precious\n", "existing file changed")
    record(["--force", "--", "true"], out, check_rc=0)
    os.unlink(out)
    old = os.umask(0)
    try:
        record(["--", "true"], out, check_rc=0)
    finally:
        os.umask(old)
    mode = stat.S_IMODE(os.stat(out).st_mode)
    check(mode == 0o600, f"mode {oct(mode)}")


def case_bad_input_leaves_nothing():
    d = scratch()
    out = os.path.join(d, "t.trace")
    for args, words in ((["--", "no-such-command-xyz"], "command not found"),
                        (["-p", "999999999"], "no such process"),
                        (["-e", "trace=%bogus", "--", "true"], "unknown class"),
                        (["-e", "trace=opne", "--", "true"], "unknown system call"),
                        ([], "give either a command"),
                        # -s is unsigned: "-5" must not wrap to 2^64-5 (capture everything)
                        (["-s", "-5", "--", "true"], "'-5' is not a number of bytes"),
                        (["-s", "1k", "--", "true"], "'1k' is not a number of bytes")):
        r = record(args, out)
        check(r.returncode == 2, f"{args}: exit {r.returncode}")
        lines = r.stderr.strip().splitlines()
        # A usage error adds CLI11's "Run 'tracediff --help' for usage." (as
        # ls and git do); everything else is one line.
        usage = len(lines) == 2 and "--help" in lines[1]
        check((len(lines) == 1 or usage) and words in lines[0], f"{args}: message {r.stderr!r}")
        check(not os.path.exists(out), f"{args}: left {out} behind")


class Unseizable:
    """A `sleep` already traced by strace: PTRACE_SEIZE of it fails (EPERM)
    on any kernel, for any user, unlike pid 1 (which root may trace on some
    systems)."""

    def __enter__(self):
        if shutil.which("strace") is None:
            skip("strace is not installed (it provides the unseizable process)")
        self.strace = subprocess.Popen(["strace", "-o", "/dev/null", "sleep", "60"])
        self.pid = None
        # strace forks short-lived probes at start-up: wait for the child
        # that is sleep, traced.
        def found():
            r = subprocess.run(["pgrep", "-P", str(self.strace.pid)], capture_output=True, text=True)
            for p in map(int, r.stdout.split()):
                try:
                    with open(f"/proc/{p}/comm") as f:
                        if f.read() == "sleep\n" and tracer_of(p) == self.strace.pid:
                            self.pid = p
                            return True
                except (FileNotFoundError, ProcessLookupError, IndexError):
                    pass
            return False
        try:
            wait_for(found, "strace to run sleep")
        except Failure:
            self.strace.kill()
            self.strace.wait()
            raise
        return self

    def __exit__(self, *exc):
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.strace.wait(timeout=10)
        return False


def check_attach_refused(r, pid, out, what):
    """A failed attach: exit 2, one line naming the pid, no file at `out`."""
    check(r.returncode == 2, f"{what}: exit {r.returncode}: {r.stderr!r}")
    check(not os.path.exists(out), f"{what}: left {out} behind")
    lines = r.stderr.strip().splitlines()
    check(len(lines) == 1 and f"-p {pid}" in lines[0] and "cannot attach" in lines[0],
          f"{what}: want one line naming -p {pid}: {r.stderr!r}")


def case_attach_failure_leaves_nothing():
    d = scratch()
    out = os.path.join(d, "t.trace")
    with Unseizable() as u:
        r = record(["-p", str(u.pid)], out)
        check_attach_refused(r, u.pid, out, "-p unseizable")
        check("already traced by" in r.stderr, f"the other tracer named: {r.stderr!r}")
        # The derived name (pidN-HOST.trace) is not left either.
        r = subprocess.run([ARGS.tracediff, "record", "-p", str(u.pid)], capture_output=True, text=True, cwd=d)
        check(r.returncode == 2 and os.listdir(d) == [], f"derived name: exit {r.returncode}, left {os.listdir(d)}")
        check(tracer_of(u.pid) == u.strace.pid, "the other tracer's process must be untouched")


def case_attach_failure_with_force_keeps_existing_file():
    d = scratch()
    out = os.path.join(d, "t.trace")
    with open(out, "wb") as f:
        f.write(b"precious\n")
    os.chmod(out, 0o644)
    before = os.stat(out)
    with Unseizable() as u:
        r = record(["--force", "-p", str(u.pid)], out)
    check(r.returncode == 2, f"exit {r.returncode}: {r.stderr!r}")
    with open(out, "rb") as f:
        check(f.read() == b"precious\n", "the existing file was changed")
    after = os.stat(out)
    check((after.st_ino, after.st_mode, after.st_mtime_ns) == (before.st_ino, before.st_mode, before.st_mtime_ns),
          "the existing file was replaced or touched")
    check(len(r.stderr.strip().splitlines()) == 1 and f"-p {u.pid}" in r.stderr, f"message {r.stderr!r}")


def case_attach_several_one_fails_detaches_the_others():
    # All or nothing: the -p already attached when a later one fails are
    # detached and left running, untraced; no file is written.
    d = scratch()
    sock = os.path.join(d, "srv.sock")
    srv = start_server(sock)
    stopped = subprocess.Popen(["sleep", "60"])
    try:
        os.kill(stopped.pid, signal.SIGSTOP)
        wait_for(lambda: proc_state(stopped.pid) == "T", "sleep to stop")
        out = os.path.join(d, "t.trace")
        with Unseizable() as u:
            for order in ([srv.pid, stopped.pid, u.pid], [u.pid, srv.pid]):
                args = []
                for p in order:
                    args += ["-p", str(p)]
                r = record(args, out)
                check_attach_refused(r, u.pid, out, f"-p {order}")
                check(srv.poll() is None, f"{order}: the server died")
                wait_for(lambda: proc_state(srv.pid) == "S", f"{order}: the server to run untraced")
                check(tracer_of(srv.pid) == 0, f"{order}: server still traced by {tracer_of(srv.pid)}")
                check(ask(sock) == b"pong\n", f"{order}: server answer after the failed attach")
                # A process stopped before stays stopped (not resumed by us).
                # Detached from a trap, it runs for a moment to re-enter its
                # group stop (the kernel's ptrace unlink kicks it): wait for
                # T, then make sure it stays there.
                check(tracer_of(stopped.pid) == 0, f"{order}: stopped process still traced by {tracer_of(stopped.pid)}")
                wait_for(lambda: proc_state(stopped.pid) == "T", f"{order}: the stopped process to be stopped again",
                         timeout=5)
                time.sleep(0.3)
                check(proc_state(stopped.pid) == "T",
                      f"{order}: stopped process resumed: state {proc_state(stopped.pid)}")
                check(tracer_of(u.pid) == u.strace.pid, f"{order}: the other tracer's process changed hands")
    finally:
        srv.kill()
        srv.wait()
        stopped.kill()
        stopped.wait()


def case_launch_setup_failure_leaves_nothing():
    # The launched child fails its own set-up (seccomp refused) before the
    # exec: a failure of tracediff, not of the command, so no trace.
    shim = prog("libfail_seccomp.so")
    check(os.path.exists(shim), f"{shim} not built")
    d = scratch()
    out = os.path.join(d, "t.trace")
    env = dict(os.environ, LD_PRELOAD=shim)
    r = record(["--", "true"], out, env=env)
    check(not os.path.exists(out), f"left {out} behind (exit {r.returncode}: {r.stderr!r})")
    check(r.returncode == 2, f"exit {r.returncode} (did the LD_PRELOAD shim take effect?): {r.stderr!r}")
    lines = r.stderr.strip().splitlines()
    check(len(lines) == 1 and "seccomp" in lines[0], f"message {r.stderr!r}")
    with open(out, "wb") as f:
        f.write(b"precious\n")
    r = record(["--force", "--", "true"], out, env=env)
    with open(out, "rb") as f:
        check(f.read() == b"precious\n", "--force: the existing file was changed")
    check(r.returncode == 2, f"--force: exit {r.returncode}: {r.stderr!r}")


def case_exec_failure_is_recorded():
    # A command that cannot be executed is the command's failure: the trace
    # shows the failed execve (strace shows it too, or refuses up front with
    # "Can't stat" and an empty log); exit 127 as from a shell.
    d = scratch()
    missing = os.path.join(d, "no-such-program")
    for mode in ([], ["--all"]):
        out = os.path.join(d, f"t{len(mode)}.trace")
        r = record(mode + ["--", missing], out)
        check(r.returncode == 127, f"{mode}: exit {r.returncode}: {r.stderr!r}")
        check(missing in r.stderr and "No such file" in r.stderr, f"{mode}: message {r.stderr!r}")
        _, events = load(out)
        ex = [e for e in syscalls(events) if e["name"] == "execve"]
        check(ex and ex[0].get("errno") == "ENOENT" and first_path(ex[0]) == missing, f"{mode}: execve: {ex}")
        ends = [e for e in events if e["type"] == "process" and e["name"] == "exit"]
        check(ends and ends[-1]["code"] == 127, f"{mode}: exit event: {ends}")


def case_derived_name():
    d = scratch()
    r = subprocess.run([ARGS.tracediff, "record", "--", "true"], capture_output=True, text=True, cwd=d)
    check(r.returncode == 0, r.stderr)
    want = f"true-{socket.gethostname()}.trace"
    check(os.path.exists(os.path.join(d, want)), f"{want} not in {os.listdir(d)}")
    check(want in r.stderr, f"name not printed: {r.stderr}")


def case_redact():
    d = scratch()
    out = os.path.join(d, "t.trace")
    env = dict(os.environ, MY_API_TOKEN="hunter2-token", HARMLESS="visible-value")
    record(["--redact", "--", prog("behave"), "env"], out, check_rc=0, env=env)
    with open(out, "rb") as f:
        text = f.read()
    check(b"hunter2-token" not in text, "secret env value in the trace")
    check(b"secret-data" not in text, "data buffer in the trace")
    check(b"visible-value" in text, "harmless env value must stay")
    check(b"MY_API_TOKEN=<redacted 13 bytes " in text, "redaction marker with length")
    check(b'"redaction":"full"' in text, "the header says --redact")


def case_execve_argv_and_env():
    d = scratch()
    out = os.path.join(d, "t.trace")
    long_value = "x" * 5000  # beyond the first-chunk read and a page
    env = dict(os.environ, LONG_VALUE=long_value)
    record(["--", "sh", "-c", "exec /bin/echo one 'two words' three", "argv0"], out, check_rc=0, env=env)
    _, events = load(out)
    ex = [e for e in syscalls(events) if e["name"] == "execve"]
    check(len(ex) == 2, f"execve calls: {len(ex)}")
    argv = [arg_str(a) for a in ex[1]["args"][1]["items"]]
    check(argv == ["/bin/echo", "one", "two words", "three"], f"argv: {argv}")
    envp = [arg_str(a) for a in ex[1]["args"][2]["items"]]
    check(f"LONG_VALUE={long_value}" in envp, "a 5000-byte environment value kept whole")
    execs = [e for e in events if e["type"] == "process" and e["name"] == "exec"]
    check([arg_str(a) for a in execs[-1]["args"][1]["items"]] == argv, "exec event argv")
    # A command line of 100,000 names (what a glob or xargs passes) is kept
    # whole, not cut at some round number of entries.
    names = [str(i) for i in range(100000)]
    record(["--", "/bin/true"] + names, out + "2", check_rc=0)
    _, events = load(out + "2")
    ex = [e for e in syscalls(events) if e["name"] == "execve"]
    items = ex[0]["args"][1]["items"]
    check(len(items) == 100001 and not ex[0]["args"][1].get("trunc"), f"long argv: {len(items)} items")
    check([arg_str(a) for a in items[-2:]] == ["99998", "99999"], "long argv: the last names")


def case_paths_fds_perm():
    d = scratch()
    os.chmod(d, 0o755)
    out = os.path.join(d, "t.trace")
    record(["--", prog("fileops"), d], out, check_rc=0)
    _, events = load(out)
    calls = syscalls(events)
    # Relative paths resolved against the tracked cwd and dirfds.
    op = [e for e in calls if e["name"] == "openat" and first_path(e) == "inner.txt"]
    check(op and op[0]["args"][1]["abs"] == os.path.join(d, "sub", "inner.txt"), f"dirfd-relative: {op}")
    check(op[0].get("ret_ref") == os.path.join(d, "sub", "inner.txt"), f"returned fd ref: {op}")
    rl = [e for e in calls if e["name"] == "readlink" and first_path(e) == "link"]
    check(rl and rl[0]["args"][0]["abs"] == os.path.join(d, "link"), f"cwd after fchdir+chdir: {rl}")
    check(arg_str(rl[0]["args"][1]) == "a.txt", f"readlink result: {rl}")
    # The permission snapshot of the EACCES as nobody.
    den = [e for e in calls if e.get("errno") == "EACCES" and first_path(e) == "private/x"]
    check(den and "perm" in den[0], f"EACCES snapshot: {den}")
    p = den[0]["perm"]
    check(p["uid"] == 65534, f"caller uid: {p}")
    comp = {c["path"]: c for c in p["components"]}
    priv = comp.get(os.path.join(d, "private"))
    check(priv and priv["mode"] == "0700" and priv["uid"] == 0, f"component: {p['components']}")
    st = [e for e in calls if e["name"] in ("stat", "newfstatat") and first_path(e) == "a.txt"]
    check(st, "stat of a.txt")
    fields = {i["name"]: i.get("str") or i.get("raw") for i in st[0]["args"][-2 if st[0]["name"] == "newfstatat" else 1]["items"]}
    check(fields["st_mode"] == "S_IFREG|0640" and fields["st_size"] == 6, f"stat: {fields}")


def case_perm_snapshot_readonly_mount_in_namespace():
    # A read-only bind mount that exists only inside the traced program's
    # private mount namespace: the snapshot must see it through its eyes.
    if shutil.which("unshare") is None:
        skip("unshare (util-linux) is not installed")
    d = scratch()
    target = os.path.join(d, "ro")
    os.mkdir(target)
    out = os.path.join(d, "t.trace")
    script = f"mount --bind {target} {target} && mount -o remount,bind,ro {target} && touch {target}/new"
    r = record(["--", "unshare", "-m", "--propagation", "private", "sh", "-c", script], out)
    if r.returncode != 1 and "unshare failed" in r.stderr:
        skip(f"no mount namespaces here: {r.stderr.strip()}")
    check(r.returncode == 1, f"touch must fail (exit {r.returncode}): {r.stderr}")
    _, events = load(out)
    fails = [e for e in syscalls(events) if e.get("errno") == "EROFS"]
    check(fails and "perm" in fails[0], f"EROFS call with a snapshot: {fails[:1]}")
    comp = {c["path"]: c for c in fails[0]["perm"]["components"]}
    check(comp.get(target, {}).get("ro") is True, f"{target} seen read-only: {fails[0]['perm']}")
    check(comp.get(d, {}).get("ro") is False, f"{d} seen writable: {fails[0]['perm']}")
    check(not os.path.ismount(target), "the mount leaked out of the namespace")


def case_net_refs():
    d = scratch()
    out = os.path.join(d, "t.trace")
    record(["--", prog("netops"), d], out, check_rc=0)
    _, events = load(out)
    calls = syscalls(events)
    binds = [arg_str(e["args"][1]) for e in calls if e["name"] == "bind"]
    check(f"AF_UNIX:{d}/netops.sock" in binds, f"unix bind: {binds}")
    check("AF_UNIX:@tracediff-netops" in binds, f"abstract bind: {binds}")
    check("AF_INET:127.0.0.1:0" in binds and "AF_INET6:[::1]:0" in binds, f"inet binds: {binds}")
    conn = [e for e in calls if e["name"] == "connect" and arg_str(e["args"][1]).startswith("AF_INET:")]
    check(conn[0].get("ret", -1) == 0 and conn[1].get("errno") == "ECONNREFUSED", f"connects: {conn}")
    sends = [e for e in calls if e["name"] == "sendto" and e["args"][0].get("ref", "").startswith("TCP:[127.0.0.1:")]
    check(sends and "->127.0.0.1:" in sends[0]["args"][0]["ref"], f"TCP ref: {sends}")
    rm = [e for e in calls if e["name"] == "recvmsg"]
    check(rm and arg_str(rm[0]["args"][1]["items"][1]["items"][0]) == "msg", f"recvmsg data: {rm}")


# ---- what the recorder cannot see by itself (issue 18) ----

def header_options(path):
    h, _ = load(path)
    return h.get("options", {})


def show_stderr(path):
    r = subprocess.run([ARGS.tracediff, "show", path], capture_output=True, text=True)
    check(r.returncode == 0, f"show {path}: exit {r.returncode}: {r.stderr}")
    return r.stderr


def statx_calls(events, path):
    return [e for e in syscalls(events) if e["name"] == "statx" and first_path(e) == path]


def case_own_seccomp_filter_denied_call_is_recorded():
    # The program's filter answers statx with an errno: SECCOMP_RET_ERRNO
    # wins over the recorder's SECCOMP_RET_TRACE, so the call never stops
    # under the recorder's filter. It must be in the trace all the same,
    # in the default mode and with a -e set that leaves seccomp out.
    d = scratch()
    target = "/etc/hostname"
    for action, err in (("eperm", "EPERM"), ("enosys", "ENOSYS")):
        for mode in ([], ["-e", "trace=%file"], ["--all"]):
            out = os.path.join(d, f"{action}{len(mode)}.trace")
            r = record(mode + ["--", prog("seccomp_deny"), action, "statx", target], out, check_rc=1)
            check("statx /etc/hostname:" in r.stderr, f"{action} {mode}: the filter did not deny: {r.stderr}")
            h, events = load(out)
            st = statx_calls(events, target)
            check(len(st) == 1 and st[0].get("errno") == err and st[0].get("ret") == -1,
                  f"{action} {mode}: statx in the trace: {st}")
            opts = h["options"]
            pid = st[0]["pid"]
            check(opts.get("seccomp.installed") == "1" and opts.get("seccomp.installed_pids") == str(pid),
                  f"{action} {mode}: header: {opts}")
            check(f"process {pid} installed its own seccomp filter" in show_stderr(out),
                  f"{action} {mode}: show says nothing of the filter")
            check(f"process {pid} installed its own seccomp filter" in r.stderr,
                  f"{action} {mode}: record says nothing of the filter: {r.stderr}")
            if mode == ["-e", "trace=%file"]:
                names = {e["name"] for e in syscalls(events)}
                check("seccomp" not in names and "write" not in names, f"-e trace=%file recorded {names}")


def case_own_seccomp_filter_in_a_thread():
    # The filter is installed with TSYNC while another thread sleeps in a
    # call the recorder's filter does not stop at; that thread then makes
    # the denied call.
    d = scratch()
    out = os.path.join(d, "t.trace")
    record(["--", prog("seccomp_deny"), "eperm", "statx", "--thread", "/etc/hostname"], out, check_rc=1)
    _, events = load(out)
    st = statx_calls(events, "/etc/hostname")
    check(len(st) == 1 and st[0].get("errno") == "EPERM", f"statx: {st}")
    check(st[0]["tid"] != st[0]["pid"], f"made by the main thread, not the worker: {st}")


def case_own_seccomp_filter_ranks_first_in_diff():
    # Good: the filter allows statx; bad: it denies it. The denied call is
    # the culprit.
    d = scratch()
    good, bad = os.path.join(d, "good.trace"), os.path.join(d, "bad.trace")
    record(["--", prog("seccomp_deny"), "allow", "statx", "/etc/hostname"], good, check_rc=0)
    record(["--", prog("seccomp_deny"), "eperm", "statx", "/etc/hostname"], bad, check_rc=1)
    r = subprocess.run([ARGS.tracediff, "diff", good, bad, "--format", "json"], capture_output=True, text=True)
    check(r.returncode == 1, f"diff: exit {r.returncode}: {r.stderr}")
    doc = json.loads(r.stdout)
    first = doc["divergences"][0]
    # The families rule names every stat call by one name (docs/diff-format.md).
    check(first["syscall"] in ("statx", "newfstatat") and first["kind"] == "result", f"first divergence: {first}")
    check(first["bad"]["path"] == "/etc/hostname" and first["bad"]["errno"] == "EPERM" and
          first["good"]["errno"] is None, f"first divergence: {first}")
    check(any("installed its own seccomp filter" in n for n in doc["notes"]), f"notes: {doc['notes']}")


def case_attach_to_a_filtered_process():
    # -p on a process that already runs under a filter (a container's):
    # every call stops at its entry, before the filter, so the denied
    # calls are there; the header says the filter was there.
    d = scratch()
    out = os.path.join(d, "t.trace")
    target = subprocess.Popen([prog("seccomp_deny"), "eperm", "statx", "--loop", "/etc/hostname"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        check(target.stdout.readline().strip() == b"ready", "seccomp_deny did not start")
        p = subprocess.Popen([ARGS.tracediff, "record", "-o", out, "-p", str(target.pid)],
                             stderr=subprocess.PIPE, text=True)
        wait_for(lambda: attached_in(out), "the recorder to attach")
        time.sleep(0.3)  # a dozen statx calls
        p.send_signal(signal.SIGINT)
        _, err = p.communicate(timeout=10)
        check(p.returncode == 0, f"record -p: exit {p.returncode}: {err}")
    finally:
        target.kill()
        target.wait()
    h, events = load(out)
    st = statx_calls(events, "/etc/hostname")
    check(len(st) >= 3 and all(e.get("errno") == "EPERM" for e in st), f"statx calls: {st[:3]} ({len(st)})")
    opts = h["options"]
    check(opts.get("seccomp.at_attach") == "1" and opts.get("seccomp.at_attach_pids") == str(target.pid),
          f"header: {opts}")
    check("already ran under a seccomp filter when attached" in show_stderr(out), "show says nothing of the filter")


def case_recorder_under_a_filter_installs_none():
    # tracediff itself runs under a filter (a container): the command
    # inherits it, so the recorder's own filter could not see what it
    # denies. It records without one, and says so.
    d = scratch()
    out = os.path.join(d, "t.trace")
    cmd = [prog("seccomp_deny"), "eperm", "statx", "--exec", ARGS.tracediff, "record", "-o", out, "--",
           prog("seccomp_deny"), "none", "statx", "/etc/hostname"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 1, f"exit {r.returncode}: {r.stderr}")
    h, events = load(out)
    st = statx_calls(events, "/etc/hostname")
    check(len(st) == 1 and st[0].get("errno") == "EPERM", f"statx: {st}")
    opts = h["options"]
    check(opts.get("filter") == "none" and opts.get("seccomp.recorder") == "1", f"header: {opts}")
    names = {e["name"] for e in syscalls(events)}
    check(not names & {"set_tid_address", "set_robust_list", "rseq", "munmap"}, f"the default set still applies: {names}")
    check("tracediff ran under a seccomp filter" in show_stderr(out), "show says nothing of the filter")


def uring_or_skip(path):
    r = subprocess.run([prog("uring_open"), path], capture_output=True, text=True)
    if r.returncode == 77:
        skip(f"io_uring: {r.stdout.strip()}")
    check(r.returncode == 0, f"uring_open untraced: exit {r.returncode}: {r.stderr}")


def case_io_uring_is_noted():
    # Opened, read and closed through a ring: no openat, read or close of
    # the file is a system call. The header, show, explain and diff say the
    # program used io_uring, so that the missing open is not taken for none.
    d = scratch()
    target = os.path.join(d, "data.txt")
    with open(target, "w") as f:
        f.write("through the ring\n")
    uring_or_skip(target)
    good, bad = os.path.join(d, "good.trace"), os.path.join(d, "bad.trace")
    r = record(["--", prog("uring_open"), target], good, check_rc=0)
    check("used io_uring" in r.stderr, f"record says nothing of io_uring: {r.stderr}")
    h, events = load(good)
    calls = syscalls(events)
    names = [e["name"] for e in calls]
    check("io_uring_setup" in names and names.count("io_uring_enter") >= 3, f"calls: {names}")
    check(not [e for e in calls if first_path(e) == target], "the file was opened by a system call")
    setup = [e for e in calls if e["name"] == "io_uring_setup"][0]
    check(setup.get("ret_ref") == "anon_inode:[io_uring]", f"io_uring_setup: {setup}")
    opts = h["options"]
    pid = setup["pid"]
    check(opts.get("io_uring.processes") == "1" and opts.get("io_uring.pids") == str(pid), f"header: {opts}")
    check(int(opts.get("io_uring.enter", "0")) == names.count("io_uring_enter"), f"header: {opts}")
    check(f"process {pid} used io_uring" in show_stderr(good), "show says nothing of io_uring")
    # Recorded with a set that leaves io_uring out, the header still knows.
    part = os.path.join(d, "part.trace")
    record(["-e", "trace=%file", "--", prog("uring_open"), target], part, check_rc=0)
    check(header_options(part).get("io_uring.processes") == "1", f"-e trace=%file: {header_options(part)}")
    # The bad run: the file is missing, the open through the ring fails.
    os.unlink(target)
    record(["--", prog("uring_open"), target], bad, check_rc=1)
    x = subprocess.run([ARGS.tracediff, "explain", bad, "--format", "json"], capture_output=True, text=True)
    notes = json.loads(x.stdout)["notes"]
    check(any("used io_uring" in n for n in notes), f"explain notes: {notes}")
    t = subprocess.run([ARGS.tracediff, "explain", bad], capture_output=True, text=True)
    check("used io_uring" in t.stdout, f"explain text: {t.stdout}")
    r = subprocess.run([ARGS.tracediff, "diff", good, bad, "--format", "json"], capture_output=True, text=True)
    check(r.returncode in (0, 1), f"diff: exit {r.returncode}: {r.stderr}")
    notes = json.loads(r.stdout)["notes"]
    check(any(n.startswith(f"good trace {good}:") and "used io_uring" in n for n in notes) and
          any(n.startswith(f"bad trace {bad}:") and "used io_uring" in n for n in notes), f"diff notes: {notes}")
    text = subprocess.run([ARGS.tracediff, "diff", good, bad], capture_output=True, text=True).stdout
    check("used io_uring" in text, f"diff text report: {text}")


def case_blind_spots_are_counted():
    # Memory the recorder could not read, and children --no-follow leaves
    # out, are counted in the header and said by show.
    d = scratch()
    out = os.path.join(d, "bad.trace")
    record(["--", prog("behave"), "badptr"], out, check_rc=0)
    h, events = load(out)
    bad = [e for e in syscalls(events) if e.get("errno") == "EFAULT"]
    check(bad and bad[0]["args"][1]["kind"] == "unreadable", f"the EFAULT call: {bad}")
    # The key the eBPF recorder writes for the same loss, said the same way.
    check(h["options"].get("unreadable") == "1", f"header: {h['options']}")
    check("1 arguments unreadable" in show_stderr(out), "show says nothing of the unreadable argument")
    x = subprocess.run([ARGS.tracediff, "explain", out, "--format", "json"], capture_output=True, text=True)
    check(any("1 arguments unreadable" in n for n in json.loads(x.stdout)["notes"]), f"explain: {x.stdout}")
    out = os.path.join(d, "nofollow.trace")
    record(["--no-follow", "--", "sh", "-c", "/bin/true & /bin/true & wait"], out, check_rc=0)
    check(header_options(out).get("unseen.not_followed") == "2", f"header: {header_options(out)}")
    check("2 tasks created by the command were not recorded" in show_stderr(out), "show says nothing")
    # A recording that saw everything says nothing.
    out = os.path.join(d, "plain.trace")
    r = record(["--", "true"], out, check_rc=0)
    check(not [k for k in header_options(out) if k.startswith(("unseen.", "seccomp.", "io_uring."))],
          f"header: {header_options(out)}")
    check("note:" not in r.stderr and "note:" not in show_stderr(out), f"notes for a clean recording: {r.stderr}")


CASES = cases_of(globals())


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("case", nargs="?")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--tracediff")
    ap.add_argument("--programs")
    ARGS = ap.parse_args()
    if ARGS.list:
        print("\n".join(CASES))
        return 0
    if os.geteuid() != 0:
        skip("needs root (ptrace of setuid-dropping programs, /proc of other users)")
    # ptrace may be forbidden (containers without CAP_SYS_PTRACE, seccomp).
    d = tempfile.mkdtemp(prefix="tdrec-probe-")
    probe = subprocess.run([ARGS.tracediff, "record", "--all", "-o", os.path.join(d, "p.trace"), "--", "true"],
                           capture_output=True, text=True)
    shutil.rmtree(d, ignore_errors=True)
    if probe.returncode != 0 and "ptrace" in probe.stderr:
        skip(f"ptrace is not available here: {probe.stderr.strip()}")
    # Every scratch directory of this case lives under one root, removed
    # when the case passes and kept (and named) when it fails.
    root = tempfile.mkdtemp(prefix=f"tdrec-{ARGS.case}-")
    os.chmod(root, 0o755)  # the programs drop to nobody and must reach below it
    tempfile.tempdir = root
    try:
        rc = run_case(CASES[ARGS.case], kept=root)
    except SystemExit:
        shutil.rmtree(root, ignore_errors=True)  # skipped
        raise
    except BaseException:
        print(f"work files kept in {root}")
        raise
    if rc == 0:
        shutil.rmtree(root, ignore_errors=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())
