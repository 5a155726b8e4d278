#!/usr/bin/env bash
# scripts/samecheck.sh OLD NEW: run the same 12 campaigns with two sysfsim binaries and
# compare their summaries (timing, timeline and paths stripped) and traces.
# Exit 0 when identical. Differences are printed.
set -u
old=$1 new=$2
d=$(mktemp -d)
strip() { python3 - "$1" <<'PY'
import json,sys
d=json.load(open(sys.argv[1]))
for k in ['elapsed_s','steps_per_s','executions_per_s','timeline','runs','workers']:
    d.pop(k,None)
def walk(x):
    if isinstance(x,dict):
        for k in list(x):
            if k in ('elapsed_s','per_s','path','trace','html','executions_per_s','steps_per_s') or k.endswith('_path'): x.pop(k)
            else: walk(x[k])
    elif isinstance(x,list):
        for y in x: walk(y)
walk(d)
import re
print(re.sub(r'/tmp/tmp\.[^/]+/(old|new)[0-9]+/','DIR/',json.dumps(d,sort_keys=True,indent=1)))
PY
}
i=0; bad=0
while read -r args; do
  i=$((i+1))
  for b in old new; do
    bin=${!b}
    $bin run $args --out $d/$b$i --workers 1 >/dev/null 2>&1
    strip $d/$b$i/summary.json > $d/$b$i.sum 2>/dev/null
  done
  if ! diff -q $d/old$i.sum $d/new$i.sum >/dev/null; then echo "DIFF summary: $args"; diff $d/old$i.sum $d/new$i.sum | head -20; bad=1; fi
  for f in $(cd $d/old$i && ls *.jsonl 2>/dev/null); do
    cmp -s $d/old$i/$f $d/new$i/$f || { echo "DIFF trace $f: $args"; bad=1; }
  done
  [ "$(cd $d/old$i && ls *.jsonl 2>/dev/null)" = "$(cd $d/new$i && ls *.jsonl 2>/dev/null)" ] || { echo "DIFF trace set: $args"; bad=1; }
done <<'ARGS'
--executions 20000 --seed 1
--executions 20000 --seed 7 --threads 3 --ops 4
--executions 5000 --strategy random --seed 3
--executions 5000 --strategy pct --seed 4
--executions 5000 --strategy pos --seed 5
--executions 5000 --strategy surw --seed 6
--executions 3000 --strategy exhaustive --seed 2
--executions 3000 --strategy exhaustive --preemptions 2 --seed 9
--executions 5000 --guided --seed 8
--executions 20000 --bug unlocked-add --keep-going --seed 1
--executions 20000 --bug readdir-drop-lock --keep-going --seed 2
--executions 20000 --bug show-takes-rtnl,remove-by-name-no-ref --keep-going --seed 3
ARGS
[ $bad = 0 ] && echo "samecheck: identical (12 campaigns)"
rm -rf $d
exit $bad
