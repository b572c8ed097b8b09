#!/usr/bin/env bash
# Runs every ```sh block of README.md and docs/*.md as written, in a scratch copy of the source
# tree, so that the commands the documentation shows keep working (ctest docs.shell_blocks).
#
#   tests/docs/run_doc_blocks.sh SOURCE_DIR TOOLS_DIR [--list]
#
# SOURCE_DIR: the checkout. TOOLS_DIR: where this build put the offloadkit-<name> tools; the scratch
# copy gets build/release/examples/ pointing at them, the path the docs use (scripts/demo builds the
# release preset there), so no block rebuilds anything. Each block runs with `bash -euo pipefail`
# from the scratch root, one after the other (a later block may use a file an earlier block of the
# same document made). `cmake --install` writes under $DESTDIR (the scratch dir), never to the real
# prefix, and every `cmake` configure sees a toolchain file that disables finding doctest, Google
# Benchmark and OpenCV: what a fresh machine without the test dependencies sees.
#
# Blocks not run are listed in tests/docs/skipped_blocks.txt as "FILE|FIRST LINE|WHY"; every entry
# must match a block (so the list cannot go stale), and every other block runs. --list prints the
# blocks and what happens to each.
set -euo pipefail
src=$(cd "$1" && pwd)
tools=$(cd "$2" && pwd)
list_only=${3:-}
skipped="$src/tests/docs/skipped_blocks.txt"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/offloadkit-docs.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
root="$scratch/src"
mkdir -p "$root"
# The source tree as a user has it: no build directories, no .git.
(cd "$src" && tar --exclude=./build --exclude=./.git -cf - .) | (cd "$root" && tar -xf -)
mkdir -p "$root/build/release/examples"
for t in "$tools"/offloadkit-*; do
  [[ -x "$t" && -f "$t" ]] && ln -s "$t" "$root/build/release/examples/$(basename "$t")"
done
export DESTDIR="$scratch/destdir"
cat > "$scratch/fresh-machine.cmake" <<'CMAKE'
set(CMAKE_DISABLE_FIND_PACKAGE_doctest ON)
set(CMAKE_DISABLE_FIND_PACKAGE_benchmark ON)
set(CMAKE_DISABLE_FIND_PACKAGE_OpenCV ON)
CMAKE
export CMAKE_TOOLCHAIN_FILE="$scratch/fresh-machine.cmake"

# Extract blocks: a line "```sh" (any indentation) opens one, the next "```" at the same
# indentation closes it; the indentation is removed from the lines in between.
blocks_dir="$scratch/blocks"
mkdir -p "$blocks_dir"
declare -A doc_of
for doc in README.md $(cd "$root" && ls docs/*.md); do
  name=${doc//\//_}
  doc_of[$name]=$doc
  awk -v prefix="$blocks_dir/$name#" '
    !inblock && /^[ ]*```sh[ ]*$/ {
      indent = index($0, "`") - 1; inblock = 1; file = sprintf("%s%05d", prefix, NR); printf "" > file; next
    }
    inblock && substr($0, indent + 1, 3) == "```" && substr($0, 1, indent) ~ /^[ ]*$/ { inblock = 0; close(file); next }
    inblock { print substr($0, indent + 1) >> file }
  ' "$root/$doc"
done

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
secs() { local ms=$1; printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100)); }

status=0
failed=0
ran=0
skipped_count=0
declare -A used
start_all=$(now_ms)
for path in $(ls "$blocks_dir"/* | sort); do
  block=$(basename "$path")
  doc=${doc_of[${block%#*}]}
  line=$((10#${block#*#}))
  first=$(grep -m1 -v '^[[:space:]]*$' "$path" || true)
  why=""
  while IFS='|' read -r f l w; do
    [[ -z "$f" || "$f" == \#* ]] && continue
    if [[ "$f" == "$doc" && "$first" == "$l"* ]]; then why=$w; used["$f|$l"]=1; fi
  done < "$skipped"
  if [[ -n "$why" ]]; then
    echo "skip  $doc:$line  $first  -- $why"
    skipped_count=$((skipped_count + 1))
    continue
  fi
  if [[ "$list_only" == --list ]]; then
    echo "run   $doc:$line  $first"
    continue
  fi
  t0=$(now_ms)
  if (cd "$root" && timeout 300 bash -euo pipefail "$path") > "$scratch/out" 2>&1; then
    echo "ok    $doc:$line  $first  ($(secs $(( $(now_ms) - t0 ))) s)"
  else
    echo "FAIL  $doc:$line  $first"
    echo "----- block"; cat "$path"; echo "----- output"; tail -n 40 "$scratch/out"; echo "-----"
    status=1
    failed=$((failed + 1))
  fi
  ran=$((ran + 1))
done
while IFS='|' read -r f l w; do
  [[ -z "$f" || "$f" == \#* ]] && continue
  if [[ -z "${used["$f|$l"]:-}" ]]; then
    echo "FAIL  tests/docs/skipped_blocks.txt lists a block that does not exist: $f: $l"
    status=1
  fi
done < "$skipped"
if [[ "$list_only" != --list ]]; then
  # What the README's install recipe must have produced.
  if ! find "$DESTDIR" -name offloadkitConfig.cmake | grep -q .; then
    echo "FAIL  the README's install recipe installed no offloadkitConfig.cmake under \$DESTDIR"
    status=1
  fi
  echo "doc blocks: $ran run ($failed failing), $skipped_count skipped, $(secs $(( $(now_ms) - start_all ))) s"
fi
exit $status
