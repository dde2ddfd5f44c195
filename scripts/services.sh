#!/usr/bin/env bash
# Installs (if missing) and starts, or stops, the servers the test suite talks to, on 127.0.0.1 with data in
# WORKDIR. The suite needs none yet: the plugin host's tests run the real mailhost executable only. Backends that
# need PostgreSQL, MariaDB, Redis, OpenLDAP or S3 add their start and stop steps here (see SERVICES.md).
set -euo pipefail

usage() { echo "Usage: scripts/services.sh start|stop WORKDIR"; }

case "${1:-}" in
  start|stop) [ -n "${2:-}" ] || { usage >&2; exit 2; } ;;
  -h|--help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

echo "services: none needed by the current suite (${1})"
