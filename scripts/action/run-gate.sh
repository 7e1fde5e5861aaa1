#!/usr/bin/env bash
# The action's last step: runs GATE_BIN with the words of GATE_NAME (the `gate` input, e.g.
# "coverage" or "canary analyze") and of GATE_ARGS (the `args` input), and exits with gate's
# status. An empty GATE_NAME runs nothing: the action then only installs gate.
#
# GATE_ARGS is read as a shell reads words, without expanding anything: blanks separate words,
# '…' keeps everything as written, "…" too except that \" \\ \$ \` lose their backslash, and a
# backslash outside quotes keeps the next character. `--exclude 'src/my dir/*.py'` is two
# words, the second without its quotes and with its space and star. When GATE_ARGS holds two or
# more lines, each non-blank line is one argument as written (surrounding blanks trimmed).
set -euo pipefail

# Splits $1 into the array `words`; returns 1 on an unclosed quote.
split_words() {
  local text=$1 index=0 length=${#1} char next word="" in_word=0 quote="" backslash=$'\\'
  words=()
  while [ "$index" -lt "$length" ]; do
    char=${text:index:1}
    next=${text:index+1:1}
    if [ "$quote" = "'" ]; then
      if [ "$char" = "'" ]; then quote=""; else word+=$char; fi
    elif [ "$quote" = '"' ]; then
      if [ "$char" = '"' ]; then
        quote=""
      elif [ "$char" = "$backslash" ] && [[ $next == [\"\\\$\`] ]]; then
        word+=$next
        index=$((index + 1))
      elif [ "$char" = "$backslash" ] && [ "$next" = $'\n' ]; then
        index=$((index + 1))
      else
        word+=$char
      fi
    else
      case $char in
        ' ' | $'\t' | $'\n' | $'\r')
          if [ "$in_word" -eq 1 ]; then words+=("$word"); word=""; in_word=0; fi ;;
        "'" | '"')
          quote=$char
          in_word=1 ;;
        "$backslash")
          if [ "$next" = $'\n' ]; then
            index=$((index + 1))
          elif [ -n "$next" ]; then
            word+=$next
            in_word=1
            index=$((index + 1))
          else
            word+=$backslash
            in_word=1
          fi ;;
        *)
          word+=$char
          in_word=1 ;;
      esac
    fi
    index=$((index + 1))
  done
  [ -z "$quote" ] || return 1
  if [ "$in_word" -eq 1 ]; then words+=("$word"); fi
}

# Splits $1 into the array `words`, one per non-blank line.
split_lines() {
  local line
  words=()
  while IFS= read -r line || [ -n "$line" ]; do
    line=${line%$'\r'}
    line=${line#"${line%%[![:blank:]]*}"}
    line=${line%"${line##*[![:blank:]]}"}
    if [ -n "$line" ]; then words+=("$line"); fi
  done <<< "$1"
}

: "${GATE_BIN:?names no gate binary}"
if ! split_words "${GATE_NAME:-}"; then
  echo "::error title=gate::the gate input has an unclosed quote: ${GATE_NAME:-}" >&2
  exit 2
fi
command=("${words[@]}")
if [ ${#command[@]} -eq 0 ]; then
  echo "gate $("$GATE_BIN" --version) is installed; no gate input, so nothing runs"
  exit 0
fi

args=${GATE_ARGS:-}
# Trailing newlines (a YAML block's last line) do not make a second line.
while [ "${args%$'\n'}" != "$args" ]; do args=${args%$'\n'}; done
if [[ $args == *$'\n'* ]]; then
  split_lines "$args"
elif ! split_words "$args"; then
  echo "::error title=gate::the args input has an unclosed quote: $args" >&2
  exit 2
fi
# Where gate writes the comment's body and the results the action caches (GATE_COMMENT_FILE,
# GATE_RESULTS_DIR), when the action asks for them.
if [ -n "${GATE_COMMENT_FILE:-}" ]; then mkdir -p "$(dirname "$GATE_COMMENT_FILE")"; fi
if [ -n "${GATE_RESULTS_DIR:-}" ]; then mkdir -p "$GATE_RESULTS_DIR"; fi
exec "$GATE_BIN" "${command[@]}" "${words[@]}"
