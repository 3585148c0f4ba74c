#!/usr/bin/env python3
"""Generates tracediff's man pages and shell completion from the command line
itself, so that neither can drift from `--help`.

Usage: gen_docs.py TRACEDIFF OUTDIR

Runs `TRACEDIFF --describe-cli` (the same CLI11 strings `--help` prints, as
JSON: cli/describe.cc) and writes

  OUTDIR/man/tracediff.1, OUTDIR/man/tracediff-SUBCOMMAND.1
  OUTDIR/completion/tracediff.bash   (bash; installed as .../completions/tracediff)
  OUTDIR/completion/_tracediff       (zsh)

The man pages take NAME from a command's description, DESCRIPTION from its
footer, OPTIONS from its options, EXAMPLES from the footer's "Examples:"
block (tracediff(1): the article's workflow, packaging/man/tracediff-examples.txt)
and EXIT STATUS from the footer's "Exit status:" / "Exits with" sentence; a
command whose help states none follows main.cc's rule (0 done, 2 trouble).

Every `tracediff SUBCOMMAND ...` line in an example is checked against the
command line: an option the subcommand does not have fails the build.
"""
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# What main.cc does for every command whose help does not say otherwise:
# usage errors and trouble (an unreadable or invalid input, an output that
# exists) are one line on standard error and status 2.
DEFAULT_EXIT = "0 when the command did its work; 2 on trouble (a usage error, an input that cannot be read or " \
               "parsed, an output that cannot be written): one line on standard error says which."

# What each option's value is, for completion. Keys: (subcommand, option
# name) or ("*", option name); positionals by their name. Kinds:
#   trace   a trace or a strace log (*.trace, *.trace.zst, *.log, *.strace; else any file)
#   log     a strace log (any file)
#   file    any file             pid     a running process id
#   command a command and its arguments (record after --)
#   rule    a normalization rule (tracediff normalize --list-rules)
#   traceset  -e trace=SET       none    nothing to complete (a number, a name)
# Choices of an option checked by CLI::IsMember come from its type ({a,b}).
VALUE_KINDS = {
    ("*", "--output"): "file",
    ("*", "--rules"): "file",
    ("*", "--keep"): "rule",
    ("*", "--message"): "none",
    ("*", "--string-size"): "none",
    ("record", "--content-size"): "none",
    ("*", "--context"): "none",
    ("*", "--width"): "none",
    ("*", "--redact-key"): "none",
    ("*", "--redact-pattern"): "none",
    ("record", "--pid"): "pid",
    ("record", "-e"): "traceset",
    ("record", "COMMAND"): "command",
    ("show", "--pid"): "none",
    ("show", "--syscall"): "none",
    ("import", "LOG"): "log",
    ("*", "TRACE"): "trace",
    ("*", "GOOD"): "trace",
    ("*", "BAD"): "trace",
    ("diff", "--bad"): "trace",
    ("diff", "TRACES"): "trace",
    ("record", "--runs"): "none",
}


def value_kind(sub, opt):
    """The completion kind of an option's value (None: a flag)."""
    if opt["values_max"] == 0:
        return None
    choices = option_choices(opt)
    if choices:
        return "choices"
    names = opt["names"] if opt["names"] else [opt["name"]]
    for n in names + [opt["name"]]:
        for key in ((sub, n), ("*", n)):
            if key in VALUE_KINDS:
                return VALUE_KINDS[key]
    raise SystemExit(f"gen_docs.py: {sub} {' '.join(names)}: no completion kind for its value "
                     f"(add it to VALUE_KINDS in {__file__})")


def option_choices(opt):
    m = re.search(r"\{([^}]*)\}", opt["type"])
    return m.group(1).split(",") if m else []


# ---------------------------------------------------------------- man pages

