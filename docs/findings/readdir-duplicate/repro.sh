#!/bin/sh
# run as: unshare -n -m --propagation private sh /tmp/readdirdup/repro.sh N
# For k = 3 .. N+2: create i0..i{N-1}; read k entries one per getdents64 call;
# delete the entry that would come next (the saved cursor); read the rest.
N=${1:-3}
M=/tmp/readdirdup/sys2
mount -t sysfs none $M
D=$M/class/net
k=3
while [ $k -le $((N+2)) ]; do
  i=0; while [ $i -lt $N ]; do ip link add i$i type ifb; i=$((i+1)); done
  FULL=$(ls -f $D | tr '\n' ' ')
  V=$(ls -f $D | sed -n $((k+1))p)
  if [ "$V" != lo ]; then
    echo "N=$N k=$k full: $FULL  victim: $V"
    /tmp/readdirdup/gd $D $k "ip link del $V" | sed 's/^/   /'
  fi
  for x in $(ls $D); do [ $x = lo ] || ip link del $x; done
  k=$((k+1))
done
umount $M
