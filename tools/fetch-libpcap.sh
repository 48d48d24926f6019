#!/bin/sh
# Fetches Debian's libpcap source (with Debian's patches applied) into DEST.
# Usage: fetch-libpcap.sh DEST
#
# apt-get source needs deb-src entries; when the machine has none, they are
# derived from its own deb entries (each "Types: deb" stanza of the deb822
# sources, and each "deb" line of sources.list, copied as deb-src).
set -eu

dest=$1
version=1.10.3

srcs_file=/etc/apt/sources.list.d/pcap-xdp-deb-src.sources
list_file=/etc/apt/sources.list.d/pcap-xdp-deb-src.list

have_deb_src() {
	grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/
}

add_deb_src() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -e "$f" ] || continue
		case "$f" in "$srcs_file") continue ;; esac
		# Print each stanza whose Types include "deb", as deb-src.
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
		     /(^|\n)Types:[^\n]*[[:space:]]deb([[:space:]]|$|\n)/ {
			sub(/Types:[^\n]*/, "Types: deb-src"); print
		     }' "$f"
	done > "$srcs_file"
	[ -s "$srcs_file" ] || rm -f "$srcs_file"
	if [ -f /etc/apt/sources.list ]; then
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list > "$list_file"
		[ -s "$list_file" ] || rm -f "$list_file"
	fi
}

if [ -f "$dest/pcap.c" ]; then
	exit 0
fi

if ! have_deb_src; then
	add_deb_src
	apt-get update -q
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source -q "libpcap=$version-*" >/dev/null 2>&1 ||
	(cd "$work" && apt-get source -q libpcap))
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'libpcap-*' | head -n 1)
[ -n "$srcdir" ] && [ -f "$srcdir/pcap.c" ] || {
	echo "fetch-libpcap: apt-get source libpcap gave no source tree" >&2
	exit 1
}
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$srcdir" "$dest"
