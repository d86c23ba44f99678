#!/usr/bin/env bash
# deps-arm64.sh: the packages of the aarch64 cross build and lab (make
# cross-arm64, make lab-arm64): the cross compiler, the :arm64 -dev packages
# vbench links (dpkg multiarch: adds the arm64 architecture once), and QEMU
# for aarch64 (system, and user mode for the cross-built binaries' tests).
# Idempotent through scripts/deps.sh.
set -euo pipefail
pkgs=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross libjansson-dev:arm64 libpfm4-dev:arm64
	libhwloc-dev:arm64 libsqlite3-dev:arm64 libtracefs-dev:arm64 libtraceevent-dev:arm64
	qemu-system-arm qemu-user)
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	if [ "$(id -u)" != 0 ]; then
		echo "vbench: deps: the arm64 architecture is not enabled: as root, dpkg --add-architecture arm64" >&2
		exit 3
	fi
	dpkg --add-architecture arm64
	apt-get update -qq
fi
exec "$(dirname "$0")/deps.sh" "${pkgs[@]}"
