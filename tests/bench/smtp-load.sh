#!/usr/bin/env bash
# SMTP acceptance benchmark: smtp-source (from the postfix package) against this server on the default manifest,
# every message delivered durably into a local mailbox before its 250. Prints messages/s and the server's peak RSS.
#
#   tests/bench/smtp-load.sh [--deployment DIR] [--sessions N] [--messages N] [--size BYTES] [--postfix HOST:PORT]
#
# --deployment  a folder built by ./build.sh (default: builds one into a temp folder)
# --postfix     also run the same load against a Postfix already listening there (e.g. the loopback peer that
#               delivers into Dovecot over LMTP) and print both rates and the ratio
set -euo pipefail
cd "$(dirname "$0")/../.."

deployment= sessions=20 messages=5000 size=5120 postfix=
while [ $# -gt 0 ]; do
  case "$1" in
    --deployment) deployment=$2; shift 2 ;;
    --sessions) sessions=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --postfix) postfix=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "smtp-load: unknown argument $1" >&2; exit 2 ;;
  esac
done

source_bin=$(command -v smtp-source || echo /usr/sbin/smtp-source)
[ -x "$source_bin" ] || { echo "smtp-load: smtp-source is missing (scripts/services.sh start installs postfix)" >&2; exit 1; }

work=$(mktemp -d /tmp/mailhost-bench.XXXXXX)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$deployment" ]; then
  deployment=$work/deploy
  ./build.sh --output "$deployment" >/dev/null
fi

cp -a "$deployment" "$work/server"
rm -rf "$work/server/data"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port) http=$(free_port)
export MAILHOST_ADMIN_PASSWORD=Bench-Admin-2026 MAILHOST__Http__Urls__0=http://127.0.0.1:$http
export MAILHOST__Listeners__smtp__Bind__0=127.0.0.1:$port MAILHOST__Listeners__smtp__MaxConnectionsPerIp=1000
export MAILHOST__Listeners__submission__Bind__0=127.0.0.1:$(free_port)
export MAILHOST__Listeners__submissions__Bind__0=127.0.0.1:$(free_port)
"$work/server/mailhost" serve --manifest "$work/server/mailhost.json" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  curl -sf "http://127.0.0.1:$http/health" >/dev/null && break
  sleep 0.1
done
admin() { curl -sf -u "admin:$MAILHOST_ADMIN_PASSWORD" -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$http/api/admin/$1" >/dev/null; }
admin domains '{"name":"bench.test"}'
admin accounts '{"name":"user1","password":"Bench-User-2026!","addresses":["user1@bench.test"]}'

peak_rss() { awk '/VmHWM/ { print int($2 / 1024) " MiB" }' "/proc/$server_pid/status"; }

run() { # target
  local start end
  start=$(date +%s.%N)
  "$source_bin" -s "$sessions" -m "$messages" -l "$size" -f sender@bench.test -t user1@bench.test "$1"
  end=$(date +%s.%N)
  python3 -c "print(f'{$messages / ($end - $start):.0f}')"
}

echo "smtp-load: $sessions sessions x $messages messages of $size bytes"
ours=$(run "127.0.0.1:$port")
stored=$(curl -sf -u "admin:$MAILHOST_ADMIN_PASSWORD" "http://127.0.0.1:$http/api/admin/mail/accounts/user1/messages?mailbox=INBOX" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "mailhost: $ours msg/s accepted, each durable in the mailbox before its 250 ($stored stored); peak RSS $(peak_rss)"
if [ -n "$postfix" ]; then
  theirs=$(run "$postfix")
  echo "postfix:  $theirs msg/s accepted (queued)"
  python3 -c "print(f'ratio: {$ours / $theirs:.2f}x')"
fi
