#!/usr/bin/env bash
# The engine benchmarks (tests/Mail.Host.Benchmarks, BenchmarkDotNet) on every backend in one run: memory, RocksDB and
# SQLite, and PostgreSQL and MariaDB on servers this script starts on loopback (scripts/services.sh) and stops after.
#
#   tests/bench/engine-bench.sh [BenchmarkDotNet and benchmark arguments]
#   e.g. tests/bench/engine-bench.sh --filter '*Delivery*' --quick
#        tests/bench/engine-bench.sh --filter '*' --quick --messages 2000
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then sed -n '2,7p' "$0"; exit 0; fi

work=$(mktemp -d /tmp/mailhost-engine-bench.XXXXXX)
cleanup() { scripts/services.sh stop "$work" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
scripts/services.sh start "$work" >/dev/null
set -a
# shellcheck disable=SC1091
. "$work/services.env"
set +a
export MAILHOST_BENCH_POSTGRES="$MAILHOST_TEST_POSTGRES" MAILHOST_BENCH_MARIADB="$MAILHOST_TEST_MARIADB"
dotnet run -c Release --project tests/Mail.Host.Benchmarks -- "$@"
