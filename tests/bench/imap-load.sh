#!/usr/bin/env bash
# IMAP load benchmark: tests/bench/ImapLoad (imaptest's default mix: LOGIN, LIST, STATUS, SELECT, FETCH flags and
# envelopes, FETCH body, STORE, EXPUNGE, APPEND, LOGOUT) against this server (a fresh copy of a deployment on its
# default manifest) and against a private Dovecot in its high-performance login mode (scripts/dovecot-test.sh
# --fast-login), the same generated messages on both, in one run; prints operations/s for each and the ratio, then
# resident memory per connection with N connections in IDLE.
#
#   tests/bench/imap-load.sh [--deployment DIR] [--clients 10,50] [--seconds 30] [--messages 1000] [--idle 1000]
#                            [--dovecot-only] [--search N [--repeats 5]]
#
# --deployment    a folder built by ./build.sh (default: builds one into a temp folder)
# --dovecot-only  measure Dovecot alone (also what happens when the deployment has no imap plugin)
# --search N      UID SEARCH BODY over N messages (e.g. 100000) on both servers instead of the mix and the idle
#                 measurement (they run too when --clients or --idle is also given)
# Needs root (Dovecot's private instance) and dovecot-imapd (scripts/services.sh start installs it).
set -euo pipefail
cd "$(dirname "$0")/../.."

deployment= clients=10,50 seconds=30 messages=1000 idle=1000 dovecot_only= search= repeats=5 clients_given= idle_given=
while [ $# -gt 0 ]; do
  case "$1" in
    --deployment) deployment=$2; shift 2 ;;
    --clients) clients=$2; clients_given=1; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --idle) idle=$2; idle_given=1; shift 2 ;;
    --search) search=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --dovecot-only) dovecot_only=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "imap-load: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

command -v dovecot >/dev/null || { echo "imap-load: dovecot is missing (scripts/services.sh start installs dovecot-imapd)" >&2; exit 1; }
ulimit -n 16384 2>/dev/null || ulimit -n 4096

work=$(mktemp -d /tmp/mailhost-imap-bench.XXXXXX)
chmod o+x "$work"  # Dovecot's mail user reaches its maildirs below it
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  scripts/dovecot-test.sh stop "$work/dovecot" || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
dotnet build tests/bench/ImapLoad/ImapLoad.csproj -c Release --nologo -v quiet >/dev/null
load=tests/bench/ImapLoad/bin/Release/net10.0/mailhost-imapload.dll

servers=()
if [ -z "$dovecot_only" ]; then
  if [ -z "$deployment" ]; then
    deployment=$work/deploy
    ./build.sh --output "$deployment" >/dev/null
  fi
  if [ ! -d "$deployment/plugins/imap" ]; then
    echo "imap-load: $deployment has no imap plugin: measuring Dovecot only"
    dovecot_only=1
  fi
fi

if [ -z "$dovecot_only" ]; then
  cp -a "$deployment" "$work/server"
  rm -rf "$work/server/data"
  http=$(free_port)
  export MAILHOST_ADMIN_PASSWORD=Bench-Admin-2026 MAILHOST__Http__Urls__0=http://127.0.0.1:$http
  # Every listener moves to a free port; the IMAP ones accept many connections from loopback.
  imap_port=
  while IFS=' ' read -r name protocol; do
    port=$(free_port)
    export "MAILHOST__Listeners__${name}__Bind__0=127.0.0.1:$port"
    if [ "$protocol" = imap ]; then
      export "MAILHOST__Listeners__${name}__MaxConnectionsPerIp=5000"
      [ -z "$imap_port" ] && imap_port=$port
    fi
  done < <(python3 -c '
import json, re, sys
text = open(sys.argv[1]).read()
text = re.sub(r"^\s*//[^\n]*", "", text, flags=re.M)  # whole-line comments only: URLs hold // too
text = re.sub(r",(\s*[}\]])", r"\1", text)
for name, listener in json.loads(text).get("Listeners", {}).items():
    print(name, str(listener.get("Protocol", "")).lower())
' "$work/server/mailhost.json")
  [ -n "$imap_port" ] || { echo "imap-load: the manifest has no listener with Protocol imap" >&2; exit 1; }
  "$work/server/mailhost" serve --manifest "$work/server/mailhost.json" >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$http/health" >/dev/null && break
    sleep 0.1
  done
  admin() { curl -sf -u "admin:$MAILHOST_ADMIN_PASSWORD" -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$http/api/admin/$1" >/dev/null; }
  admin domains '{"name":"bench.test"}'
  admin accounts '{"name":"user1","password":"Bench-User-2026!","addresses":["user1@bench.test"]}'
  servers+=(--server "mailhost=127.0.0.1:$imap_port:user1:Bench-User-2026!:$server_pid")
fi

dovecot_port=$(free_port)
scripts/dovecot-test.sh start "$work/dovecot" "$dovecot_port" --fast-login 2>/dev/null
servers+=(--server "dovecot=127.0.0.1:$dovecot_port:imaptest1:Imaptest-Pass-1:$(cat "$work/dovecot/run/master.pid")")

extra=()
if [ -n "$search" ]; then
  # Dovecot's APPEND (one fsync each) takes hours for 100,000 messages here: its mailbox is written as files.
  extra+=(--search "$search" --repeats "$repeats" --maildir "dovecot=$work/dovecot/mail/imaptest1")
  [ -n "$idle_given" ] || idle=0
fi
[ -z "$search" ] || [ -n "$clients_given" ] && extra+=(--clients "$clients")
dotnet "$load" "${servers[@]}" "${extra[@]}" --seconds "$seconds" --messages "$messages" --idle "$idle"
