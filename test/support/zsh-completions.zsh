# What zsh offers on Tab: `zsh -f zsh-completions.zsh SCRIPT LINE...` types each command line into an
# interactive zsh (in a pseudo-terminal) that loaded SCRIPT, presses Tab at its end, and prints the
# completions zsh offers, one a line, each line's followed by a line "--".
zmodload zsh/zpty
zpty z zsh -f -i
zpty -w z "PROMPT=''"
zpty -w z 'autoload -U compinit && compinit -u -D'
zpty -w z "source ${(q)1}"
# Each match zsh is given is printed too, marked; the marks are split in the source, so that the
# terminal's echo of these lines never reads as one.
zpty -w z 'compadd() { local -a hits; builtin compadd -O hits "$@"; (( $#hits )) && print -rl -- "HIT""MARK"${^hits[@]}; builtin compadd "$@"; }'
zpty -w z 'finish() { print -r -- "DONE""MARK"; zle kill-whole-line; }; zle -N finish; bindkey "^X" finish'
local line
for typed in "${@[2,-1]}"; do
  zpty -n -w z "$typed"$'\t\x18'
  while zpty -r z line; do
    [[ $line == *DONEMARK* ]] && break
    [[ $line == *HITMARK* ]] && print -r -- "${${line##*HITMARK}%%$'\r'*}"
  done
  print -r -- --
done
zpty -d z
