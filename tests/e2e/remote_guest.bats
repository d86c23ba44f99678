#!/usr/bin/env bats
# --guest remote against a real OpenSSH server started on 127.0.0.1 with
# throwaway keys: a tiny plan runs; a refused connection, a target that hangs,
# one that drops the connection, one that prints garbage, and hostile
# --target values each give the right row status or error; nothing is left
# behind on the target.
load helpers

SSHD=/usr/sbin/sshd

setup_file() {
	[ "$(id -u)" = 0 ] || return 0
	[ -x "$SSHD" ] && command -v ssh >/dev/null || return 0
	D=$(mktemp -d /tmp/vbench-test-ssh.XXXXXX)
	export D
	chmod 700 "$D"
	ssh-keygen -q -t ed25519 -N '' -f "$D/hostkey"
	for k in id hang drop garbage; do ssh-keygen -q -t ed25519 -N '' -f "$D/$k"; done
	# The wrapper plays a hostile target for the run of a point only, so that
	# the copy and the removal still go through and can be checked.
	cat >"$D/wrap" <<'WRAP'
#!/bin/sh
case "$SSH_ORIGINAL_COMMAND" in
*"'run'"*)
	case "$1" in
	hang) exec sleep 600 ;;
	garbage) echo '@vbench {"type":"result","bench":'; echo '@vbench {"type":"result","samples":"many"}'; exit 0 ;;
	drop)
		p=$$
		while [ "$p" -gt 1 ]; do
			if [ "$(cat /proc/$p/comm)" = sshd ]; then kill -KILL "$p"; break; fi
			p=$(awk '/^PPid:/ { print $2 }' /proc/$p/status)
		done
		sleep 5; exit 1 ;;
	esac ;;
esac
exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
WRAP
	chmod 755 "$D/wrap"
	{
		cat "$D/id.pub"
		for k in hang drop garbage; do printf 'command="%s %s" %s\n' "$D/wrap" "$k" "$(cat "$D/$k.pub")"; done
	} >"$D/authorized_keys"
	mkdir -p /run/sshd "$D/target-tmp"
	for port in $((20000 + $$ % 20000)) $((21000 + $$ % 20000)) $((22000 + $$ % 20000)); do
		cat >"$D/sshd_config" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $D/hostkey
AuthorizedKeysFile $D/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $D/sshd.pid
SetEnv TMPDIR=$D/target-tmp
CONF
		if "$SSHD" -f "$D/sshd_config" -E "$D/sshd.log"; then
			echo "$port" >"$D/port"
			break
		fi
	done
	for _ in $(seq 50); do [ -s "$D/sshd.pid" ] && break; sleep 0.1; done
}

teardown_file() {
	[ -n "${D:-}" ] || return 0
	[ -s "$D/sshd.pid" ] && kill "$(cat "$D/sshd.pid")" 2>/dev/null
	rm -rf "$D"
}

need_sshd() {
	[ "$(id -u)" = 0 ] || skip "needs root to start a throwaway sshd on 127.0.0.1"
	[ -x "$SSHD" ] || skip "openssh-server is not installed (make deps installs it)"
	[ -s "$D/port" ] || skip "the throwaway sshd did not start: $(cat "$D/sshd.log" 2>/dev/null)"
	PORT=$(cat "$D/port")
	SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR)
}

# Folders vbench-guest was copied into, on the target (its sessions have
# TMPDIR=$D/target-tmp, so other runs on this machine do not count).
copies() {
	ls -d "$D"/target-tmp/vbench-guest.* 2>/dev/null | wc -l
}

