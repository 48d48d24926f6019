#!/bin/sh
# Runs CMD [ARGS...] as root inside qemu on Debian 12's current stock kernel
# (the one linux-image-amd64 depends on), in the directory it is started
# from, and exits with CMD's status:
#
#   tools/in-debian-kernel.sh CMD [ARGS...]
#
# The kernel is fetched with apt-get download and unpacked into the work
# directory ($DEBIAN_KERNEL_WORK, build/debian-kernel by default), never
# installed.  The guest sees this machine's root file system, read-only,
# under a tmpfs that takes its writes, so it runs this tree's build and the
# system's tcpdump and tshark as they are; the 6.1 kernel's modules are at
# /lib/modules there.  Without KVM, qemu emulates the CPU (TCG): everything
# runs 8 to 20 times slower.  Needs root; installs what it needs.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
self="$top/tools/in-debian-kernel.sh"
work=${DEBIAN_KERNEL_WORK:-$top/build/debian-kernel}

# What the initramfs loads to reach the host's root (9p over virtio) and
# put a tmpfs over it (overlay); Debian builds them as modules.
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev
virtio_pci netfs fscache 9pnet 9pnet_virtio 9p overlay"

# --- in the guest, after switch_root (pid 1) ----------------------------------

guest() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	# Not /tmp: the tree may be there, and the overlay keeps writes in
	# memory anyway.
	mount -t tmpfs -o mode=0755 tmpfs /run
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs tmpfs /dev/shm
	mount -t bpf -o mode=0700 bpf /sys/fs/bpf
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null || true
	mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null || true
	mount -t 9p -o trans=virtio,version=9p2000.L pxkrun "$work/run"
	release=$(uname -r)
	mkdir -p "/lib/modules/$release"
	mount --bind "$work/$release/root/lib/modules/$release" \
		"/lib/modules/$release"
	ip link set lo up
	status=0
	sh "$work/run/job" || status=$?
	echo "$status" > "$work/run/status"
	sync
	# Power off now (qemu then exits): sysrq's power-off is deferred to
	# a worker, and pid 1 could exit first, which panics the kernel (with
	# panic=-1, that too ends qemu, but it fills the log with a trace).
	exec busybox poweroff -f
}

if [ "${1:-}" = --guest ]; then
	guest
fi

# --- on the host ---------------------------------------------------------------

[ $# -gt 0 ] || { echo "usage: $0 CMD [ARGS...]" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: needs root" >&2; exit 1; }

install_deps() {
	missing=""
	for pkg in qemu-system-x86 busybox-static cpio kmod xz-utils; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null |
			grep -q "ok installed" || missing="$missing $pkg"
	done
	[ -z "$missing" ] && return 0
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q > /dev/null
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing > /dev/null
}

# The kernel package linux-image-amd64 depends on, unpacked, with its
# modules' dependencies (the package ships no modules.dep), and its
# vmlinux out of the bzImage: qemu boots it at its PVH entry, without the
# xz decompression.
fetch_kernel() {
	pkg=$(apt-cache depends linux-image-amd64 |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] || { apt-get update -q > /dev/null &&
		pkg=$(apt-cache depends linux-image-amd64 |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'); }
	[ -n "$pkg" ] || { echo "$0: no Debian kernel package found" >&2; exit 1; }
	version=${pkg#linux-image-}
	[ -f "$work/$version/vmlinux" ] && return 0
	rm -rf "$work/$version.tmp"
	mkdir -p "$work/$version.tmp"
	(cd "$work/$version.tmp" && apt-get download "$pkg" > /dev/null 2>&1 &&
		dpkg -x ./*.deb root && rm -f ./*.deb)
	depmod -b "$work/$version.tmp/root" "$version"
	vmlinuz="$work/$version.tmp/root/boot/vmlinuz-$version"
	offset=$(grep -abo "$(printf '\3757zXZ')" "$vmlinuz" | head -1 | cut -d: -f1)
	tail -c +$((offset + 1)) "$vmlinuz" | xz -dc > "$work/$version.tmp/vmlinux" 2>/dev/null || true
	[ -s "$work/$version.tmp/vmlinux" ] ||
		{ echo "$0: can't unpack $vmlinuz" >&2; exit 1; }
	rm -rf "${work:?}/$version"
	mv "$work/$version.tmp" "$work/$version"
}

# A busybox initramfs that loads MODULES, mounts the host's root read-only
# over 9p with a tmpfs overlay on top, and switches to it, where this
# script goes on as pid 1 (guest()).
make_initramfs() {
	dir="$work/$version/initramfs"
	[ -f "$work/$version/initramfs.cpio.gz" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir/bin" "$dir/modules" "$dir/proc" "$dir/sys" "$dir/dev" \
		"$dir/host" "$dir/upper" "$dir/newroot"
	cp /bin/busybox "$dir/bin/busybox"
	for m in $MODULES; do
		find "$work/$version/root/lib/modules/$version" -name "$m.ko*" \
			-exec cp {} "$dir/modules/" \;
	done
	cat > "$dir/init" <<-EOF
		#!/bin/busybox sh
		/bin/busybox --install -s /bin
		mount -t proc proc /proc
		mount -t sysfs sysfs /sys
		mount -t devtmpfs devtmpfs /dev
		for m in $(echo $MODULES); do
			[ -f /modules/\$m.ko ] && insmod /modules/\$m.ko
		done
		mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=512000 hostroot /host
		mount -t tmpfs -o mode=0755 tmpfs /upper
		mkdir /upper/data /upper/work
		mount -t overlay overlay -o lowerdir=/host,upperdir=/upper/data,workdir=/upper/work /newroot
		mount --move /dev /newroot/dev
		umount /proc /sys
		exec switch_root /newroot /bin/sh "$self" --guest
	EOF
	chmod +x "$dir/init"
	(cd "$dir" && find . | cpio -o -H newc 2>/dev/null | gzip -1) \
		> "$work/$version/initramfs.cpio.gz"
}

# The command, quoted for sh, run where this script was started from.
write_job() {
	mkdir -p "$work/run"
	rm -f "$work/run/status"
	{
		printf 'cd %s || exit 1\n' "$(quote "$(pwd)")"
		printf 'exec'
		for arg in "$@"; do printf ' %s' "$(quote "$arg")"; done
		printf '\n'
	} > "$work/run/job"
}

quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

install_deps
fetch_kernel
make_initramfs
write_job "$@"
qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 4G \
	-nodefaults -no-user-config -display none -nic none -no-reboot \
	-serial stdio -kernel "$work/$version/vmlinux" \
	-initrd "$work/$version/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$work/run,mount_tag=pxkrun,security_model=none,multidevs=remap" \
	< /dev/null
[ -f "$work/run/status" ] || { echo "$0: the guest ended without a status" >&2; exit 1; }
exit "$(cat "$work/run/status")"
