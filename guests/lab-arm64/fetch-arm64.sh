#!/usr/bin/env bash
# fetch-arm64.sh CACHE: what the aarch64 lab boots, from Debian's arm64
# archive (dpkg multiarch, scripts/deps-arm64.sh): the kernel linux-image-arm64
# points at, unpacked into CACHE/root (with modules.dep), and busybox-static
# for arm64 into CACHE/busybox. CACHE/stamp names both versions and is
# rewritten only when they change, so make rebuilds the lab only then.
set -euo pipefail
cache=${1:?usage: fetch-arm64.sh CACHE}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
stamp=$cache/stamp

say() { echo "vbench: lab-arm64: $*" >&2; }

kpkg=$(apt-cache depends linux-image-arm64:arm64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { sub(/:arm64$/, "", $2); print $2; exit }' || true)
if [ -z "$kpkg" ]; then
	if [ -s "$stamp" ] && [ -d "$cache/root/boot" ]; then
		say "cannot resolve linux-image-arm64:arm64 from apt; keeping $(cat "$stamp")"
		exit 0
	fi
	say "cannot resolve linux-image-arm64:arm64: run 'make deps-arm64' (adds the arm64 architecture)"
	exit 3
fi
version() { apt-cache show --no-all-versions "$1:arm64" | awk '/^Version:/ { print $2; exit }'; }
kver=$(version "$kpkg") bver=$(version busybox-static)
want="$kpkg $kver busybox-static $bver"
if [ -s "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$cache/busybox" ]; then
	exit 0
fi

say "fetching $kpkg $kver and busybox-static $bver (arm64)"
tmp=$(mktemp -d -p "$cache")
trap 'rm -rf "$tmp"' EXIT
# -o APT::Sandbox::User=root: _apt cannot write into a root-owned cache dir.
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root \
	"$kpkg:arm64=$kver" "busybox-static:arm64=$bver" >/dev/null)
dpkg -x "$tmp"/linux-image-*.deb "$tmp/root"
dpkg -x "$tmp"/busybox-static_*.deb "$tmp/bb"
release=${kpkg#linux-image-}
[ -f "$tmp/root/boot/vmlinuz-$release" ] || { say "$kpkg has no boot/vmlinuz-$release"; exit 4; }
depmod -b "$tmp/root" "$release"
rm -rf "$cache/root"
mv "$tmp/root" "$cache/root"
install -m 755 "$tmp/bb/bin/busybox" "$cache/busybox"
echo "$release" >"$cache/kernel.version"
echo "$want" >"$stamp"
say "kernel $release and busybox ready in $cache"
