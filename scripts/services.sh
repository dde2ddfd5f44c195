#!/usr/bin/env bash
# Installs (if missing) and starts, or stops, the servers the test suite talks to: PostgreSQL, MariaDB, Redis, an
# S3 server (s3rver) and OpenLDAP (slapd, with the test directory in tests/ldap), each on 127.0.0.1 on its own port
# with its data in WORKDIR, and a private Dovecot (the reference IMAP server of the conformance runner,
# scripts/dovecot-test.sh); and installs the SMTP test clients swaks and smtp-source and the
# IMAP sync client mbsync (isync). `start` writes WORKDIR/services.env
# with the MAILHOST_TEST_* variables the tests read; a test whose variable is missing is skipped and says so.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/services.sh start|stop WORKDIR
  start  installs missing Debian/npm packages, starts PostgreSQL, MariaDB, Redis, s3rver, slapd and Dovecot on free loopback ports
         with data under WORKDIR, waits until each answers, and writes WORKDIR/services.env
  stop   stops whatever start started in WORKDIR
USAGE
}

case "${1:-}" in
  start|stop) [ -n "${2:-}" ] || { usage >&2; exit 2; } ;;
  -h|--help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

action=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mkdir -p "$2" && cd "$2" && pwd)
svc="$work/services"
# The database servers run as their own users, which must be able to reach their folders (mktemp makes 0700).
mkdir -p "$svc"
chmod o+x "$work"
chmod 755 "$svc"

# Free ports are chosen at start and kept in WORKDIR/services/ports, so a run never collides with servers already
# running on this machine (another run's, or a developer's own).
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
if [ "$action" = start ]; then
  printf 'PG_PORT=%s\nMARIADB_PORT=%s\nREDIS_PORT=%s\nS3_PORT=%s\nLDAP_PORT=%s\nDOVECOT_PORT=%s\n' "$(free_port)" "$(free_port)" "$(free_port)" "$(free_port)" "$(free_port)" "$(free_port)" > "$svc/ports"
  echo "LDAPS_PORT=$(free_port)" >> "$svc/ports"
fi
# shellcheck disable=SC1091
[ -f "$svc/ports" ] && . "$svc/ports"
PG_BIN=/usr/lib/postgresql/15/bin

install_missing() {
  local missing=()
  [ -x "$PG_BIN/initdb" ] || missing+=(postgresql)
  command -v mariadbd >/dev/null || missing+=(mariadb-server)
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -x /usr/sbin/slapd ] || missing+=(slapd)
  command -v ldapsearch >/dev/null 2>&1 || missing+=(ldap-utils)
  # mkpasswd (package whois): the password-hash tests cross-check crypt(3) hashes against it.
  command -v mkpasswd >/dev/null 2>&1 || missing+=(whois)
  # The SMTP tests' clients: swaks, and smtp-source from the postfix package (which is installed, not run).
  command -v swaks >/dev/null 2>&1 || missing+=(swaks)
  command -v smtp-source >/dev/null 2>&1 || [ -x /usr/sbin/smtp-source ] || missing+=(postfix)
  # The reference IMAP server for the conformance runner and the IMAP load generator.
  command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
  # The IMAP tests' full-sync client.
  command -v mbsync >/dev/null 2>&1 || missing+=(isync)
  # The outbound tests start their own dnsmasq (zones per test, on a free port) and use dig when diagnosing.
  [ -x /usr/sbin/dnsmasq ] || command -v dnsmasq >/dev/null 2>&1 || missing+=(dnsmasq-base)
  command -v dig >/dev/null 2>&1 || missing+=(dnsutils)
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      echo "services: missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
      return 1
    fi
    echo "services: installing ${missing[*]}"
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ! -x "$svc/s3/node_modules/.bin/s3rver" ]; then
    mkdir -p "$svc/s3"
    (cd "$svc/s3" && npm install --silent --no-audit --no-fund s3rver@3.7.1 >/dev/null)
  fi
}

wait_for() {  # NAME COMMAND...
  local name=$1; shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "services: $name did not answer" >&2
  return 1
}

