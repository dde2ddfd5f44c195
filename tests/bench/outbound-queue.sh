#!/usr/bin/env bash
# Outbound queue throughput: N messages are queued through submission (with outbound delivery switched off), the
# server is restarted with delivery on, and the time to drain the queue to Postfix's smtp-sink on loopback is measured,
# the messages spread over 20 destination domains (dnsmasq answers their MX records). Prints messages/s.
#
#   tests/bench/outbound-queue.sh [--deployment DIR] [--messages N] [--size BYTES] [--domains N] [--concurrency N]
#
# --deployment   a folder built by ./build.sh (default: builds one into a temp folder)
# --concurrency  Outbound:MaxConcurrency (default 20); per domain Outbound:MaxConcurrencyPerDomain stays 4
set -euo pipefail
cd "$(dirname "$0")/../.."

deployment= messages=2000 size=5120 domains=20 concurrency=20
while [ $# -gt 0 ]; do
  case "$1" in
    --deployment) deployment=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --domains) domains=$2; shift 2 ;;
    --concurrency) concurrency=$2; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "outbound-queue: unknown argument $1" >&2; exit 2 ;;
  esac
done

sink_bin=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)
dnsmasq_bin=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
[ -x "$sink_bin" ] || { echo "outbound-queue: smtp-sink is missing (scripts/services.sh start installs postfix)" >&2; exit 1; }
[ -x "$dnsmasq_bin" ] || { echo "outbound-queue: dnsmasq is missing (scripts/services.sh start installs dnsmasq-base)" >&2; exit 1; }

work=$(mktemp -d /tmp/mailhost-outbound-bench.XXXXXX)
server_pid= sink_pid= dns_pid=
cleanup() {
  for pid in $server_pid $sink_pid $dns_pid; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
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
http=$(free_port) submission=$(free_port) dns=$(free_port) remote=$(free_port)

records=(--mx-host=sink.test,mx.sink.test,10 --host-record=mx.sink.test,127.0.0.2)
for i in $(seq 1 "$domains"); do records+=("--mx-host=d$i.test,mx.sink.test,10"); done
"$dnsmasq_bin" --keep-in-foreground --port="$dns" --listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts \
  --local=/test/ --user=root --pid-file= --log-facility="$work/dns.log" "${records[@]}" &
dns_pid=$!
sink_user=(); [ "$(id -u)" -eq 0 ] && sink_user=(-u nobody)
"$sink_bin" "${sink_user[@]}" 127.0.0.2:"$remote" 256 &
sink_pid=$!

export MAILHOST_ADMIN_PASSWORD=Bench-Admin-2026 MAILHOST__Http__Urls__0=http://127.0.0.1:$http
export MAILHOST__Listeners__smtp__Bind__0=127.0.0.1:$(free_port)
export MAILHOST__Listeners__submission__Bind__0=127.0.0.1:$submission MAILHOST__Listeners__submission__MaxConnectionsPerIp=1000
export MAILHOST__Listeners__submissions__Bind__0=127.0.0.1:$(free_port)
export MAILHOST__Outbound__DnsServers__0=127.0.0.1:$dns MAILHOST__Outbound__Port=$remote
export MAILHOST__Outbound__MaxConcurrency=$concurrency MAILHOST__Outbound__PollIntervalSeconds=1

start_server() {
  "$work/server/mailhost" serve --manifest "$work/server/mailhost.json" >>"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$http/health" >/dev/null && return 0
    sleep 0.1
  done
  echo "outbound-queue: the server did not start; its log:" >&2; cat "$work/server.log" >&2; exit 1
}
admin() { curl -sf -u "admin:$MAILHOST_ADMIN_PASSWORD" -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$http/api/admin/$1" >/dev/null; }
queued() { curl -sf -u "admin:$MAILHOST_ADMIN_PASSWORD" "http://127.0.0.1:$http/api/admin/queue" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }

MAILHOST__Outbound__Enabled=false start_server
admin domains '{"name":"bench.test"}'
admin accounts '{"name":"sender","password":"Bench-Sender-2026!","addresses":["sender@bench.test"]}'

echo "outbound-queue: queueing $messages messages of $size bytes for $domains domains"
python3 - "$submission" "$messages" "$size" "$domains" <<'PY'
import smtplib, ssl, sys, threading
port, total, size, domains = (int(a) for a in sys.argv[1:5])
context = ssl.create_default_context(); context.check_hostname = False; context.verify_mode = ssl.CERT_NONE
body = ("x" * 76 + "\r\n") * max(1, size // 78)
def work(start, step):
    with smtplib.SMTP("127.0.0.1", port) as client:
        client.starttls(context=context); client.login("sender", "Bench-Sender-2026!")
        for n in range(start, total, step):
            rcpt = f"user{n}@d{n % domains + 1}.test"
            client.sendmail("sender@bench.test", [rcpt], f"From: sender@bench.test\r\nTo: {rcpt}\r\nSubject: bench {n}\r\n\r\n{body}")
threads = [threading.Thread(target=work, args=(i, 10)) for i in range(10)]
[t.start() for t in threads]; [t.join() for t in threads]
PY
[ "$(queued)" -eq "$messages" ] || { echo "outbound-queue: expected $messages queued, found $(queued)" >&2; exit 1; }
kill "$server_pid"; wait "$server_pid" || true

echo "outbound-queue: draining with delivery on (MaxConcurrency $concurrency, 4 per domain)"
start=$(date +%s.%N)
start_server
while [ "$(queued)" -gt 0 ]; do sleep 0.2; done
end=$(date +%s.%N)
python3 -c "import sys; n=$messages; s=$end-$start; print(f'outbound-queue: {n} messages drained in {s:.1f} s (including the server start): {n/s:.0f} messages/s')"
grep -c "delivered to" "$work/server.log" >/dev/null || true
