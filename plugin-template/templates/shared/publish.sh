#!/usr/bin/env bash
# Publishes the plugin (Release) into a Mail Host deployment: DEPLOYMENT/plugins/<plugin id>/.
# Usage: ./publish.sh DEPLOYMENT [dotnet publish options...]
set -euo pipefail
cd "$(dirname "$0")"

deployment=${1:?usage: ./publish.sh DEPLOYMENT [dotnet publish options...]}
shift

descriptor=$(ls src/*/plugin.json)
project=$(dirname "$descriptor")
id=$(sed -n 's/^[[:space:]]*"id"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$descriptor" | head -n 1)
[ -n "$id" ] || { echo "publish.sh: $descriptor has no id" >&2; exit 1; }

target="$deployment/plugins/$id"
rm -rf "$target"
dotnet publish "$project" -c Release --nologo -o "$target" "$@"
echo "published $id -> $target"
