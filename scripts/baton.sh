#!/usr/bin/env bash
# scripts/baton.sh OUT OLD.test NEW.test [ROUNDS]: the goroutine-baton ratio
# end to end. Alternates two campaign test binaries (go test -c ./campaign)
# on BenchmarkCampaign/workers=1, coroutine and goroutine threads, 20000
# executions each, ROUNDS times (default 10); writes OUT.old and OUT.new,
# prints benchstat's tables and, per binary, each round's ratio (goroutine
# over coroutine of the same binary in the same round), sorted, and their
# median: on a noisy machine the ratio within a round is steadier than
# the ratio of two medians.
set -eu
out=$1 old=$2 new=$3 n=${4:-10}
bench() { "$1" -test.run '^$' -test.bench 'Campaign/workers=1/' -test.benchtime 20000x -test.benchmem | grep '^Benchmark'; }
: >"$out.old"
: >"$out.new"
for _ in $(seq "$n"); do
	bench "$old" >>"$out.old"
	bench "$new" >>"$out.new"
done
benchstat=$(command -v benchstat || echo ~/go/bin/benchstat)
"$benchstat" "$out.old" "$out.new"
for f in "$out.old" "$out.new"; do
	paste <(grep coroutine "$f" | awk '{print $3}') <(grep goroutine "$f" | awk '{print $3}') |
		awk '{print $2 / $1}' | sort -n |
		awk -v f="$f" '{r[NR] = $1; s = s sprintf(" %.2f", $1)} END {m = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2; printf "%s: ratio per round%s; median %.2fx\n", f, s, m}'
done
