"""What the Python end-to-end scripts (tests/*/e2e.py) share.

Each script's cases are functions named case_<name>; CTest runs one per
test, and the script's exit code is CTest's verdict: 0 pass, 1 fail (with
a message), 77 skipped (with the reason printed).
"""
import sys

SKIP = 77


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def cases_of(namespace):
    """The case_<name> functions of a module's globals(), by name."""
    return {n[5:]: f for n, f in namespace.items() if n.startswith("case_")}


def run_case(case, kept=None):
    """Runs one case; returns the exit code. `kept`: where the case's work
    files are kept when it fails (printed), or None."""
    try:
        case()
    except Failure as e:
        print(f"FAIL: {e}")
        if kept:
            print(f"work files kept in {kept}")
        return 1
    print("PASS")
    return 0
