#!/usr/bin/env bash
# A private Postfix delivering into a private Dovecot over LMTP, on loopback, for benchmarks beside this server.
#
#   tests/bench/peers/postfix-dovecot.sh start DIR   installs the Debian packages when missing, starts both with their
#                                                      data and configuration in DIR, and prints shell assignments:
#                                                      PEER_SMTP_PORT, PEER_IMAP_PORT, PEER_MAILDIR
#   tests/bench/peers/postfix-dovecot.sh stop DIR
#
# Domain bench.test, users user1 and user2 (password Bench-User-2026!). Postfix only queues before its 250; the
# queue manager then hands each message to Dovecot's LMTP server, which writes it into user1's maildir.
set -euo pipefail
action=${1:-} dir=${2:-}
if [ -z "$action" ] || [ -z "$dir" ] || [ "$action" = -h ] || [ "$action" = --help ]; then
  sed -n '2,10p' "$0"; [ "$action" = -h ] || [ "$action" = --help ]; exit $?
fi

dovecot_dir=$dir/dovecot postfix_dir=$dir/postfix
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

case "$action" in
start)
  missing=()
  command -v dovecot >/dev/null || missing+=(dovecot-imapd)
  [ -x /usr/lib/dovecot/lmtp ] || missing+=(dovecot-lmtpd)
  command -v postfix >/dev/null || missing+=(postfix)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
  fi
  getent group mhbench >/dev/null || groupadd -r mhbench
  id mhbench >/dev/null 2>&1 || useradd -r -g mhbench -d /nonexistent -s /usr/sbin/nologin -M mhbench
  uid=$(id -u mhbench) gid=$(getent group mhbench | cut -d: -f3)
  smtp_port=$(free_port) lmtp_port=$(free_port) imap_port=$(free_port)
  mkdir -p "$dovecot_dir"/{run,state,mail} "$postfix_dir"/{etc,queue,data}
  chmod 755 "$dir"
  chown mhbench:mhbench "$dovecot_dir/mail"; chown postfix:postfix "$postfix_dir/data"

  password='{PLAIN}Bench-User-2026!'
  for user in user1 user2; do
    echo "$user:$password:$uid:$gid::$dovecot_dir/mail/$user"
  done > "$dovecot_dir/users"
  cat > "$dovecot_dir/dovecot.conf" <<CONF
# Dovecot for the SMTP benchmark: LMTP delivery into maildirs, IMAP to look at them.
instance_name = mailhost-bench-dovecot
base_dir = $dovecot_dir/run
state_dir = $dovecot_dir/state
log_path = $dovecot_dir/dovecot.log
protocols = imap lmtp
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $dovecot_dir/users
}
userdb {
  driver = passwd-file
  args = username_format=%n $dovecot_dir/users
}
mail_uid = $uid
mail_gid = $gid
first_valid_uid = $uid
last_valid_uid = $uid
mail_location = maildir:$dovecot_dir/mail/%n
namespace inbox {
  inbox = yes
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap_port
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $lmtp_port
  }
}
protocol lmtp {
  postmaster_address = postmaster@bench.test
}
CONF

  cat > "$postfix_dir/etc/main.cf" <<CONF
# Postfix for the SMTP benchmark: accepts mail for bench.test and hands it to Dovecot over LMTP.
compatibility_level = 3.6
config_directory = $postfix_dir/etc
queue_directory = $postfix_dir/queue
data_directory = $postfix_dir/data
meta_directory = /etc/postfix
daemon_directory = /usr/lib/postfix/sbin
command_directory = /usr/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = mailhost-bench-postfix
maillog_file = $postfix_dir/postfix.log
maillog_file_prefixes = $dir
myhostname = mx.bench.test
mydomain = bench.test
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = reject_unauth_destination
smtpd_peername_lookup = no
smtputf8_enable = no
alias_maps =
alias_database =
local_recipient_maps =
biff = no
virtual_mailbox_domains = bench.test
virtual_mailbox_maps = texthash:$postfix_dir/etc/mailboxes
virtual_transport = lmtp:inet:127.0.0.1:$lmtp_port
CONF
  printf 'user1@bench.test OK\nuser2@bench.test OK\n' > "$postfix_dir/etc/mailboxes"
  # The services this setup uses: smtpd on the benchmark port, the queue machinery, and the LMTP client.
  {
    echo "127.0.0.1:$smtp_port inet n - n - - smtpd"
    for service in "pickup unix n - n 60 1 pickup" "cleanup unix n - n - 0 cleanup" "qmgr unix n - n 300 1 qmgr" \
      "rewrite unix - - n - - trivial-rewrite" "bounce unix - - n - 0 bounce" "defer unix - - n - 0 bounce" \
      "trace unix - - n - 0 bounce" "verify unix - - n - 1 verify" "flush unix n - n 1000? 0 flush" \
      "proxymap unix - - n - - proxymap" "smtp unix - - n - - smtp" "error unix - - n - - error" \
      "retry unix - - n - - error" "discard unix - - n - - discard" "lmtp unix - - n - - lmtp" \
      "anvil unix - - n - 1 anvil" "scache unix - - n - 1 scache" "postlog unix-dgram n - n - 1 postlogd"; do
      echo "$service"
    done
  } > "$postfix_dir/etc/master.cf"

  dovecot -c "$dovecot_dir/dovecot.conf"
  postfix -c "$postfix_dir/etc" start </dev/null >&2
  for port in "$smtp_port" "$lmtp_port" "$imap_port"; do
    for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  done
  echo "PEER_SMTP_PORT=$smtp_port PEER_IMAP_PORT=$imap_port PEER_MAILDIR=$dovecot_dir/mail/user1"
  ;;
stop)
  [ -f "$postfix_dir/etc/main.cf" ] && postfix -c "$postfix_dir/etc" stop </dev/null >/dev/null 2>&1 || true
  [ -f "$dovecot_dir/dovecot.conf" ] && doveadm -c "$dovecot_dir/dovecot.conf" stop >/dev/null 2>&1 || true
  ;;
*) echo "postfix-dovecot: unknown action $action (start or stop)" >&2; exit 2 ;;
esac
