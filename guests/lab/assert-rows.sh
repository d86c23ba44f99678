#!/usr/bin/env bash
# assert-rows.sh ROWS.jsonl: placeholder, filled in below.
echo "assert-rows: $(wc -l < "$1") rows"
