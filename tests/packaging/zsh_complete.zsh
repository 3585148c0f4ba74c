# Prints what an interactive zsh lists when Tab is pressed after WORDS,
# with the completion in COMPDIR and TRACEDIFF's directory first in PATH.
# usage: zsh -f zsh_complete.zsh COMPDIR TRACEDIFF WORDS...
zmodload zsh/zpty
compdir=$1 td=$2
shift 2
zpty z zsh -f -i
zpty -w z "PS1='' PS2='' RPROMPT=''; unsetopt zle_bracketed_paste 2>/dev/null"
zpty -w z "path=(${(q)td:h} \$path); fpath=(${(q)compdir} \$fpath)"
zpty -w z "autoload -Uz compinit; compinit -u -d ${(q)PWD}/.zcompdump"
zpty -w z "zstyle ':completion:*' list-separator ''; LISTMAX=100000; unsetopt beep listambiguous"
zpty -w z "print -r -- READY\$((40+2))"
zpty -r z out '*READY42*' || exit 1
zpty -w -n z "$*"$'\t'
sleep ${ZSH_WAIT:-1}
zpty -w -n z $'\C-u'
zpty -w z "print -r -- DONE\$((40+2))"
zpty -r z out '*DONE42*' || exit 1
print -r -- "$out"
zpty -d z
