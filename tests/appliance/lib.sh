# Functions for the appliance test's requests in the guest (sourced by
# agent before each request).  The test disk (mounted on /run/hvtest)
# holds the gpio-sim module built for the image's kernel, the static
# helpers of tests/qemu (wiegand-pulse, gpio-sample), the board, the test
# site's configuration and two tables the host made from the board:
#   points   ROLE KIND ACTIVE LOCK LINE D1   (readers: LINE is D0)
#   lines    the chip's line names, in order
#   label    the chip's label (the board's chip =)
T=/run/hvtest
W=/run/hvtest-w
PATH=$T:$PATH
CTL="husvagtctl -s /run/husvagt/control.sock"
G=/sys/kernel/config/gpio-sim/husvagt
SIM=$(cat "$W/sim" 2>/dev/null)

pt() { awk -v r="$1" -v f="$2" '$1 == r { print $f; exit }' "$T/points"; }
linedir() {
	echo "$SIM/sim_gpio$(awk -v n="$1" '$1 == n { print NR - 1; exit }' "$T/lines")"
}
act() { [ "$(pt "$1" 3)" = low ] && echo 0 || echo 1; }
rest() {
	if [ "$(pt "$1" 2)" = output ] && [ "$(pt "$1" 4)" = fail-safe ]; then
		act "$1"
	else
		echo $((1 - $(act "$1")))
	fi
}
val() { echo "$(linedir "$(pt "$1" 5)")/value"; }
setlevel() {
	f=$(linedir "$(pt "$1" "${3:-5}")")/pull
	[ "$2" = 1 ] && echo pull-up > "$f" || echo pull-down > "$f"
}
getlevel() { cat "$(val "$1")"; }
outputs() { awk '$2 == "output" { print $1 }' "$T/points"; }

# The chip, every line at rest (as tests/qemu/guest-test does).
setup_chip() {
	[ -n "$SIM" ] && [ -d "$SIM" ] && return 0
	modprobe configfs
	mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
	grep -q '^gpio_sim_oot ' /proc/modules || insmod "$T/gpio-sim-oot.ko" || return 1
	mkdir "$G" "$G/bank0" || return 1
	cat "$T/label" > "$G/bank0/label"
	wc -l < "$T/lines" > "$G/bank0/num_lines"
	i=0
	while read -r n; do
		mkdir "$G/bank0/line$i" && echo "$n" > "$G/bank0/line$i/name" || return 1
		i=$((i + 1))
	done < "$T/lines"
	echo 1 > "$G/live" || return 1
	SIM=/sys/devices/platform/$(cat "$G/dev_name")/$(cat "$G/bank0/chip_name")
	[ -d "$SIM" ] || return 1
	while read -r role kind rest_; do
		if [ "$kind" = reader ]; then
			setlevel "$role" 1
			setlevel "$role" 1 6
		else
			setlevel "$role" "$(rest "$role")"
		fi
	done < "$T/points"
	echo "$SIM" > "$W/sim"
}

# card READER FORMAT NUMBER: one Wiegand frame on the reader's lines
card() {
	wiegand-pulse "$(linedir "$(pt "$1" 5)")/pull" \
	    "$(linedir "$(pt "$1" 6)")/pull" "$2" "$3"
}

# sample OUT "OPTIONS" ROLE...: gpio-sample the roles' outputs in the
# background; returns once sampling has begun (SPID: the sampler)
sample() {
	out=$1 opts=$2
	shift 2
	files=
	for r in "$@"; do files="$files $(val "$r")"; done
	rm -f "$W/sampling"
	# shellcheck disable=SC2086
	gpio-sample $opts -r "$W/sampling" $files > "$out" &
	SPID=$!
	while [ ! -e "$W/sampling" ]; do sleep 0.01; done
}
changes() { awk '$1 == "end" { print $4 }' "$1"; }

# the unit's main pid and state
mainpid() { systemctl show -p MainPID --value husvagtd; }
active() { [ "$(systemctl show -p ActiveState --value husvagtd)" = active ] &&
    [ "$(systemctl show -p SubState --value husvagtd)" = running ]; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
