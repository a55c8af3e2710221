#!/usr/bin/env bash
# Finds include and call circles between the files of lib/ (docs/architecture.md:
# dependencies go one way). A file is lib/X.c, lib/X.cpp or lib/X.h, named by X;
# a header belongs to the .c (or .cpp) of its name when there is one. An edge a -> b:
#   - lib/a.c or lib/a.h has `#include "b.h"` and lib/b.c (or b.cpp) exists;
#   - a.o uses a symbol b.o defines (`nm` over BUILD_DIR/obj/*.o: functions and
#     data alike, ops tables and arrays included).
# A circle is a set of two or more files each reachable from every other. Each is
# printed as one line, `circle: a.c -> b.c -> a.c (a.c -> b.c: symbol; ...)`,
# a closed walk through every file of the set with what makes each arrow.
# Exits 1 when there is any circle. Without BUILD_DIR/obj only includes are read.
#
# Usage: scripts/circles.sh [-v] [BUILD_DIR]   (default build/cpu; -v: print every edge)
#        CIRCLES_LIB=DIR reads the sources from DIR instead of lib/ (for tests).
set -euo pipefail
cd "$(dirname "$0")/.."
VERBOSE=0
if [ "${1:-}" = -v ]; then
    VERBOSE=1
    shift
fi
BUILD=${1:-build/cpu}
LIB=${CIRCLES_LIB:-lib}
shopt -s nullglob

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The files that have a .c or .cpp: the only targets of include edges.
for f in "$LIB"/*.c "$LIB"/*.cpp; do
    b=${f##*/}
    echo "${b%.*} $b"
done > "$TMP/units"

# a. include edges: "from to label" (label with spaces as \x1f-free text).
for f in "$LIB"/*.c "$LIB"/*.cpp "$LIB"/*.h; do
    sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"/]*\)\.h".*/\1/p' "$f" | \
        while read -r to; do echo "${f##*/} $to"; done
done | awk '
    FILENAME == ARGV[1] { unit[$1] = $2; next }
    {
        n = $1; sub(/\.(c|cpp|h)$/, "", n)
        from = (n in unit) ? unit[n] : $1
        if (($2 in unit) && unit[$2] != from)
            print from, unit[$2], "#include\"" $2 ".h\""
    }' "$TMP/units" - > "$TMP/edges"

# b. symbol edges from the objects.
if [ -d "$BUILD/obj" ] && [ -n "$(echo "$BUILD"/obj/*.o)" ]; then
    nm -A -P -g "$BUILD"/obj/*.o > "$TMP/nm"
    # "path/x.o: sym TYPE ..." -> defined symbols by object, then each undefined use.
    awk -v units="$TMP/units" '
        BEGIN { while ((getline line < units) > 0) { split(line, u, " "); unit[u[1]] = u[2] } }
        {
            o = $1; sub(/:$/, "", o); sub(/.*\//, "", o); sub(/\.o$/, "", o)
            if (!(o in unit)) next # an object left from a source no longer in lib/
            name = unit[o]
            if ($3 == "U") { use[++n] = name " " $2 }
            else if ($3 != "w" && $3 != "v" && !($2 in def)) def[$2] = name
        }
        END {
            for (i = 1; i <= n; i++) {
                split(use[i], p, " ")
                if ((p[2] in def) && def[p[2]] != p[1]) print p[1], def[p[2]], p[2]
            }
        }' "$TMP/nm" >> "$TMP/edges"
else
    echo "circles: note: $BUILD/obj not built; only #include lines were read (make bin builds it)" >&2
fi

# -v: every edge, with one thing that makes it (a symbol rather than an #include).
[ "$VERBOSE" -eq 0 ] || sort -u "$TMP/edges" | awk '
    { k = $1 " -> " $2; if (!(k in why) || (why[k] ~ /^#/ && $3 !~ /^#/)) why[k] = $3; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
    END { for (i = 1; i <= n; i++) print "edge: " order[i] ": " why[order[i]] }'

# Circles: the strongly connected components of two or more files, by
# reachability (breadth-first from each file); each printed as a closed walk.
sort -u "$TMP/edges" | awk '
    {
        # one label per edge: a symbol rather than an #include when there is one
        if (!(($1, $2) in label)) out[$1] = out[$1] " " $2
        if (!(($1, $2) in label) || (label[$1, $2] ~ /^#/ && $3 !~ /^#/)) label[$1, $2] = $3
        node[$1] = 1; node[$2] = 1
    }
    # reach[s, t] = 1 for every t reachable from s.
    function bfs(s,    q, head, tail, v, k, nb, i) {
        head = 1; tail = 1; q[1] = s
        while (head <= tail) {
            v = q[head++]
            k = split(out[v], nb, " ")
            for (i = 1; i <= k; i++)
                if (!((s, nb[i]) in reach)) { reach[s, nb[i]] = 1; q[++tail] = nb[i] }
        }
    }
    # The shortest path from s to t inside component c, as "s x y t" (t reachable).
    function path(s, t, c,    q, prev, head, tail, v, k, nb, i, p) {
        head = 1; tail = 1; q[1] = s; prev[s] = ""
        while (head <= tail) {
            v = q[head++]
            if (v == t) break
            k = split(out[v], nb, " ")
            for (i = 1; i <= k; i++)
                if (comp[nb[i]] == c && !(nb[i] in prev)) { prev[nb[i]] = v; q[++tail] = nb[i] }
        }
        p = t
        for (v = prev[t]; v != ""; v = prev[v]) p = v " " p
        return p
    }
    END {
        for (s in node) bfs(s)
        # Files of each component, sorted by name so the output is stable.
        m = 0
        for (s in node) names[++m] = s
        for (i = 2; i <= m; i++) {
            x = names[i]
            for (j = i - 1; j >= 1 && names[j] > x; j--) names[j + 1] = names[j]
            names[j + 1] = x
        }
        found = 0
        for (i = 1; i <= m; i++) {
            s = names[i]
            if (s in comp) continue
            comp[s] = s; size = 1; members = s
            for (j = i + 1; j <= m; j++) {
                t = names[j]
                if (!(t in comp) && ((s, t) in reach) && ((t, s) in reach)) {
                    comp[t] = s; size++; members = members " " t
                }
            }
            if (size < 2) continue
            found++
            # Walk from s to each member not yet visited, then back to s.
            k = split(members, mem, " ")
            walk = s; cur = s; delete seen; seen[s] = 1
            for (j = 2; j <= k; j++) {
                if (mem[j] in seen) continue
                np = split(path(cur, mem[j], s), step, " ")
                for (x = 2; x <= np; x++) { walk = walk " " step[x]; seen[step[x]] = 1 }
                cur = mem[j]
            }
            np = split(path(cur, s, s), step, " ")
            for (x = 2; x <= np; x++) walk = walk " " step[x]
            np = split(walk, step, " ")
            line = step[1]; why = ""; delete told
            for (x = 2; x <= np; x++) {
                line = line " -> " step[x]
                if ((step[x - 1], step[x]) in told) continue
                told[step[x - 1], step[x]] = 1
                why = why (why == "" ? "" : "; ") step[x - 1] " -> " step[x] ": " label[step[x - 1], step[x]]
            }
            print "circle: " line " (" why ")"
        }
        exit found > 0
    }'
