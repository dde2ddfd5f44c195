#!/usr/bin/env bash
# SMTP acceptance benchmark: smtp-source (from the postfix package) against this server on the default manifest,
# every message delivered durably into a local mailbox before its 250. Prints messages/s and the server's peak RSS.
#
#   tests/bench/smtp-load.sh [--deployment DIR] [--sessions N] [--messages N] [--size BYTES] [--warmup N] [--no-peers] [--postfix HOST:PORT]
#
# --deployment  a folder built by ./build.sh (default: builds one into a temp folder)
# --warmup      messages sent to each server, unmeasured, before the measured run (default 2000; 0 for none), so the
#               figures compare steady states rather than this server's just-in-time compilation at start; this
#               server then gets until it is idle (at most a minute) to finish indexing them
# By default the same load then runs against Postfix delivering into Dovecot over LMTP, both started here from
# Debian's packages (installed when missing) with configuration of their own in a temp folder, and the script prints
# both acceptance rates, the ratio, and how long Postfix took to get every message into Dovecot's maildir.
# --no-peers    only this server
# --postfix     use a Postfix already listening there instead of starting one (end-to-end time not measured)
set -euo pipefail
cd "$(dirname "$0")/../.."

deployment= sessions=20 messages=5000 size=5120 postfix= peers=1 warmup=2000
while [ $# -gt 0 ]; do
  case "$1" in
    --deployment) deployment=$2; shift 2 ;;
    --sessions) sessions=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --postfix) postfix=$2; peers=0; shift 2 ;;
    --no-peers) peers=0; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "smtp-load: unknown argument $1" >&2; exit 2 ;;
  esac
done

source_bin=$(command -v smtp-source || echo /usr/sbin/smtp-source)
[ -x "$source_bin" ] || { echo "smtp-load: smtp-source is missing (scripts/services.sh start installs postfix)" >&2; exit 1; }

work=$(mktemp -d /tmp/mailhost-bench.XXXXXX)
# The peers run as their own users, which must reach their folders inside this one.
chmod 755 "$work"
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null || true
  if [ "$peers" = 1 ]; then tests/bench/peers/postfix-dovecot.sh stop "$work/peers" >/dev/null 2>&1 || true; fi
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
admin accounts '{"name":"user2","password":"Bench-User-2026!","addresses":["user2@bench.test"]}'

peak_rss() { awk '/VmHWM/ { print int($2 / 1024) " MiB" }' "/proc/$server_pid/status"; }

run() { # target
  local start end
  start=$(date +%s.%N)
  "$source_bin" -s "$sessions" -m "$messages" -l "$size" -f sender@bench.test -t user1@bench.test "$1"
  end=$(date +%s.%N)
  python3 -c "print(f'{$messages / ($end - $start):.0f}')"
}

warm() { # target
  if [ "$warmup" -gt 0 ]; then "$source_bin" -s "$sessions" -m "$warmup" -l "$size" -f sender@bench.test -t user1@bench.test "$1"; fi
}

echo "smtp-load: $sessions sessions x $messages messages of $size bytes (after $warmup unmeasured)"
warm "127.0.0.1:$port"
# Let the server finish what the warm-up left in the background (full-text indexing) before the clock starts.
settle() {
  local before after
  for _ in $(seq 1 120); do
    before=$(awk '{ print $14 + $15 }' "/proc/$server_pid/stat"); sleep 0.5; after=$(awk '{ print $14 + $15 }' "/proc/$server_pid/stat")
    [ $((after - before)) -le 2 ] && return
  done
}
settle
ours=$(run "127.0.0.1:$port")
stored=$(curl -sf -u "admin:$MAILHOST_ADMIN_PASSWORD" "http://127.0.0.1:$http/api/admin/mail/accounts/user1/messages?mailbox=INBOX" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
echo "mailhost: $ours msg/s accepted, each durable in the mailbox before its 250 ($stored of $((warmup + messages)) stored); peak RSS $(peak_rss)"
# Stop this server before the peers run, so they have the machine to themselves as it had.
kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; server_pid=

if [ "$peers" = 1 ]; then
  peer_settings=$(tests/bench/peers/postfix-dovecot.sh start "$work/peers")
  eval "$peer_settings"
  postfix=127.0.0.1:$PEER_SMTP_PORT
fi
if [ -n "$postfix" ]; then
  if [ "$peers" = 1 ]; then
    # Warm Postfix up the same way, and let it hand those messages to Dovecot before the measured run starts.
    warm "$postfix"
    for _ in $(seq 1 1200); do [ "$(find "$PEER_MAILDIR/new" "$PEER_MAILDIR/cur" -type f 2>/dev/null | wc -l)" -ge "$warmup" ] && break; sleep 0.25; done
  else
    warm "$postfix"
  fi
  start=$(date +%s.%N)
  theirs=$(run "$postfix")
  echo "postfix:  $theirs msg/s accepted (queued, not yet delivered)"
  if [ "$peers" = 1 ]; then
    maildir_count() { find "$PEER_MAILDIR/new" "$PEER_MAILDIR/cur" -type f 2>/dev/null | wc -l; }
    for _ in $(seq 1 1200); do [ "$(maildir_count)" -ge "$((warmup + messages))" ] && break; sleep 0.25; done
    end=$(date +%s.%N)
    echo "postfix+dovecot: $(maildir_count) of $((warmup + messages)) in the maildir, $(python3 -c "print(f'{$messages / ($end - $start):.0f}')") msg/s end to end"
  fi
  python3 -c "print(f'ratio (acceptance): {$ours / $theirs:.2f}x')"
fi