start_postgres() {
  mkdir -p "$svc/pg"; chown postgres "$svc/pg"
  su postgres -c "$PG_BIN/initdb -D $svc/pg/data -A trust -U postgres" >/dev/null
  su postgres -c "$PG_BIN/pg_ctl -D $svc/pg/data -o '-p $PG_PORT -k $svc/pg -c listen_addresses=127.0.0.1 -c fsync=on' -l $svc/pg/log -w start" </dev/null >/dev/null 2>&1 \
    || { echo "services: PostgreSQL did not start:" >&2; cat "$svc/pg/log" >&2; return 1; }
  su postgres -c "psql -h 127.0.0.1 -p $PG_PORT -U postgres -c 'CREATE DATABASE mailhost_test'" >/dev/null
  echo "MAILHOST_TEST_POSTGRES='Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=mailhost_test'" >> "$work/services.env"
}

start_mariadb() {
  mkdir -p "$svc/mariadb"; chown mysql "$svc/mariadb"
  mariadb-install-db --user=mysql --datadir="$svc/mariadb/data" >/dev/null 2>&1
  (mariadbd --user=mysql --datadir="$svc/mariadb/data" --bind-address=127.0.0.1 --port=$MARIADB_PORT \
      --socket="$svc/mariadb/sock" --pid-file="$svc/mariadb/pid" </dev/null >"$svc/mariadb/log" 2>&1 &)
  wait_for MariaDB mariadb-admin --socket="$svc/mariadb/sock" ping
  mariadb --socket="$svc/mariadb/sock" -e "CREATE DATABASE mailhost_test; CREATE USER 'mailhost'@'127.0.0.1' IDENTIFIED BY 'mailhost-test'; GRANT ALL ON mailhost_test.* TO 'mailhost'@'127.0.0.1';"
  echo "MAILHOST_TEST_MARIADB='Server=127.0.0.1;Port=$MARIADB_PORT;User ID=mailhost;Password=mailhost-test;Database=mailhost_test'" >> "$work/services.env"
}

start_redis() {
  mkdir -p "$svc/redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port $REDIS_PORT --dir "$svc/redis" --save '' --pidfile "$svc/redis/pid" --logfile "$svc/redis/log" </dev/null >/dev/null 2>&1
  wait_for Redis redis-cli -p $REDIS_PORT ping
  echo "MAILHOST_TEST_REDIS='127.0.0.1:$REDIS_PORT'" >> "$work/services.env"
}

start_s3() {
  mkdir -p "$svc/s3/data"
  (cd "$svc/s3" && nohup node_modules/.bin/s3rver -d "$svc/s3/data" -a 127.0.0.1 -p $S3_PORT </dev/null >"$svc/s3/log" 2>&1 &)
  wait_for s3rver bash -c "exec 3<>/dev/tcp/127.0.0.1/$S3_PORT"
  echo "MAILHOST_TEST_S3='http://127.0.0.1:$S3_PORT'" >> "$work/services.env"
}

