#!/usr/bin/env bash
# Source checks that hold the style and the architecture (run by `make check`,
# which `make test` runs first). Each rule prints one line per finding,
# `file:line: what`, and a summary comes last; any finding exits 1.
# docs/style.md says why each rule exists.
#
# Usage: scripts/check.sh [BUILD_DIR]   (default build/cpu; its libvlmeter.so is
#        checked when it exists)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/cpu}
shopt -s nullglob lastpipe # lastpipe: `... | report_grep` counts in this shell

# The C and C++ sources every rule looks at.
SOURCES=(include/*.h lib/*.c lib/*.h lib/*.cpp src/*.c src/*.h
         tests/unit/*.c tests/unit/*.h tests/tools/*.c tests/tools/*.h \
         tests/fuzz/*.c tests/fuzz/*.h)
HEADER=include/vlmeter.h
FORMAT_SHOWN=10  # drifting lines printed per file (all are counted)
EXPORTS_SHOWN=30 # undeclared exports printed (all are counted)

declare -A COUNT # findings per rule
RULES=()

# Print one finding of rule $1: "$2" is already "file:line: what".
finding() {
    COUNT[$1]=$((${COUNT[$1]:-0} + 1))
    printf '%s\n' "$2"
}

# Grep-style "file:line:text" input -> findings of rule $1 saying $2.
report_grep() {
    local rule=$1 what=$2 file line rest
    while IFS=: read -r file line rest; do
        finding "$rule" "$file:$line: $what"
    done
}

# --- a. format drift: every source as clang-format (.clang-format) lays it out.
check_format() {
    RULES+=(format)
    if ! command -v clang-format >/dev/null; then
        finding format "clang-format: not installed (scripts/deps.sh installs it)"
        return
    fi
    local version
    version=$(clang-format --version | grep -o 'version [0-9]*' | grep -o '[0-9]*$' || true)
    if [ "$version" != 14 ]; then
        echo "check: note: clang-format $version, not 14: the layout may differ from Debian 12's" >&2
    fi
    # clang-format names each place that would change; keep one line per source
    # line, and print the first few per file.
    local rc=0 out
    clang-format --dry-run -Werror "${SOURCES[@]}" 2> "$TMP/clang-format" >/dev/null || rc=$?
    out=$(sed -n 's/^\([^:]*\):\([0-9]*\):[0-9]*: error: code should be clang-formatted.*/\1:\2/p' \
          "$TMP/clang-format" | uniq)
    if [ -z "$out" ]; then
        # Failed without naming drift (a bad .clang-format, say): show why.
        [ "$rc" -eq 0 ] || finding format "clang-format: failed: $(head -1 "$TMP/clang-format")"
        return 0
    fi
    local file line prev='' shown=0 more=0
    while IFS=: read -r file line; do
        if [ "$file" != "$prev" ]; then
            [ "$more" -gt 0 ] && echo "$prev: ... and $more more lines not clang-formatted"
            prev=$file shown=0 more=0
        fi
        if [ "$shown" -lt "$FORMAT_SHOWN" ]; then
            finding format "$file:$line: not clang-formatted (clang-format -i $file)"
            shown=$((shown + 1))
        else
            COUNT[format]=$((${COUNT[format]:-0} + 1))
            more=$((more + 1))
        fi
    done <<<"$out"
    [ "$more" -gt 0 ] && echo "$prev: ... and $more more lines not clang-formatted"
    return 0
}

