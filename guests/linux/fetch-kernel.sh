#!/usr/bin/env bash
# fetch-kernel.sh CACHE [ARCH]: Debian's linux-image-ARCH (amd64 or arm64;
# default amd64; the package it depends on), fetched with apt-get download and
# unpacked with dpkg -x into CACHE/root. CACHE/kernel.stamp names the package
# and version; it is rewritten only when they change, so make rebuilds the
# images only then.
set -euo pipefail
cache=${1:?usage: fetch-kernel.sh CACHE [amd64|arm64]}
arch=${2:-amd64}
case $arch in amd64 | arm64) ;; *)
	echo "vbench: guest-image: '$arch': amd64 or arm64" >&2
	exit 2 ;;
esac
meta=linux-image-$arch
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
stamp=$cache/kernel.stamp

say() { echo "vbench: guest-image: $*" >&2; }

# The package $meta points at now (candidate version, from the
# local apt lists; 'apt-get update' once when they do not know it).
resolve() {
	apt-cache depends "$meta" 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
pkg=$(resolve || true)
if [ -z "$pkg" ] && [ ! -s "$stamp" ]; then
	say "apt lists do not know $meta: running apt-get update"
	apt-get update -qq
	pkg=$(resolve || true)
fi
if [ -z "$pkg" ]; then
	if [ -s "$stamp" ] && [ -d "$cache/root/boot" ]; then
		say "cannot resolve $meta from apt; keeping $(cat "$stamp")"
		exit 0
	fi
	say "cannot resolve $meta (is this Debian with apt lists?)"
	exit 3
fi
ver=$(apt-cache show --no-all-versions "$pkg" | awk '/^Version:/ { print $2; exit }')
want="$pkg $ver"

if [ -s "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
	[ -f "$cache/root/boot/vmlinuz-${pkg#linux-image-}" ]; then
	exit 0
fi

say "fetching $pkg $ver"
tmp=$(mktemp -d -p "$cache")
trap 'rm -rf "$tmp"' EXIT
# -o APT::Sandbox::User=root: _apt cannot write into a root-owned cache dir.
(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null)
deb=$(ls "$tmp"/*.deb)
dpkg -x "$deb" "$tmp/root"
kver=${pkg#linux-image-}
[ -f "$tmp/root/boot/vmlinuz-$kver" ] || { say "$deb has no boot/vmlinuz-$kver"; exit 4; }
# The package ships no modules.dep (postinst makes it); make it here.
depmod -b "$tmp/root" "$kver"
rm -rf "$cache/root"
mv "$tmp/root" "$cache/root"
echo "$kver" >"$cache/kernel.version"
echo "$want" >"$stamp"
say "kernel $kver ready in $cache/root"