def esc(text):
    """Escapes plain text for troff: backslashes, dashes, a leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + l) if l[:1] in (".", "'") else l for l in text.split("\n"))


def bold(text):
    return "\\fB" + esc(text) + "\\fR"


def italic(text):
    return "\\fI" + esc(text) + "\\fR"


def split_footer(footer):
    """A footer as (prose lines, example lines): examples follow "Examples:"
    (or "Example: ..." on one line)."""
    prose, examples = [], []
    in_examples = False
    for line in footer.rstrip("\n").split("\n"):
        if re.match(r"^Examples?:\s*$", line):
            in_examples = True
            continue
        m = re.match(r"^Example:\s+(.*)$", line)
        if m:
            examples.append("  " + m.group(1))
            continue
        (examples if in_examples else prose).append(line)
    return prose, examples


# A line starting "Label: " (a short capitalized phrase) begins a paragraph.
PARAGRAPH_START = re.compile(r"^[A-Z][A-Za-z /-]{0,24}: ")


def paragraphs(lines):
    """Reflowable paragraphs of prose lines (blank lines and labels split them)."""
    out, cur = [], []
    for line in lines:
        if not line.strip() or (PARAGRAPH_START.match(line) and cur):
            if cur:
                out.append(" ".join(cur))
            cur = []
            if not line.strip():
                continue
        cur.append(line.strip())
    if cur:
        out.append(" ".join(cur))
    return out


def exit_statement(footer):
    """The footer's sentence on the exit status, without an "Exit status:" label."""
    flat = " ".join(l.strip() for l in footer.split("\n"))
    m = re.search(r"Exit status: ([^.]*\.)|(Exits with [^.]*\.)", flat)
    return (m.group(1) or m.group(2)) if m else None


def option_label(opt):
    value = ""
    if opt["values_max"] != 0:
        t = re.sub(r"[:=].*$", "", opt["type"]) or "VALUE"
        value = " " + italic(t)
    return ", ".join(bold(n) for n in opt["names"]) + value


def option_text(opt):
    text = esc(opt["description"])
    extra = []
    choices = option_choices(opt)
    if choices:
        extra.append("one of " + ", ".join(bold(c) for c in choices))
    if opt["default"]:
        extra.append("default " + bold(opt["default"]))
    if opt["values_max"] == -1 and not opt["positional"]:
        extra.append("repeatable")
    if extra and "repeatable" in opt["description"]:
        extra = [e for e in extra if e != "repeatable"]
    if extra:
        text += " (" + "; ".join(extra) + ")"
    return text


def synopsis(sub):
    parts = [bold(f"tracediff {sub['name']}"), "[" + italic("OPTIONS") + "]"]
    for o in sub["options"]:
        if not o["positional"]:
            continue
        name = italic(o["name"]) + ("..." if o["values_max"] == -1 else "")
        if o["name"] == "COMMAND":
            name = "[" + bold("--") + "] " + name
        parts.append(name if o["required"] else "[" + name + "]")
    return " ".join(parts)


def example_block(lines):
    body = "\n".join(esc(l[2:] if l.startswith("  ") else l) for l in lines)
    return ".PP\n.nf\n.RS 4\n" + body + "\n.RE\n.fi\n"


def check_examples(cli, lines, where):
    """Fails when an example uses a subcommand or option that does not exist."""
    subs = {s["name"]: s for s in cli["subcommands"]}
    for line in lines:
        for part in re.split(r"[;|&]+", line.split("#")[0]):
            words = part.split()
            if len(words) < 2 or words[0] != "tracediff" or words[1].startswith("-"):
                continue
            if words[1] not in subs:
                raise SystemExit(f"gen_docs.py: {where}: example uses unknown subcommand '{words[1]}': {line.strip()}")
            known = {n for o in subs[words[1]]["options"] for n in o["names"]}
            for w in words[2:]:
                if w == "--":
                    break
                if w.startswith("-") and w != "-":
                    flag = w.split("=", 1)[0]
                    if flag not in known:
                        raise SystemExit(f"gen_docs.py: {where}: example uses unknown option '{flag}' "
                                         f"of '{words[1]}': {line.strip()}")


