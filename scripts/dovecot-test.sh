#!/usr/bin/env bash
# A private Dovecot 2.3 (Debian package dovecot-imapd) on loopback, the reference server for the IMAP conformance
# runner (tests/Mail.Host.ImapTest) and the IMAP load generator (tests/bench/ImapLoad). Nothing outside DIR is touched
# except a system user `vmail` (created once) that owns the mail folders.
#
#   scripts/dovecot-test.sh start DIR PORT [--fast-login]   writes DIR/dovecot.conf and DIR/users, starts Dovecot
#   scripts/dovecot-test.sh stop DIR
#
# Users: imaptest1 / Imaptest-Pass-1 and imaptest2 / Imaptest-Pass-2 (maildirs under DIR/mail). Plaintext LOGIN and
# AUTH PLAIN without TLS (loopback only). --fast-login is Dovecot's high-performance login mode (one long-lived
# imap-login process serving many clients: service_count = 0, process_min_avail = 2) with limits raised for load tests
# (2,500 connections).
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"

usage() { sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; }
case "${1:-}" in
  start) [ $# -ge 3 ] || { usage >&2; exit 2; } ;;
  stop) [ $# -ge 2 ] || { usage >&2; exit 2; } ;;
  -h|--help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

action=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
if [ "$action" = stop ]; then
  if [ -f "$dir/dovecot.conf" ]; then doveadm -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || true; fi
  exit 0
fi

port=$3 fast=${4:-}
command -v dovecot >/dev/null || { echo "dovecot-test: dovecot is not installed (apt-get install dovecot-imapd)" >&2; exit 1; }
getent group vmail >/dev/null || groupadd -r vmail
id vmail >/dev/null 2>&1 || useradd -r -g vmail -d /nonexistent -s /usr/sbin/nologin -M vmail
uid=$(id -u vmail) gid=$(id -g vmail)
mkdir -p "$dir/run" "$dir/state" "$dir/mail"
chmod o+x "$dir"
chown vmail:vmail "$dir/mail"
cat > "$dir/users" <<USERS
imaptest1:{PLAIN}Imaptest-Pass-1:$uid:$gid::$dir/mail/imaptest1
imaptest2:{PLAIN}Imaptest-Pass-2:$uid:$gid::$dir/mail/imaptest2
USERS
chmod 644 "$dir/users"

fast_conf=
if [ "$fast" = --fast-login ]; then
  fast_conf="
default_process_limit = 2500
default_client_limit = 5000
service imap-login {
  service_count = 0
  process_min_avail = 2
  client_limit = 2500
}
service imap {
  process_limit = 2500
}
service anvil {
  client_limit = 6000
}
protocol imap {
  mail_max_userip_connections = 2500
}"
fi

cat > "$dir/dovecot.conf" <<CONF
instance_name = mailhost-test-dovecot-$port
base_dir = $dir/run
state_dir = $dir/state
protocols = imap
listen = 127.0.0.1
log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $dir/users
}
userdb {
  driver = passwd-file
  args = username_format=%n $dir/users
}
mail_uid = $uid
mail_gid = $gid
first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = 0
mail_location = maildir:$dir/mail/%n
namespace inbox {
  inbox = yes
  separator = /
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
$fast_conf
CONF

dovecot -c "$dir/dovecot.conf"
for _ in $(seq 1 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then exit 0; fi
  sleep 0.1
done
echo "dovecot-test: Dovecot did not answer on 127.0.0.1:$port; its log:" >&2
cat "$dir/dovecot.log" >&2 || true
exit 1
