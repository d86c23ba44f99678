#!/usr/bin/env bash
# mkinitramfs.sh: a gzip'd newc initramfs from busybox-static, guests/linux/init,
# programs and kernel modules (with their dependencies) of an unpacked kernel.
#
#   mkinitramfs.sh -o OUT -k KROOT -i INIT [-b SRC:DST]... [-d SRC:DST]...
#                  [-a SRC:DST]... [-m MODULE]... [-l MODULE]... [-r ROOT]
#   -b  copy a static program or file      -d  copy a dynamic program and its libraries (ldd)
#   -a  copy a directory tree (symlinks followed)
#   -m  add a module and its dependencies  -l  same, and the init loads it at boot
#   -r  -d's programs are of another architecture (the aarch64 lab's QEMU): their
#       loader and libraries come from ROOT, an unpacked set of its packages,
#       found by the ELF's interpreter and NEEDED entries (readelf), not ldd
set -euo pipefail

say() { echo "vbench: initramfs: $*" >&2; }
die() { say "$*"; exit 3; }

out='' kroot='' init='' sysroot='' files=() dyns=() trees=() mods=() loads=()
while getopts o:k:i:b:d:a:m:l:r: opt; do
	case $opt in
	o) out=$OPTARG ;;
	k) kroot=$OPTARG ;;
	i) init=$OPTARG ;;
	b) files+=("$OPTARG") ;;
	d) dyns+=("$OPTARG") ;;
	a) trees+=("$OPTARG") ;;
	m) mods+=("$OPTARG") ;;
	l) loads+=("$OPTARG") ;;
	r) sysroot=$OPTARG ;;
	*) exit 2 ;;
	esac
done
[ -n "$out" ] && [ -n "$kroot" ] && [ -n "$init" ] || die "usage: -o OUT -k KROOT -i INIT ..."
kver=$(ls "$kroot/lib/modules" | head -n 1)
mdir=$kroot/lib/modules/$kver
[ -f "$mdir/modules.dep" ] || die "$mdir/modules.dep missing (run fetch-kernel.sh)"
busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
case $(ldd "$busybox" 2>&1 || true) in
*'not a dynamic'*) ;;
*) die "$busybox is not static (apt-get install busybox-static)" ;;
esac

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,etc,proc,sys,dev,tmp,mnt,root,lib64,usr/bin,usr/sbin}
cp "$busybox" "$stage/bin/busybox"
for app in $("$busybox" --list); do
	case $app in busybox | init | linuxrc) continue ;; esac
	ln -s busybox "$stage/bin/$app"
done
# Programs that call these by their usual absolute paths find them.
for app in modprobe insmod rmmod lsmod depmod modinfo poweroff reboot sysctl; do
	ln -s ../bin/busybox "$stage/sbin/$app"
done
install -m 755 "$init" "$stage/init"

for f in ${files[@]+"${files[@]}"}; do
	src=${f%%:*} dst=${f#*:}
	[ -f "$src" ] || die "$src: no such file"
	mkdir -p "$stage/$(dirname "$dst")"
	cp -L "$src" "$stage/$dst"
done

for f in ${trees[@]+"${trees[@]}"}; do
	src=${f%%:*} dst=${f#*:}
	[ -d "$src" ] || die "$src: no such directory"
	mkdir -p "$stage/$dst"
	cp -RL "$src/." "$stage/$dst/"
done

# A foreign ELF's loader and libraries, from $sysroot, each once (sysroot_libs FILE).
declare -A copied=()
sysroot_libs() {
	local elf=$1 interp name d found
	interp=$(readelf -lW "$elf" | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')
	if [ -n "$interp" ] && [ -z "${copied[$interp]:-}" ]; then
		[ -e "$sysroot$interp" ] || die "$elf: its loader $interp is not in $sysroot"
		copied[$interp]=1
		mkdir -p "$stage/$(dirname "$interp")"
		cp -L "$sysroot$interp" "$stage$interp"
	fi
	for name in $(readelf -dW "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
		[ -n "${copied[$name]:-}" ] && continue
		found=''
		for d in lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu lib usr/lib; do
			if [ -e "$sysroot/$d/$name" ]; then found=/$d/$name; break; fi
		done
		[ -n "$found" ] || die "$elf needs $name, which is not in $sysroot"
		copied[$name]=1
		mkdir -p "$stage/$(dirname "$found")"
		cp -L "$sysroot$found" "$stage$found"
		sysroot_libs "$sysroot$found"
	done
}

# Dynamic programs: the libraries ldd names (or -r's), at the same paths, and the loader.
for f in ${dyns[@]+"${dyns[@]}"}; do
	src=${f%%:*} dst=${f#*:}
	[ -f "$src" ] || die "$src: no such file"
	mkdir -p "$stage/$(dirname "$dst")"
	cp -L "$src" "$stage/$dst"
	if [ -n "$sysroot" ]; then
		sysroot_libs "$src"
		continue
	fi
	ldd "$src" | awk '/=> \// { print $3 } /^\t\// { print $1 }' | while read -r lib; do
		mkdir -p "$stage/$(dirname "$lib")"
		cp -L "$lib" "$stage/$lib"
	done
done

# Modules: each with the dependencies modules.dep names, deps first.
declare -A added=()
order=()
modpath() {
	local want=${1//-/_}
	awk -F: -v w="$want" '{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*$/, "", n);
		gsub(/-/, "_", n); if (n == w) { print $1; exit } }' "$mdir/modules.dep"
}
add_module() {
	local rel dep
	rel=$(modpath "$1")
	[ -n "$rel" ] || die "module $1 not in $kver"
	[ -n "${added[$rel]:-}" ] && return 0
	for dep in $(awk -F: -v r="$rel" '$1 == r { print $2 }' "$mdir/modules.dep"); do
		dep=${dep##*/}
		add_module "${dep%%.ko*}"
	done
	added[$rel]=1
	order+=("$rel")
	mkdir -p "$stage/lib/modules/$kver/$(dirname "$rel")"
	cp "$mdir/$rel" "$stage/lib/modules/$kver/$rel"
}
for m in ${mods[@]+"${mods[@]}"} ${loads[@]+"${loads[@]}"}; do add_module "$m"; done
: >"$stage/etc/vbench-modules"
for m in ${loads[@]+"${loads[@]}"}; do
	rel=$(modpath "$m")
	# Dependencies of a loaded module come first in $order; list them too.
	for o in "${order[@]}"; do
		grep -qx "$o" "$stage/etc/vbench-modules" && continue
		awk -F: -v r="$rel" -v o="$o" '$1 == r && (index($2, o) || o == r) { f = 1 } END { exit !f }' \
			"$mdir/modules.dep" && echo "$o" >>"$stage/etc/vbench-modules"
	done
done
if [ ${#order[@]} -gt 0 ]; then
	# modprobe (busybox) inside needs modules.dep for what is there.
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		cp "$mdir/$f" "$stage/lib/modules/$kver/$f"
	done
	depmod -b "$stage" "$kver"
fi

mkdir -p "$(dirname "$out")"
(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n -6 >"$out.tmp"
mv "$out.tmp" "$out"
say "$out: $(du -k "$out" | cut -f1) KiB, modules: ${order[*]:-none}"