def th(name, version):
    # .nh: no hyphenation (command and option names must stay whole).
    return f'.TH {name.upper()} 1 "" "tracediff {version}" "User Commands"\n.nh\n'


def sub_page(cli, sub, version):
    prose, examples = split_footer(sub["footer"])
    check_examples(cli, examples, f"tracediff {sub['name']} --help")
    name = f"tracediff-{sub['name']}"
    out = th(name, version)
    out += ".SH NAME\n" + esc(name) + " \\- " + esc(sub["description"][:1].lower() + sub["description"][1:]) + "\n"
    out += ".SH SYNOPSIS\n" + synopsis(sub) + "\n"
    out += ".SH DESCRIPTION\n" + esc(sub["description"]) + ".\n"
    for p in paragraphs(prose):
        out += ".PP\n" + esc(p) + "\n"
    positionals = [o for o in sub["options"] if o["positional"]]
    if positionals:
        out += ".SH ARGUMENTS\n"
        for o in positionals:
            out += ".TP\n" + italic(o["name"]) + "\n" + option_text(o) + "\n"
    out += ".SH OPTIONS\n"
    for o in sub["options"]:
        if not o["positional"]:
            out += ".TP\n" + option_label(o) + "\n" + option_text(o) + "\n"
    stated = exit_statement(sub["footer"])
    out += ".SH EXIT STATUS\n" + esc(stated or DEFAULT_EXIT) + "\n"
    if stated and not re.search(r"\b2 ", stated):
        out += ".PP\n" + esc("A usage error, or trouble in tracediff itself before the command ran: 2, with one "
                              "line on standard error.") + "\n"
    if examples:
        out += ".SH EXAMPLES\n" + example_block(examples)
    others = [f"tracediff-{s['name']}" for s in cli["subcommands"] if s["name"] != sub["name"]]
    out += ".SH SEE ALSO\n" + ",\n".join(bold(n) + "(1)" for n in ["tracediff"] + others) + ",\n" + bold("strace") + "(1)\n"
    return out


def read_examples():
    """packaging/man/tracediff-examples.txt: paragraphs and indented command lines."""
    with open(os.path.join(HERE, "man", "tracediff-examples.txt"), encoding="utf-8") as f:
        return f.read().rstrip("\n").split("\n")


