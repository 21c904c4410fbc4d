#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# End-to-end traffic through an IPVS NAT service, inside the test VM: a
# client namespace and three busybox httpd backends on veth pairs.
B=/bin/ballast
P=/bin/ipvs_probe
C=/tests/configs
T=/tmp/traffic
VIP=172.16.100.1
# busybox sh prefers its own applets; iproute2 is needed for netns
IP=/sbin/ip
mkdir -p $T

pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; }

setup() {
	echo 1 >/proc/sys/net/ipv4/ip_forward
	$IP addr add $VIP/32 dev lo
	$IP netns add c
	$IP link add vc type veth peer name eth0 netns c
	$IP addr add 172.16.0.1/24 dev vc
	$IP link set vc up
	$IP -n c addr add 172.16.0.2/24 dev eth0
	$IP -n c link set eth0 up
	$IP -n c link set lo up
	$IP -n c route add default via 172.16.0.1
	for i in 1 2 3; do
		$IP netns add b$i
		$IP link add vb$i type veth peer name eth0 netns b$i
		$IP addr add 172.16.$i.1/24 dev vb$i
		$IP link set vb$i up
		$IP -n b$i addr add 172.16.$i.2/24 dev eth0
		$IP -n b$i link set eth0 up
		$IP -n b$i link set lo up
		$IP -n b$i route add default via 172.16.$i.1
		mkdir -p /www/b$i
		echo "backend b$i" >/www/b$i/index.html
		$IP netns exec b$i httpd -p 80 -h /www/b$i
	done
}

# get N OUT: N sequential HTTP requests from the client namespace (busybox
# nc; the static busybox's wget crashes in this minimal root)
get() {
	$IP netns exec c sh -c "i=0; while [ \$i -lt $1 ]; do printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 $VIP 80 | grep backend || echo error; i=\$((i+1)); done" >"$2" 2>&1
}

# within COUNT EXPECTED: |COUNT-EXPECTED| <= 15 % of EXPECTED
within() {
	d=$(($1 - $2))
	[ $d -lt 0 ] && d=$((-d))
	[ $((d * 100)) -le $(($2 * 15)) ]
}

# the config with backend $1's weight set to $2
reweight() {
	sed "s/address: 172\.16\.$1\.2, weight: [0-9]*/address: 172.16.$1.2, weight: $2/" $C/traffic.yaml >$T/w.yaml
}

# connections scheduled to backend $1 so far, as ipvsadm reports them
conns_of() { ipvsadm -Ln --stats --exact -t $VIP:80 | awk -v r="172.16.$1.2:80" '$2 == r { print $3 }'; }

setup
if $B apply -c $C/traffic.yaml --dataplane ipvs >$T/out 2>&1; then
	pass traffic-apply
else
	fail traffic-apply "$(grep error $T/out | head -2)"
fi

# Weighted distribution: 600 connections, weights 1:1:2.
get 600 $T/get600
n1=$(grep -c 'backend b1' $T/get600)
n2=$(grep -c 'backend b2' $T/get600)
n3=$(grep -c 'backend b3' $T/get600)
ne=$(grep -c error $T/get600)
echo "INFO: 600 connections: b1=$n1 b2=$n2 b3=$n3 errors=$ne"
if [ "$ne" = 0 ] && within "$n1" 150 && within "$n2" 150 && within "$n3" 300; then
	pass traffic-weights-1-1-2
else
	fail traffic-weights-1-1-2 "b1=$n1 b2=$n2 b3=$n3 errors=$ne"
	head -3 $T/get600 | sed 's/^/INFO:   /'
	ipvsadm -Ln | sed 's/^/INFO:   /'
fi

# Hold one connection open (request sent, headers not finished).
mkfifo $T/hold
$IP netns exec c sh -c "nc $VIP 80 <$T/hold >$T/held.out" &
ncpid=$!
exec 3>$T/hold
printf 'GET / HTTP/1.0\r\n' >&3
held=
i=0
while [ $i -lt 100 ] && [ -z "$held" ]; do
	held=$($P dump | grep '^real .* active 1 ' | sed 's/.* 172\.16\.\([123]\)\.2:80 .*/\1/' | head -1)
	[ -z "$held" ] && usleep 100000
	i=$((i + 1))
done
if [ -z "$held" ]; then
	fail traffic-hold "no active connection seen"
	held=3
fi
echo "INFO: held connection on b$held"

# Drain it: weight 0 is an in-place edit, no new connections reach it.
c_before=$(conns_of $held)
reweight $held 0
$B apply -c $T/w.yaml --dataplane ipvs >$T/out 2>&1
if grep -q "^~ real 172.16.$held.2:80 .*: weight [0-9]* → 0$" $T/out && ! grep -q '^[-+] ' $T/out; then
	pass drain-is-edit
else
	fail drain-is-edit "$(cat $T/out)"
fi
get 60 $T/get60
nd=$(grep -c "backend b$held" $T/get60)
nok=$(grep -c backend $T/get60)
[ "$nd" = 0 ] && [ "$nok" = 60 ] && pass drain-no-new-connections ||
	fail drain-no-new-connections "drained b$held got $nd of $nok"

# The held connection still completes on the drained backend.
printf '\r\n' >&3
exec 3>&-
i=0
while [ $i -lt 100 ] && kill -0 $ncpid 2>/dev/null; do
	usleep 100000
	i=$((i + 1))
done
kill $ncpid 2>/dev/null
grep -q "backend b$held" $T/held.out && pass drain-open-connection-works ||
	fail drain-open-connection-works "$(head -c 200 $T/held.out)"

# 0 -> 5 edits in place: counters of the destination persist.
c_mid=$(conns_of $held)
reweight $held 5
$B apply -c $T/w.yaml --dataplane ipvs >$T/out 2>&1
c_after=$(conns_of $held)
echo "INFO: b$held conns before drain $c_before, drained $c_mid, after 0->5 $c_after"
if grep -q "^~ real 172.16.$held.2:80 .*: weight 0 → 5$" $T/out && ! grep -q '^[-+] ' $T/out &&
	[ -n "$c_after" ] && [ "$c_after" -ge "$c_mid" ] && [ "$c_mid" -gt 0 ]; then
	pass undrain-edit-keeps-counters
else
	fail undrain-edit-keeps-counters "$(grep '^[-+~]' $T/out) conns $c_mid -> $c_after"
fi
ipvsadm -Ln | grep -q "172.16.$held.2:80 *Masq *5" && pass undrain-weight-live ||
	fail undrain-weight-live "$(ipvsadm -Ln | grep 172.16.$held.2)"
get 30 $T/get30
[ "$(grep -c "backend b$held" $T/get30)" -gt 0 ] && pass undrain-takes-traffic ||
	fail undrain-takes-traffic "no connection reached b$held"

# Clean up what this suite created.
killall httpd 2>/dev/null
for n in c b1 b2 b3; do $IP netns del $n; done
$IP link del vc 2>/dev/null
