#!/usr/bin/env bash
# The mutation self-test: applies each mutation of ci/mutations.txt alone to the code under test
# (golden ops, HLS kernels, the RTL generator), rebuilds, runs the test labels unit, csim, cosim,
# perf and the default regression, and reports which mutations the checks killed.
#   ci/mutate.sh [--list FILE] [--only ID[,ID...]]
# Writes out/mutate.txt (one line per mutation) and prints the kill rate. The lint label is not run:
# its checked-in SV comparison flags every generator change and would count as a kill by itself.
set -euo pipefail
cd "$(dirname "$0")/.."
list=ci/mutations.txt
only=""
while [ $# -gt 0 ]; do
    case "$1" in
        --list) list="$2"; shift 2 ;;
        --only) only=",$2,"; shift 2 ;;
        *) echo "ci/mutate.sh: unknown argument '$1' (--list FILE, --only ID,...)" >&2; exit 2 ;;
    esac
done
[ -f "$list" ] || { echo "ci/mutate.sh: no mutation list $list" >&2; exit 2; }

jobs=$(nproc)
mkdir -p out/mutate
report=out/mutate.txt
: >"$report"

checks() {  # $1: log file. The first failing check's name on stdout; nothing when all pass.
    if ! timeout 1800 ctest --test-dir build -L 'unit|csim|cosim|perf' -j"$jobs" \
            --stop-on-failure >"$1" 2>&1; then
        local t
        t=$(grep -m1 -E '\*\*\*Failed|\*\*\*Timeout|\*\*\*Exception|Failed  ' "$1" |
            sed -E 's/.*Test +#[0-9]+: ([^ ]+).*/\1/' || true)
        echo "ctest ${t:-(see log)}"
        return
    fi
    if ! timeout 1800 build/flexllm regress --jobs "$jobs" --waves never >>"$1" 2>&1; then
        local f
        f=$(grep -m1 '^FAIL ' "$1" | cut -d' ' -f2 | tr -d ':' || true)
        echo "regress ${f:-(exit code)}"
    fi
}

# Every mutation's file must be unmodified: the mutation is undone with git checkout.
restore=""
cleanup() { [ -z "$restore" ] || git checkout -q -- "$restore"; }
trap cleanup EXIT

echo "ci/mutate.sh: baseline build and checks"
ci/build.sh >out/mutate/baseline.log 2>&1 || { echo "ci/mutate.sh: the baseline does not build (out/mutate/baseline.log)" >&2; exit 1; }
base=$(checks out/mutate/baseline.log)
[ -z "$base" ] || { echo "ci/mutate.sh: the baseline fails ($base): fix it first" >&2; exit 1; }

total=0 killed=0 stillborn=0
survivors=()
# Blocks: "# id: class -- text", "file: F", "find: A", "replace: B", separated by blank lines.
while IFS=$'\x1f' read -r id class desc file find replace; do
    [ -n "$id" ] || continue
    [ -z "$only" ] || [[ "$only" == *",$id,"* ]] || continue
    if ! git diff --quiet -- "$file"; then
        echo "ci/mutate.sh: $file has uncommitted changes; commit or stash them first" >&2
        exit 2
    fi
    log=out/mutate/$id.log
    start=$(date +%s)
    perl -e 'my ($f, $a, $b) = @ARGV; local $/; open(my $in, "<", $f) or die "$f: $!\n";
             my $t = <$in>; close $in; my $n = () = $t =~ /\Q$a\E/g;
             if ($n != 1) { print STDERR "$f: the find text occurs $n times\n"; exit 3 }
             $t =~ s/\Q$a\E/$b/; open(my $out, ">", $f) or die "$f: $!\n"; print $out $t;' \
        "$file" "$find" "$replace" || { echo "ci/mutate.sh: mutation $id does not apply" >&2; exit 2; }
    restore=$file
    total=$((total + 1))
    if ! cmake --build build -j "$jobs" >"$log" 2>&1; then
        verdict="STILLBORN (does not build)"
        stillborn=$((stillborn + 1))
    else
        by=$(checks "$log.checks")
        if [ -n "$by" ]; then
            verdict="killed by $by"
            killed=$((killed + 1))
        else
            verdict="SURVIVED"
            survivors+=("$id")
        fi
    fi
    git checkout -q -- "$file"
    restore=""
    line=$(printf '%-22s %-10s %-48s %4ss  %s' "$id" "$class" "$verdict" "$(($(date +%s) - start))" "$desc")
    echo "$line" | tee -a "$report"
done < <(awk '
    function flush() { if (id != "") printf "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\n", id, cls, desc, file, find, repl;
                       id = ""; cls = ""; desc = ""; file = ""; find = ""; repl = "" }
    /^# [a-z0-9-]+: (datapath|control|handshake|spec) -- / {
        flush(); s = substr($0, 3); id = substr(s, 1, index(s, ":") - 1)
        rest = substr(s, index(s, ":") + 2); cls = substr(rest, 1, index(rest, " ") - 1)
        desc = substr(rest, index(rest, " -- ") + 4); next }
    /^file: / { file = substr($0, 7); next }
    /^find: / { find = substr($0, 7); next }
    /^replace: / { repl = substr($0, 10); next }
    END { flush() }' "$list")

echo "ci/mutate.sh: rebuilding the unmutated tree"
cmake --build build -j "$jobs" >out/mutate/restore.log 2>&1
live=$((total - stillborn))
summary="ci/mutate.sh: killed $killed of $live mutations ($((live > 0 ? 100 * killed / live : 0))%)"
[ "$stillborn" -eq 0 ] || summary+=", $stillborn did not build"
[ ${#survivors[@]} -eq 0 ] || summary+="; survived: ${survivors[*]}"
echo "$summary" | tee -a "$report"
