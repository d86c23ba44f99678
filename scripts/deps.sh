#!/usr/bin/env bash
# Installs the Debian packages named on the command line that are missing.
# Idempotent: installs nothing and touches no network when all are present.
set -euo pipefail
missing=()
for pkg in "$@"; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "vbench: deps: missing packages: ${missing[*]}: run 'make deps' as root, or: apt-get install ${missing[*]}" >&2
	exit 3
fi
echo "vbench: deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
