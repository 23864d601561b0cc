#!/usr/bin/env bash
# Installs the Debian packages that a suite's peers need. Go peers (Pebble,
# etcd's WAL, …) come through bench/go.mod and need nothing here.
#
#   ./setup.sh            # nothing to install; says so
#   ./setup.sh kv         # redis-server, redis-tools (redis-benchmark): Redis 7
#   ./setup.sh vector     # g++, libfaiss-dev, libopenblas-dev (FAISS through cgo), dataset-fashion-mnist
#   ./setup.sh kv vector  # several suites at once
#
# Safe to run again: apt-get install skips what is installed. Run as root (or
# with sudo available).
set -euo pipefail

usage() {
	echo "usage: $0 [suite ...]   suites: kv vector; walrus kernel sql need nothing" >&2
}

packages=()
for suite in "$@"; do
	case "$suite" in
	walrus | kernel | sql) ;; # Go peers only: bench/go.mod
	kv) packages+=(redis-server redis-tools) ;;
	vector) packages+=(g++ libfaiss-dev libopenblas-dev dataset-fashion-mnist) ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		echo "setup.sh: unknown suite '$suite'" >&2
		usage
		exit 2
		;;
	esac
done

if [ "${#packages[@]}" -eq 0 ]; then
	echo "setup.sh: nothing to install for: ${*:-(no suite given)}"
	exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends "${packages[@]}"
for suite in "$@"; do
	if [ "$suite" = kv ]; then
		# The kv suite starts its own redis-server per run on a free port;
		# the packaged service is not used.
		echo "setup.sh: kv: the suite starts its own servers; for quieter runs stop the packaged one: systemctl disable --now redis-server"
	fi
done
