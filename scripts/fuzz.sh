#!/usr/bin/env bash
# fuzz.sh BUILD SECONDS NAME...: run each libFuzzer harness for SECONDS on a
# working copy of its seed corpus (tests/fuzz/corpus/NAME), so the seeds in
# git stay small. A crash leaves its input in BUILD/fuzz-crashes/NAME/ and
# fails the script. Prints one closing line.
set -u
build=$1 secs=$2
shift 2
failed=0 ran=0
for name in "$@"; do
	bin="$build/fuzzers/fuzz_$name"
	work="$build/corpus/$name"
	crashes="$build/fuzz-crashes/$name"
	mkdir -p "$work" "$crashes"
	cp -n tests/fuzz/corpus/"$name"/* "$work"/ 2>/dev/null || true
	echo "fuzz $name: ${secs}s"
	# -rss_limit_mb: the QMP client's 4 MiB buffer and ASan's shadow fit well under it.
	if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$crashes/" -print_final_stats=0 "$work" > "$build/fuzz-$name.log" 2>&1; then
		echo "FAILED: fuzz $name; its log: $build/fuzz-$name.log, the input: $crashes/" >&2
		tail -n 30 "$build/fuzz-$name.log" >&2
		failed=$((failed + 1))
	else
		grep -E "^Done [0-9]+ runs" "$build/fuzz-$name.log" | tail -n 1
	fi
	ran=$((ran + 1))
done
echo "fuzz harnesses: $((ran - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