# A private slapd from a standalone slapd.conf (no cn=config, nothing of the Debian instance), loaded with the test
# directory (tests/ldap/directory.ldif: the conformance kit's principals and the service account the server binds as).
# It answers ldap:// (StartTLS offered) and ldaps:// with a certificate from a CA made here, whose folder (OpenSSL
# hashed names) the tests trust.
start_ldap() {
  local dir="$svc/ldap" repo
  repo=$(cd "$(dirname "$0")/.." && pwd)
  rm -rf "$dir"; mkdir -p "$dir/data" "$dir/tls/trusted"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/tls/ca.key" -out "$dir/tls/ca.pem" -days 7 -subj "/CN=Mail Host test CA" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -keyout "$dir/tls/server.key" -out "$dir/tls/server.csr" -subj "/CN=127.0.0.1" >/dev/null 2>&1
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > "$dir/tls/server.ext"
  openssl x509 -req -in "$dir/tls/server.csr" -CA "$dir/tls/ca.pem" -CAkey "$dir/tls/ca.key" -CAcreateserial \
    -out "$dir/tls/server.pem" -days 7 -extfile "$dir/tls/server.ext" >/dev/null 2>&1
  cp "$dir/tls/ca.pem" "$dir/tls/trusted/"
  openssl rehash "$dir/tls/trusted" >/dev/null
  cat > "$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include $repo/tests/ldap/mailhost-test.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
TLSCACertificateFile $dir/tls/ca.pem
TLSCertificateFile $dir/tls/server.pem
TLSCertificateKeyFile $dir/tls/server.key
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 104857600
suffix "dc=example,dc=org"
rootdn "cn=admin,dc=example,dc=org"
rootpw admin-ldap-test
directory $dir/data
access to attrs=userPassword by dn.exact="cn=mailhost,ou=services,dc=example,dc=org" read by anonymous auth by * none
access to * by dn.exact="cn=mailhost,ou=services,dc=example,dc=org" read by self read by * none
CONF
  slapadd -f "$dir/slapd.conf" -l "$repo/tests/ldap/directory.ldif" >"$dir/log" 2>&1 \
    || { echo "services: slapadd failed:" >&2; cat "$dir/log" >&2; return 1; }
  slapd -f "$dir/slapd.conf" -h "ldap://127.0.0.1:$LDAP_PORT/ ldaps://127.0.0.1:$LDAPS_PORT/" </dev/null >>"$dir/log" 2>&1 \
    || { echo "services: slapd did not start:" >&2; cat "$dir/log" >&2; return 1; }
  wait_for slapd ldapsearch -x -H "ldap://127.0.0.1:$LDAP_PORT/" -D "cn=mailhost,ou=services,dc=example,dc=org" -w mailhost-ldap-test -b "dc=example,dc=org" -s base
  {
    echo "MAILHOST_TEST_LDAP='ldap://127.0.0.1:$LDAP_PORT'"
    echo "MAILHOST_TEST_LDAP_BIND_DN='cn=mailhost,ou=services,dc=example,dc=org'"
    echo "MAILHOST_TEST_LDAP_PASSWORD='mailhost-ldap-test'"
    echo "MAILHOST_TEST_LDAP_BASE='dc=example,dc=org'"
    echo "MAILHOST_TEST_LDAPS='ldaps://127.0.0.1:$LDAPS_PORT'"
    echo "MAILHOST_TEST_LDAP_TRUSTED='$dir/tls/trusted'"
  } >> "$work/services.env"
}

start_dovecot() {
  "$here/dovecot-test.sh" start "$svc/dovecot" "$DOVECOT_PORT"
  {
    echo "MAILHOST_TEST_DOVECOT='127.0.0.1:$DOVECOT_PORT'"
    echo "MAILHOST_TEST_DOVECOT_USER='imaptest1'"
    echo "MAILHOST_TEST_DOVECOT_PASSWORD='Imaptest-Pass-1'"
    echo "MAILHOST_TEST_DOVECOT_USER2='imaptest2'"
    echo "MAILHOST_TEST_DOVECOT_PASSWORD2='Imaptest-Pass-2'"
  } >> "$work/services.env"
}

stop_all() {
  "$here/dovecot-test.sh" stop "$svc/dovecot" 2>/dev/null || true
  # npm's launcher runs node as a child, so the server is found by its data folder rather than a pid.
  pkill -f "s3rver -d $svc/s3/data" 2>/dev/null || true
  if [ -f "$svc/ldap/slapd.pid" ]; then kill "$(cat "$svc/ldap/slapd.pid")" 2>/dev/null || true; fi
  if [ -f "$svc/redis/pid" ]; then redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1 || kill "$(cat "$svc/redis/pid")" 2>/dev/null || true; fi
  if [ -S "$svc/mariadb/sock" ]; then mariadb-admin --socket="$svc/mariadb/sock" shutdown >/dev/null 2>&1 || true; fi
  if [ -d "$svc/pg/data" ]; then su postgres -c "$PG_BIN/pg_ctl -D $svc/pg/data -m fast -w stop" >/dev/null 2>&1 || true; fi
}

if [ "$action" = stop ]; then
  stop_all
  echo "services: stopped"
  exit 0
fi

: > "$work/services.env"
install_missing
start_postgres
start_mariadb
start_redis
start_s3
start_ldap
start_dovecot
echo "services: started PostgreSQL :$PG_PORT, MariaDB :$MARIADB_PORT, Redis :$REDIS_PORT, s3rver :$S3_PORT, slapd :$LDAP_PORT, Dovecot :$DOVECOT_PORT (settings in $work/services.env)"