def main_page(cli, version):
    out = th("tracediff", version)
    desc = cli["description"].split("\n")
    out += ".SH NAME\ntracediff \\- " + esc("why does this work on that machine and not on this one?") + "\n"
    out += ".SH SYNOPSIS\n" + bold("tracediff") + " " + italic("COMMAND") + " [" + italic("OPTIONS") + "] [" + \
           italic("ARGUMENTS") + "]\n.br\n" + bold("tracediff") + " " + bold("--help") + " | " + \
           bold("--version") + "\n"
    out += ".SH DESCRIPTION\n"
    # The description: prose paragraphs and indented command lines.
    block = []
    text = []
    first = True
    for line in desc + [""]:
        if line.startswith("  "):
            if text:
                out += ".PP\n" + esc(" ".join(text)) + "\n"
                text = []
            block.append(line)
            continue
        if block:
            out += example_block(block)
            block = []
        if line.strip():
            text.append(line.split(":", 1)[1].strip() if first and line.startswith("tracediff:") else line.strip())
            first = False
        elif text:
            out += ".PP\n" + esc(" ".join(text)) + "\n"
            text = []
    out += ".SH COMMANDS\n"
    for s in cli["subcommands"]:
        out += ".TP\n" + bold(f"tracediff {s['name']}") + "\n" + esc(s["description"]) + "; see " + \
               bold(f"tracediff-{s['name']}") + "(1).\n"
    out += ".SH OPTIONS\n"
    for o in cli["options"]:
        out += ".TP\n" + option_label(o) + "\n" + option_text(o) + "\n"
    out += ".SH EXIT STATUS\nEach command's own page says what its status means:\n"
    for s in cli["subcommands"]:
        out += ".TP\n" + bold(s["name"]) + "\n" + esc(exit_statement(s["footer"]) or DEFAULT_EXIT) + "\n"
    out += ".PP\n" + esc("Every usage error (an unknown option, a missing argument) is status 2, with one line "
                         "on standard error and a pointer to --help.") + "\n"
    lines = read_examples()
    check_examples(cli, lines, "packaging/man/tracediff-examples.txt")
    out += ".SH EXAMPLES\n"
    block, text = [], []
    for line in lines + [""]:
        if line.startswith("  "):
            if text:
                out += ".PP\n" + esc(" ".join(text)) + "\n"
                text = []
            block.append(line)
            continue
        if block:
            out += example_block(block)
            block = []
        if line.strip():
            text.append(line.strip())
        elif text:
            out += ".PP\n" + esc(" ".join(text)) + "\n"
            text = []
    out += ".SH ENVIRONMENT\n"
    for name, what in (
        ("PAGER", "the pager of a long text report on a terminal (default: less \\-R; empty or cat: none)"),
        ("NO_COLOR", "no colour in reports unless \\-\\-color=always"),
        ("COLUMNS", "the width of the text report"),
        ("TRACEDIFF_PROGRESS_DELAY", "the seconds a stage runs before its progress line appears on a terminal "
                                     "(default 1; 0: at once), as git's GIT_PROGRESS_DELAY"),
        ("TRACEDIFF_NO_SYSCALL_INFO", "record: read calls from registers instead of PTRACE_GET_SYSCALL_INFO "
                                      "(what a kernel before 5.3 gets anyway)"),
        ("TRACEDIFF_NO_VM_READV", "record: read tracee memory with PTRACE_PEEKDATA instead of process_vm_readv"),
    ):
        out += ".TP\n" + bold(name) + "\n" + (esc(what) if "\\" not in what else what) + "\n"
    out += ".SH FILES\n.TP\n" + italic("/usr/share/doc/tracediff/") + "\n" + \
           esc("the trace file format, the normalization rules, the report formats and what each recorder "
               "feature needs from the kernel (install.md)") + "\n"
    out += ".SH SEE ALSO\n" + ",\n".join(bold(f"tracediff-{s['name']}") + "(1)" for s in cli["subcommands"]) + \
           ",\n" + bold("strace") + "(1), " + bold("ptrace") + "(2)\n"
    return out


# ---------------------------------------------------------------- completion

def flag_names(sub):
    return [n for o in sub["options"] if not o["positional"] for n in o["names"]]