@test "remote: a tiny plan runs on the target, rows carry its hypervisor signature" {
	need_sshd
	before=$(copies)
	run "$VBENCH" run --guest remote --target "root@127.0.0.1:$PORT" --identity "$D/id" "${SSH_OPTS[@]}" \
		--mode shadow --bench ptrchase,ctxswitch --footprint 1M --repeat 3 --min-runs 3 --warmup 0 \
		--out "$OUT" --quiet
	echo "$output"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '[.results[].status] | unique | join(",")' "$f")" = ok ]
	[ "$(jq '.results | length' "$f")" -eq 2 ]
	[ "$(jq -r '[.results[].guest] | unique | join(",")' "$f")" = remote ]
	[ "$(jq -r '[.results[].target] | unique | join(",")' "$f")" = "root@127.0.0.1:$PORT" ]
	# The mode is declared, not verified: the hypervisor is out of sight.
	[ "$(jq -r '[.results[].mode_source] | unique | join(",")' "$f")" = declared ]
	[ "$(jq -r '[.results[].mode_verified] | unique | join(",")' "$f")" = "" ]
	# What the target says of itself is what vbench-guest sees here.
	here=$("$(dirname "$VBENCH")/vbench-guest" env | sed 's/^@vbench //' | jq -r .hypervisor)
	[ "$(jq -r '.results[0].target_env.hypervisor' "$f")" = "$here" ]
	[ "$(jq -r '.results[0].target_env.kernel' "$f")" = "$(uname -r)" ]
	[ "$(jq -r '.results[0].target_env.vpmu | type' "$f")" = boolean ]
	[ "$(jq -r '.results[] | select(.bench == "ptrchase") | .pages.verified' "$f")" = 4k ]
	[ "$(copies)" -eq "$before" ]
}

@test "remote: rows of several targets land in one run, each naming its target" {
	need_sshd
	run "$VBENCH" run --guest remote --target "root@127.0.0.1:$PORT" --target "127.0.0.1:$PORT" \
		--identity "$D/id" "${SSH_OPTS[@]}" --mode ept --bench ctxswitch --repeat 3 --min-runs 3 \
		--warmup 0 --out "$OUT"
	[ "$status" -eq 0 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '[.results[] | "\(.target)=\(.status)"] | join(" ")' "$f")" = \
		"root@127.0.0.1:$PORT=ok 127.0.0.1:$PORT=ok" ]
	# The summary and the report name each row's target.
	[[ "$output" == *"ept/remote@root@127.0.0.1:$PORT "* ]]
	[[ "$output" == *"ept/remote@127.0.0.1:$PORT "* ]]
	# Nothing here switches a target's mode: no remote run is told to.
	[[ "$output" != *"--switch-mode"* ]]
	[[ "$output" == *"on a target whose hypervisor runs shadow paging"* ]]
	run "$VBENCH" report --no-figures --stdout "$(run_dir)"
	[[ "$output" == *"ept/remote@127.0.0.1:$PORT"* ]]
}

@test "remote: a refused connection fails the rows with ssh's reason, and the run finishes" {
	need_sshd
	run "$VBENCH" run --guest remote --target 127.0.0.1:1 --identity "$D/id" "${SSH_OPTS[@]}" \
		--mode shadow --bench ctxswitch,forkwait --repeat 3 --out "$OUT" --quiet
	[ "$status" -eq 1 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r .complete "$f")" = true ]
	[ "$(jq -r '[.results[].status] | unique | join(",")' "$f")" = failed ]
	[[ "$(jq -r '.results[0].reason' "$f")" == *"could not copy vbench-guest to 127.0.0.1:1"*"refused"* ]]
}

@test "remote: a target that hangs fails at --timeout, the next point still runs, nothing left behind" {
	need_sshd
	before=$(copies)
	"$VBENCH" run --guest remote --target "127.0.0.1:$PORT" --identity "$D/hang" "${SSH_OPTS[@]}" \
		--mode shadow --bench ctxswitch,forkwait --repeat 3 --timeout 3s --out "$OUT" --quiet \
		>"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	# While the target hangs, the copy is there, in the target's TMPDIR...
	for _ in $(seq 100); do [ "$(copies)" -gt "$before" ] && break; sleep 0.1; done
	[ "$(copies)" -eq $((before + 1)) ]
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 1 ]
	f="$(run_dir)/run.json"
	[ "$(jq '.results | length' "$f")" -eq 2 ]
	[ "$(jq '[.results[] | select(.status == "failed" and (.reason | test("timed out")))] | length' "$f")" -eq 2 ]
	# ...and afterwards it is gone.
	[ "$(copies)" -eq "$before" ]
}

@test "remote: a dropped connection is a failed row with the reason" {
	need_sshd
	run "$VBENCH" run --guest remote --target "127.0.0.1:$PORT" --identity "$D/drop" "${SSH_OPTS[@]}" \
		--mode shadow --bench ctxswitch --repeat 3 --out "$OUT" --quiet
	[ "$status" -eq 1 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '.results[0].status' "$f")" = failed ]
	[[ "$(jq -r '.results[0].reason' "$f")" == *"gave no result: exit status 255: Connection to 127.0.0.1 closed"* ]]
}

