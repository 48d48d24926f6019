#!/bin/sh
# Fetches Debian's libpcap source (with Debian's patches applied) into DEST.
# Usage: fetch-libpcap.sh DEST
#
# apt-get source needs deb-src entries; when the machine has none, they are
# derived from its own deb entries (each "Types: deb" stanza of the deb822
# sources, and each "deb" line of sources.list, copied as deb-src), for
# the fetch only: the files are removed afterwards.  Without any, or
# without a way to the registry, it says how to build from a tree you have.
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

cannot_fetch() {
	sed 's/^/  /' "$work/log" >&2
	cat >&2 <<-EOF
	fetch-libpcap: can't fetch Debian's libpcap source with apt-get source:
	it needs deb-src entries in /etc/apt (this machine's deb entries gave
	none, or they were not enough) and a way to the registry.  To build from
	a libpcap source tree you have (Debian's, with debian/, say unpacked
	with "dpkg-source -x libpcap_$version-1.dsc" where you fetched it):
	  ./configure --with-libpcap-src=DIR
	EOF
	exit 1
}

work=$(mktemp -d)
trap 'rm -rf "$work" "$srcs_file" "$list_file"' EXIT
if ! have_deb_src; then
	add_deb_src
	apt-get update -q > "$work/log" 2>&1 || cannot_fetch
fi
(cd "$work" && apt-get source -q "libpcap=$version-*" > log 2>&1 ||
	apt-get source -q libpcap > log 2>&1) || cannot_fetch
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'libpcap-*' | head -n 1)
[ -n "$srcdir" ] && [ -f "$srcdir/pcap.c" ] || {
	echo "fetch-libpcap: apt-get source libpcap gave no source tree" >&2
	exit 1
}
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$srcdir" "$dest"
