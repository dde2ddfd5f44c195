#!/usr/bin/env bash
# Builds the deployment in dist/out if needed, then runs the server with its manifest.
set -euo pipefail
cd "$(dirname "$0")"
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  echo "Usage: ./run.sh [mailhost serve options]   (builds dist/out if needed; e.g. ./run.sh --manifest FILE)"
  exit 0
fi
if [ ! -x dist/out/mailhost ] || [ -n "$(find host abstractions plugins dist/mailhost.json -newer dist/out/mailhost -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.json' -o -name '*.props' \) -print -quit)" ]; then
  ./build.sh --output dist/out
fi
exec dist/out/mailhost serve "$@"