@test "remote: garbage from the target is a failed row, never a number" {
	need_sshd
	run "$VBENCH" run --guest remote --target "127.0.0.1:$PORT" --identity "$D/garbage" "${SSH_OPTS[@]}" \
		--mode shadow --bench ctxswitch --repeat 3 --out "$OUT" --quiet
	[ "$status" -eq 1 ]
	f="$(run_dir)/run.json"
	[ "$(jq -r '.results[0].status' "$f")" = failed ]
	[[ "$(jq -r '.results[0].reason' "$f")" == *"malformed result"* ]]
	[ "$(jq -r '.results[0].samples' "$f")" = null ]
}

@test "remote: hostile --target values are refused with one line, and run nothing" {
	for t in '-oProxyCommand=touch /tmp/vbench-pwned' 'root@host;touch /tmp/vbench-pwned' \
		'$(touch /tmp/vbench-pwned)' 'a b' 'host:99999' '[::1' 'root@@host' '-host' 'host:' \
		"host'x" 'ro`ot`@host'; do
		run "$VBENCH" run --guest remote --target "$t" --mode shadow --bench ctxswitch --out "$OUT"
		[ "$status" -eq 2 ] || { echo "accepted: $t"; false; }
		one_error_line
		[[ "$output" == *"bad --target"* ]]
	done
	[ ! -e /tmp/vbench-pwned ]
}

@test "remote: --guest remote needs a target and a declared mode; --target needs --guest remote" {
	run "$VBENCH" run --guest remote --mode shadow --bench ctxswitch --out "$OUT"
	[ "$status" -eq 2 ]
	one_error_line
	[[ "$output" == *"needs --target"* ]]
	run "$VBENCH" run --guest remote --target vm1 --bench ctxswitch --out "$OUT"
	[ "$status" -eq 2 ]
	[[ "$output" == *"needs --mode"*"declared"* ]]
	run "$VBENCH" run --target vm1 --mode shadow --bench ctxswitch --out "$OUT"
	[ "$status" -eq 2 ]
	[[ "$output" == *"go with --guest remote"* ]]
}

@test "remote: env --target shows what the target's VM says of itself, and leaves nothing" {
	need_sshd
	before=$(copies)
	run "$VBENCH" env --target "root@127.0.0.1:$PORT" --identity "$D/id" "${SSH_OPTS[@]}" --json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | jq -r .kernel)" = "$(uname -r)" ]
	[ "$(printf '%s\n' "$output" | jq -r .target)" = "root@127.0.0.1:$PORT" ]
	[ "$(printf '%s\n' "$output" | jq -r '.page_sizes | index("4k") != null')" = true ]
	run "$VBENCH" env --target "root@127.0.0.1:$PORT" --identity "$D/id" "${SSH_OPTS[@]}"
	[ "$status" -eq 0 ]
	[[ "$output" == *"hypervisor:"* ]]
	# Printed like `vbench env`: no raw JSON (null, ["4k",...], true).
	[[ "$output" == *"page_sizes:"*"4k, 2m"* ]]
	! printf '%s\n' "$output" | grep -Eq ': +(null|true|false|\[|\{)'
	[ "$(copies)" -eq "$before" ]
	run "$VBENCH" env --target 127.0.0.1:1 --identity "$D/id" "${SSH_OPTS[@]}"
	[ "$status" -eq 3 ]
	one_error_line
	[[ "$output" == *"could not copy vbench-guest to 127.0.0.1:1"* ]]
	run "$VBENCH" env --target '-oProxyCommand=x'
	[ "$status" -eq 2 ]
	one_error_line
}

@test "remote: Ctrl-C during a point still removes the copy on the target" {
	need_sshd
	before=$(copies)
	"$VBENCH" run --guest remote --target "127.0.0.1:$PORT" --identity "$D/hang" "${SSH_OPTS[@]}" \
		--mode shadow --bench ctxswitch --repeat 3 --timeout 60s --out "$OUT" --quiet \
		>"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ "$(copies)" -gt "$before" ] && break; sleep 0.1; done
	[ "$(copies)" -eq $((before + 1)) ]
	sleep 0.5
	kill -INT "$pid"
	rc=0
	wait "$pid" || rc=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$rc" -eq 130 ]
	[ "$(copies)" -eq "$before" ]
}