def bash_completion(cli):
    subs = cli["subcommands"]
    out = ["# bash completion for tracediff. Generated by packaging/gen_docs.py from",
           "# `tracediff --describe-cli` (the strings of --help); do not edit.",
           "",
           "# Files for a trace argument: traces and strace logs, and directories;",
           "# any file when nothing matches (a strace log can have any name).",
           "_tracediff_traces() {",
           "    local IFS=$'\\n' f",
           "    COMPREPLY=()",
           "    for f in $(compgen -f -- \"$1\"); do",
           "        if [[ -d $f ]]; then COMPREPLY+=(\"$f\")",
           "        else case $f in *.trace|*.trace.zst|*.log|*.strace) COMPREPLY+=(\"$f\") ;; esac; fi",
           "    done",
           "    ((${#COMPREPLY[@]})) || COMPREPLY=($(compgen -f -- \"$1\"))",
           "    compopt -o filenames 2>/dev/null",
           "}",
           "",
           "_tracediff_files() {",
           "    local IFS=$'\\n'",
           "    COMPREPLY=($(compgen -f -- \"$1\"))",
           "    compopt -o filenames 2>/dev/null",
           "}",
           "",
           "# Running processes: the numeric entries of /proc.",
           "_tracediff_pids() {",
           "    local p pids=()",
           "    for p in /proc/[0-9]*; do pids+=(\"${p#/proc/}\"); done",
           "    COMPREPLY=($(compgen -W \"${pids[*]}\" -- \"$1\"))",
           "}",
           "",
           "_tracediff_value() {  # KIND CUR [CHOICES]",
           "    case $1 in",
           "        trace) _tracediff_traces \"$2\" ;;",
           "        log|file) _tracediff_files \"$2\" ;;",
           "        pid) _tracediff_pids \"$2\" ;;",
           "        choices) COMPREPLY=($(compgen -W \"$3\" -- \"$2\")) ;;",
           "        rule) COMPREPLY=($(compgen -W \"$(\"${_tracediff_cmd:-tracediff}\" normalize --list-rules 2>/dev/null | cut -d' ' -f1)\" -- \"$2\")) ;;",
           "        traceset) COMPREPLY=($(compgen -W 'trace=%file trace=%process trace=%network trace=%fd trace=%creds trace=%memory trace=%signal' -- \"$2\")) ;;",
           "        *) COMPREPLY=() ;;",
           "    esac",
           "}",
           "",
           "_tracediff() {",
           "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}",
           "    local _tracediff_cmd=${COMP_WORDS[0]}",
           "    local sub= i w subpos=0 npos=0 dashdash=0",
           "    # The subcommand, and how many positionals come before the cursor.",
           "    for ((i = 1; i < COMP_CWORD; i++)); do",
           "        w=${COMP_WORDS[i]}",
           "        if [[ -z $sub ]]; then",
           "            [[ $w == -* ]] || { sub=$w; subpos=$i; }",
           "            continue",
           "        fi",
           "        if ((dashdash)); then ((npos++)); continue; fi",
           "        [[ $w == -- ]] && { dashdash=1; continue; }",
           "        if [[ $w == -* ]]; then",
           "            if [[ $w != *=* ]] && _tracediff_takes_value \"$sub\" \"$w\"; then ((i++)); fi",
           "            continue",
           "        fi",
           "        ((npos++))",
           "    done",
           "    if [[ -z $sub ]]; then",
           "        COMPREPLY=($(compgen -W '%s' -- \"$cur\"))" % " ".join(
               [s["name"] for s in subs] + [n for o in cli["options"] for n in o["names"]]),
           "        return",
           "    fi",
           "    # record -- COMMAND...: a command name, then what that command takes (files).",
           "    if ((dashdash)); then",
           "        if ((npos == 0)); then COMPREPLY=($(compgen -c -- \"$cur\")); else _tracediff_files \"$cur\"; fi",
           "        return",
           "    fi",
           "    # --opt=VALUE",
           "    if [[ $cur == --*=* ]]; then",
           "        local kind choices",
           "        _tracediff_option \"$sub\" \"${cur%%=*}\"",
           "        _tracediff_value \"$kind\" \"${cur#*=}\" \"$choices\"",
           "        return",
           "    fi",
           "    if ((COMP_CWORD - 1 > subpos)) && [[ $prev == -* ]] && _tracediff_takes_value \"$sub\" \"$prev\"; then",
           "        local kind choices",
           "        _tracediff_option \"$sub\" \"$prev\"",
           "        _tracediff_value \"$kind\" \"$cur\" \"$choices\"",
           "        return",
           "    fi",
           "    if [[ $cur == -* ]]; then",
           "        COMPREPLY=($(compgen -W \"$(_tracediff_flags \"$sub\")\" -- \"$cur\"))",
           "        return",
           "    fi",
           "    local kind",
           "    _tracediff_positional \"$sub\" \"$npos\"",
           "    if [[ $kind == command ]]; then COMPREPLY=($(compgen -W '--' -- \"$cur\")); return; fi",
           "    _tracediff_value \"$kind\" \"$cur\"",
           "}",
           ""]
    # Per-subcommand tables: flags, which take a value and of what kind,
    # positionals in order.
    out.append("_tracediff_flags() {")
    out.append("    case $1 in")
    for s in subs:
        out.append(f"        {s['name']}) echo '{' '.join(flag_names(s))}' ;;")
    out.append("    esac")
    out.append("}")
    out.append("")
    out.append("_tracediff_takes_value() {  # SUB OPTION")
    out.append("    case $1:$2 in")
    valued = [f"{s['name']}:{n}" for s in subs for o in s["options"] if not o["positional"] and o["values_max"] != 0
              for n in o["names"]]
    out.append("        " + "|".join(valued) + ") return 0 ;;")
    out.append("    esac")
    out.append("    return 1")
    out.append("}")
    out.append("")
    out.append("_tracediff_option() {  # SUB OPTION: sets kind and choices")
    out.append("    kind= choices=")
    out.append("    case $1:$2 in")
    for s in subs:
        for o in s["options"]:
            if o["positional"] or o["values_max"] == 0:
                continue
            k = value_kind(s["name"], o)
            pat = "|".join(f"{s['name']}:{n}" for n in o["names"])
            ch = " ".join(option_choices(o))
            out.append(f"        {pat}) kind={k} choices='{ch}' ;;")
    out.append("    esac")
    out.append("}")
    out.append("")
    out.append("_tracediff_positional() {  # SUB INDEX: sets kind")
    out.append("    kind=")
    out.append("    case $1 in")
    for s in subs:
        pos = [o for o in s["options"] if o["positional"]]
        if not pos:
            continue
        arms = []
        for idx, o in enumerate(pos):
            k = value_kind(s["name"], o)
            last = idx == len(pos) - 1 and o["values_max"] == -1
            arms.append((idx, last, k))
        body = "; ".join(f"(( $2 {'>=' if last else '=='} {idx} )) && kind={k}" for idx, last, k in arms)
        out.append(f"        {s['name']}) {body} ;;")
    out.append("    esac")
    out.append("    return 0")
    out.append("}")
    out.append("")
    out.append("complete -F _tracediff tracediff")
    return "\n".join(out) + "\n"