# The sources outside the store: only lib/store*.c and lib/store*.h may talk to SQLite.
# The program's files outside the store (tests may open a store file directly
# to inspect or damage it; the library and the tool may not).
outside_store() {
    local f
    for f in "${SOURCES[@]}"; do
        [[ $f == tests/* || $f == lib/store*.c || $f == lib/store*.h ]] || printf '%s\n' "$f"
    done
}

# grep -n over the given files, always "file:line:text", no failure when nothing matches.
grep_n() { grep -HnE "$@" || true; }

# --- b1. no sqlite3_ call, type or constant outside the store (comments aside).
check_sqlite_calls() {
    RULES+=(sqlite-call)
    local files
    mapfile -t files < <(outside_store)
    grep_n '\bsqlite3_[A-Za-z0-9_]+' "${files[@]}" | { grep -vE '^[^:]+:[0-9]+:\s*(/\*|\*|//)' || true; } | \
        report_grep sqlite-call "uses sqlite3_ outside lib/store*.c (go through the store's API)"
}

# --- b2. no #include <sqlite3.h> outside the store.
check_sqlite_include() {
    RULES+=(sqlite-include)
    local files
    mapfile -t files < <(outside_store)
    grep_n '^\s*#\s*include\s*[<"]sqlite3\.h[>"]' "${files[@]}" | \
        report_grep sqlite-include "includes sqlite3.h outside lib/store*.c"
}

# --- b3. no tab characters and no trailing whitespace.
check_whitespace() {
    RULES+=(whitespace)
    grep_n $'\t' "${SOURCES[@]}" | report_grep whitespace "tab character (indent with spaces)"
    grep_n '[[:space:]]+$' "${SOURCES[@]}" | report_grep whitespace "trailing whitespace"
}

# The vlm_ names include/vlmeter.h declares as functions (`vlm_x(` outside comments).
public_names() {
    perl -0777 -pe 's{/\*.*?\*/}{}gs; s{//[^\n]*}{}g' "$HEADER" | \
        grep -oE '\bvlm_[a-z0-9_]+[[:space:]]*\(' | grep -oE 'vlm_[a-z0-9_]+' | sort -u
}

# Functions defined in the given files: "file:line:name" for each line at column 0
# that starts with a lower-case letter and has `name(`, where the first `{` or `;`
# after it (on that line or the next ones) is a `{` ending a line.
defined_functions() {
    awk '
        FNR == 1 { want = "" }
        want != "" {
            if ($0 ~ /;/) want = ""
            else if ($0 ~ /\{[ \t]*(\/\*.*\*\/)?[ \t]*$/) { print where ":" want; want = "" }
            next
        }
        /^[a-z]/ && /\(/ {
            head = substr($0, 1, index($0, "(") - 1)
            if (!match(head, /[A-Za-z_][A-Za-z0-9_]*[ \t]*$/)) next
            name = substr(head, RSTART, RLENGTH); sub(/[ \t]+$/, "", name)
            rest = substr($0, index($0, "("))
            where = FILENAME ":" FNR
            if (rest ~ /^[^;{]*\{/) print where ":" name        # defined on this line
            else if (rest !~ /;/) want = name                    # parameters go on
        }' "$@"
}

# --- b4. a function defined in lib/ with the public prefix vlm_ is declared in
# include/vlmeter.h; internal functions use their module's prefix.
check_public_prefix() {
    RULES+=(vlm-prefix)
    public_names > "$TMP/public"
    defined_functions lib/*.c lib/*.cpp | \
        awk -F: -v header="$HEADER" '
            FILENAME == ARGV[1] { public[$1] = 1; next }
            $3 ~ /^vlm_/ && !($3 in public) {
                print $1 ":" $2 ": " $3 " has the public prefix vlm_ but is not declared in " header \
                      " (use a module prefix)"
            }' "$TMP/public" - | \
        while IFS= read -r line; do finding vlm-prefix "$line"; done
}

# --- b5. the shared library exports only the functions vlmeter.h declares.
check_exports() {
    RULES+=(exports)
    local so=$BUILD/libvlmeter.so n=0 line
    if [ ! -f "$so" ]; then
        echo "check: note: $so not built; its exported symbols were not checked" >&2
        return
    fi
    public_names > "$TMP/public"
    defined_functions lib/*.c lib/*.cpp > "$TMP/defined"
    nm -D --defined-only "$so" > "$TMP/nm"
    # One line per undeclared export, C names before C++ (mangled _Z...) ones.
    awk -v so="$so" -v header="$HEADER" '
        FILENAME == ARGV[1] { public[$1] = 1; next }
        FILENAME == ARGV[2] { split($0, f, ":"); if (!(f[3] in where)) where[f[3]] = f[1] ":" f[2]; next }
        {
            type = $(NF-1); sym = $NF
            if (sym ~ /^(_init|_fini|_edata|_end|__bss_start)$/ || sym in public) next
            printf "%d\t%s: %s is exported by %s (nm type %s) but not declared in %s\n", sym ~ /^_Z/,
                   (sym in where) ? where[sym] : so, sym, so, type, header
        }' "$TMP/public" "$TMP/defined" "$TMP/nm" | sort -s -t$'\t' -k1,1n | cut -f2- > "$TMP/exports"
    while IFS= read -r line; do
        n=$((n + 1))
        if [ "$n" -le "$EXPORTS_SHOWN" ]; then finding exports "$line"; fi
    done < "$TMP/exports"
    if [ "$n" -gt "$EXPORTS_SHOWN" ]; then
        COUNT[exports]=$n
        echo "$so: ... and $((n - EXPORTS_SHOWN)) more exported symbols not declared in $HEADER"
    fi
}

# --- b6. no include or call circle between the files of lib/ (scripts/circles.sh:
# #include lines, and nm over $BUILD/obj/*.o when it is built).
check_circles() {
    RULES+=(circles)
    local line
    scripts/circles.sh "$BUILD" 2> "$TMP/circles.err" | grep '^circle: ' > "$TMP/circles" || true
    # Its note (no objects built: #include lines only) passes through; anything
    # else on its stderr means it could not look.
    sed -n 's/^circles: note: /check: note: /p' "$TMP/circles.err" >&2
    if grep -qv '^circles: note: ' "$TMP/circles.err"; then
        finding circles "scripts/circles.sh: failed: $(grep -v '^circles: note: ' "$TMP/circles.err" | head -1)"
    fi
    while IFS= read -r line; do
        finding circles "lib: $line (docs/architecture.md: move what the lower file needs below it)"
    done < "$TMP/circles"
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

check_format
check_sqlite_calls
check_sqlite_include
check_whitespace
check_public_prefix
check_exports
check_circles

total=0 parts=()
for r in "${RULES[@]}"; do
    total=$((total + ${COUNT[$r]:-0}))
    parts+=("$r ${COUNT[$r]:-0}")
done
summary=$(IFS=,; echo "${parts[*]}")
summary=${summary//,/, }
if [ "$total" -eq 0 ]; then
    echo "check: ok ($summary)"
else
    echo "check: $total findings ($summary)"
    exit 1
fi
