#!/usr/bin/env bash
# Builds everything, starts every server the tests need, runs every test, stops the servers.
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "Usage: ./test.sh [dotnet test options, e.g. --filter FullyQualifiedName~Manifest]"
  exit 0
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
work=$(mktemp -d /tmp/mailhost-test.XXXXXX)
cleanup() {
  scripts/services.sh stop "$work" || true
  rm -rf "$work"
}
trap cleanup EXIT

./build.sh --output "$work/deploy" --test-plugins "$work/test-plugins"
scripts/services.sh start "$work"
set -a
# shellcheck disable=SC1091
. "$work/services.env"
set +a

# The integration tests run the real executable from this deployment, copied per test.
export MAILHOST_TEST_DEPLOYMENT="$work/deploy" MAILHOST_TEST_PLUGINS="$work/test-plugins"
# The SMTP client tools (swaks) were installed by scripts/services.sh: a test that finds one missing fails here.
export MAILHOST_TEST_REQUIRE_TOOLS=1

set +e
dotnet test Mail.Host.sln -c Release --no-build --nologo "$@" 2>&1 | tee "$work/test.log"
status=${PIPESTATUS[0]}
set -e

# One closing line for the whole run: the sum of every test assembly's summary.
awk '
  /(Passed|Failed)!? *- *Failed: / {
    for (i = 1; i <= NF; i++) {
      v = $(i + 1); gsub(/,/, "", v)
      if ($i == "Failed:") f += v
      if ($i == "Passed:") p += v
      if ($i == "Skipped:") s += v
    }
  }
  END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }
' "$work/test.log"
exit "$status"