def zsh_quote(s):
    return "'" + s.replace("'", "'\\''") + "'"


def zsh_action(kind, opt):
    return {
        "trace": "_files -g '*.(trace|trace.zst|log|strace)(-.)'",
        "log": "_files",
        "file": "_files",
        "pid": "_tracediff_pids",
        "rule": "_tracediff_rules",
        "traceset": "(trace=%file trace=%process trace=%network trace=%fd trace=%creds trace=%memory trace=%signal)",
        "choices": "(" + " ".join(option_choices(opt)) + ")" if opt else "",
        "none": " ",
        "command": "_command_names -e",
    }[kind]


def zsh_spec(sub, o):
    desc = o["description"].replace("[", "(").replace("]", ")").replace(":", "\\:")
    if o["positional"]:
        kind = value_kind(sub, o)
        if kind == "command":
            return None
        star = "*" if o["values_max"] == -1 else ""
        return zsh_quote(f"{star}:{o['name'].lower()}:{zsh_action(kind, o)}")
    names = o["names"]
    excl = "(" + " ".join(names) + ")" if len(names) > 1 and o["values_max"] != -1 else ""
    repeat = "*" if o["values_max"] == -1 else ""
    if o["values_max"] == 0:
        if len(names) == 1:
            return zsh_quote(f"{repeat}{names[0]}[{desc}]")
        return zsh_quote(excl) + "{" + ",".join(names) + "}" + zsh_quote(f"[{desc}]")
    kind = value_kind(sub, o)
    value = re.sub(r"[:=].*$", "", o["type"]).lower() or "value"
    action = zsh_action(kind, o)
    forms = [n + ("=" if n.startswith("--") else "+") for n in names]
    if len(forms) == 1:
        return zsh_quote(f"{repeat}{forms[0]}[{desc}]:{value}:{action}")
    return zsh_quote(excl + repeat if not repeat else repeat) + "{" + ",".join(forms) + "}" + \
        zsh_quote(f"[{desc}]:{value}:{action}")


