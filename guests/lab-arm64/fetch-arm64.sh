#!/usr/bin/env bash
# fetch-arm64.sh CACHE: what the aarch64 lab boots, from Debian's arm64
# archive (dpkg multiarch, scripts/deps-arm64.sh): the kernel linux-image-arm64
# points at, unpacked into CACHE/root (with modules.dep), busybox-static
# for arm64 into CACHE/busybox, and the arm64 qemu-system-aarch64 the Linux
# guest runs on inside the lab, with the libraries it may load, unpacked into
# CACHE/qemu-root (a sysroot: mkinitramfs.sh -r takes what it needs). CACHE/stamp
# names the versions and is rewritten only when they change, so make rebuilds
# the lab only then.
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
kver=$(version "$kpkg") bver=$(version busybox-static) qver=$(version qemu-system-arm)
want="$kpkg $kver busybox-static $bver qemu-system-arm $qver"
if [ -s "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$cache/busybox" ] &&
	[ -x "$cache/qemu-root/usr/bin/qemu-system-aarch64" ]; then
	exit 0
fi

say "fetching $kpkg $kver, busybox-static $bver and qemu-system-arm $qver (arm64)"
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

# QEMU for arm64 cannot be installed next to the host's (same package name):
# its .deb and the arm64 libraries under its dependencies are unpacked instead.
# Only libraries (lib*, zlib1g): QEMU's firmware and helpers are not used by a
# -kernel boot of the virt machine.
direct=$(apt-cache depends qemu-system-arm:arm64 |
	awk '/^  Depends: [a-z0-9]/ && $2 !~ /^qemu-/ { print $2 }')
libs=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
	--no-replaces --no-enhances $direct 2>/dev/null | grep -E '^(lib|zlib).*:arm64$' | sort -u)
mkdir -p "$tmp/q" "$tmp/qemu-root"
(cd "$tmp/q" && apt-get download -q -o APT::Sandbox::User=root \
	"qemu-system-arm:arm64=$qver" $libs >/dev/null)
for deb in "$tmp"/q/*.deb; do dpkg -x "$deb" "$tmp/qemu-root"; done
rm -rf "$cache/qemu-root"
mv "$tmp/qemu-root" "$cache/qemu-root"
echo "$release" >"$cache/kernel.version"
echo "$want" >"$stamp"
say "kernel $release, busybox and QEMU ready in $cache"
