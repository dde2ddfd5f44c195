#!/usr/bin/env bash
# Installs (if missing) and starts, or stops, the servers and tools the test suite talks to, on 127.0.0.1 with data in
# WORKDIR. The SMTP tests need the clients swaks and smtp-source (from the postfix package); nothing is started for
# them. Backends that need PostgreSQL, MariaDB, Redis, OpenLDAP or S3 add their start and stop steps here (see
# SERVICES.md).
set -euo pipefail

usage() { echo "Usage: scripts/services.sh start|stop WORKDIR"; }

case "${1:-}" in
  start|stop) [ -n "${2:-}" ] || { usage >&2; exit 2; } ;;
  -h|--help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

install_packages() { # command package...
  local missing=()
  command -v swaks >/dev/null 2>&1 || missing+=(swaks)
  command -v smtp-source >/dev/null 2>&1 || [ -x /usr/sbin/smtp-source ] || missing+=(postfix)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "services: missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
    return 1
  fi
  echo "services: installing ${missing[*]}"
  # Postfix is only wanted for smtp-source: no configuration, and Debian here starts no service on install.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
}

if [ "$1" = start ]; then
  install_packages
  echo "services: swaks and smtp-source available; no server needs starting"
else
  echo "services: nothing to stop"
fi
