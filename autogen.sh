#!/bin/sh
# Generates ./configure.
set -e
cd "$(dirname "$0")"
autoreconf -fi
