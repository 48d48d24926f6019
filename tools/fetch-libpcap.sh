#!/bin/sh
# Fetches Debian's libpcap source (with Debian's patches applied) into DEST.
# Usage: fetch-libpcap.sh DEST
#
# apt-get source needs deb-src entries; when the machine has none, they are
# derived from its own deb entries (each "Types: deb" stanza of the deb822
# sources, and each "deb" line of sources.list, copied as deb-src), for
# the fetch only: the files are removed afterwards.  It takes the newest
# Debian revision of libpcap 1.10.3 they offer.  Without any, or without a
# way to the registry, it says how to build from a tree you have.
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

# Says what is missing, with what apt said (in $work/log), and exits.
cannot_fetch() {
	sed 's/^/  /' "$work/log" >&2
	cat >&2 <<-EOF
	fetch-libpcap: can't fetch Debian's libpcap $version source with apt-get source:
	$1.
	To build from a libpcap source tree you have (Debian's, with debian/, say
	unpacked with "dpkg-source -x libpcap_$version-1.dsc" where you fetched it):
	  ./configure --with-libpcap-src=DIR
	EOF
	exit 1
}

# The newest revision of libpcap $version that the deb-src entries offer
# (apt-get source takes only an exact version).
newest_revision() {
	best=
	for v in $(apt-cache showsrc libpcap 2>> "$work/log" |
	    sed -n 's/^Version: //p' | grep "^$version-"); do
		if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then
			best=$v
		fi
	done
	echo "$best"
}

work=$(mktemp -d)
: > "$work/log"
added=
# What this run added to /etc/apt goes, also when it is interrupted (dash
# runs no EXIT trap for a signal).
trap 'rm -rf "$work"; [ -z "$added" ] || rm -f "$srcs_file" "$list_file"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
if ! have_deb_src; then
	[ -w /etc/apt/sources.list.d ] ||
		cannot_fetch "it needs deb-src entries in /etc/apt, which has none, and
only root can add them (run the build as root, or add them)"
	added=yes
	add_deb_src
	apt-get update -q > "$work/log" 2>&1 ||
		cannot_fetch "apt-get update failed with the deb-src entries derived
from this machine's deb entries"
fi
revision=$(newest_revision)
[ -n "$revision" ] ||
	cannot_fetch "no deb-src entry offers it"
(cd "$work" && apt-get source -q "libpcap=$revision" > log 2>&1) ||
	cannot_fetch "apt-get source libpcap=$revision failed"
srcdir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'libpcap-*' | head -n 1)
[ -n "$srcdir" ] && [ -f "$srcdir/pcap.c" ] || {
	echo "fetch-libpcap: apt-get source libpcap gave no source tree" >&2
	exit 1
}
mkdir -p "$(dirname "$dest")"
rm -rf "$dest"
mv "$srcdir" "$dest"