def zsh_completion(cli):
    subs = cli["subcommands"]
    out = ["#compdef tracediff",
           "# zsh completion for tracediff. Generated by packaging/gen_docs.py from",
           "# `tracediff --describe-cli` (the strings of --help); do not edit.",
           "",
           "# Every process, not only this terminal's (_pids): -p is mostly for daemons.",
           "_tracediff_pids() {",
           "  local -a procs",
           "  local p c",
           "  for p in /proc/<->(N); do",
           "    c=$(<$p/comm) 2>/dev/null",
           "    procs+=(\"${p:t}:${c:-?}\")",
           "  done",
           "  _describe -t processes process procs",
           "}",
           "",
           "_tracediff_rules() {",
           "  local -a rules",
           "  rules=(${${(f)\"$(${_tracediff_cmd:-tracediff} normalize --list-rules 2>/dev/null)\"}%% *})",
           "  compadd -a rules",
           "}",
           ""]
    for s in subs:
        specs = [zsh_spec(s["name"], o) for o in s["options"]]
        specs = [x for x in specs if x]
        if any(o["positional"] and value_kind(s["name"], o) == "command" for o in s["options"]):
            specs.append(zsh_quote("*::command:_normal"))
        out.append(f"_tracediff_{s['name']}() {{")
        out.append("  _arguments -s -S \\")
        out.extend(f"    {x} \\" for x in specs)
        out[-1] = out[-1][:-2]
        out.append("}")
        out.append("")
    out.append("_tracediff() {")
    out.append("  local curcontext=$curcontext state line")
    out.append("  local _tracediff_cmd=$words[1]  # for the calls below: words shift per subcommand")
    out.append("  local -a commands")
    out.append("  commands=(")
    for s in subs:
        out.append("    " + zsh_quote(f"{s['name']}:{s['description']}"))
    out.append("  )")
    out.append("  _arguments -C \\")
    for o in cli["options"]:
        desc = o["description"].replace("[", "(").replace("]", ")")
        out.append("    " + zsh_quote("(- *)") + "{" + ",".join(o["names"]) + "}" + zsh_quote(f"[{desc}]") + " \\"
                   if len(o["names"]) > 1 else "    " + zsh_quote(f"(- *){o['names'][0]}[{desc}]") + " \\")
    out.append("    '1: :->command' \\")
    out.append("    '*:: :->args' && return")
    out.append("  case $state in")
    out.append("    command) _describe -t commands 'tracediff command' commands ;;")
    out.append("    args)")
    out.append("      curcontext=${curcontext%:*:*}:tracediff-$line[1]:")
    out.append("      (( $+functions[_tracediff_$line[1]] )) && _tracediff_$line[1] ;;")
    out.append("  esac")
    out.append("}")
    out.append("")
    out.append("_tracediff \"$@\"")
    return "\n".join(out) + "\n"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        with open(path, encoding="utf-8") as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    if len(sys.argv) != 3:
        print("usage: gen_docs.py TRACEDIFF OUTDIR", file=sys.stderr)
        return 2
    tracediff, outdir = sys.argv[1:3]
    described = subprocess.run([tracediff, "--describe-cli"], capture_output=True, text=True)
    if described.returncode != 0:
        print(f"gen_docs.py: {tracediff} --describe-cli failed: {described.stderr.strip()}", file=sys.stderr)
        return 1
    cli = json.loads(described.stdout)
    version = subprocess.run([tracediff, "--version"], capture_output=True, text=True, check=True).stdout.split()[1]
    write(os.path.join(outdir, "man", "tracediff.1"), main_page(cli, version))
    for s in cli["subcommands"]:
        write(os.path.join(outdir, "man", f"tracediff-{s['name']}.1"), sub_page(cli, s, version))
    write(os.path.join(outdir, "completion", "tracediff.bash"), bash_completion(cli))
    write(os.path.join(outdir, "completion", "_tracediff"), zsh_completion(cli))
    return 0


if __name__ == "__main__":
    sys.exit(main())
