#!/usr/bin/env bash
# Publishes the host and every plugin (Release) into a deployment folder:
#   DIR/mailhost, DIR/plugins/<plugin-id>/, DIR/mailhost.json (the default manifest, unless one is already there),
#   and DIR/packages/: the contracts, the conformance kit and the plugin templates as NuGet packages.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  cat <<'USAGE'
Usage: ./build.sh [--output DIR] [--test-plugins DIR]

  --output DIR        deployment folder to publish into (default: dist/out)
  --portable          keep every platform's native libraries in plugin folders (default: only this machine's)
  --test-plugins DIR  also publish the plugins under tests/plugins into DIR/<plugin-id>/
                      (used by the integration tests; never part of a deployment)
  -h, --help          show this help
USAGE
}

out=dist/out
test_plugins=
portable=
while [ $# -gt 0 ]; do
  case "$1" in
    --output) out=${2:?--output needs a folder}; shift 2 ;;
    --test-plugins) test_plugins=${2:?--test-plugins needs a folder}; shift 2 ;;
    --portable) portable=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p "$out/plugins"
out=$(cd "$out" && pwd)

# One parallel build of the whole solution, then cheap publishes of what it built.
dotnet build Mail.Host.sln -c Release --nologo -v quiet -clp:ErrorsOnly

plugin_id() { sed -n 's/^[[:space:]]*"id"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$1/plugin.json" | head -n 1; }

# NuGet packages with native code (RocksDB, SQLite) carry it for every platform; a deployment keeps only this
# machine's (and the portable linux/unix folders), unless --portable asks for all of them.
host_rid=$(dotnet --info | sed -n 's/^ *RID: *//p' | head -n 1)
prune_natives() { # plugin-folder
  [ -z "$portable" ] && [ -d "$1/runtimes" ] || return 0
  for rid_folder in "$1"/runtimes/*/; do
    case "$(basename "$rid_folder")" in
      "$host_rid"|linux|unix) ;;
      *) rm -rf "$rid_folder" ;;
    esac
  done
}

publish_plugin() { # project-folder target-root
  local id
  id=$(plugin_id "$1")
  [ -n "$id" ] || { echo "build.sh: $1/plugin.json has no id" >&2; exit 1; }
  rm -rf "${2:?}/$id"
  dotnet publish "$1" -c Release --no-build --nologo -v quiet -o "$2/$id"
  prune_natives "$2/$id"
  echo "  plugin $id -> $2/$id"
}

dotnet publish host/Mail.Host -c Release --no-build --nologo -v quiet -o "$out"
echo "  host -> $out/mailhost"
# A plugin is a project folder with a plugin.json; anything else under plugins/ (plugins/shared: libraries that
# plugins reference and carry in their own folders) is not published on its own.
for project in plugins/*/; do
  [ -f "${project}plugin.json" ] || continue
  publish_plugin "${project%/}" "$out/plugins"
done

# What a third party builds a plugin with (docs/plugin-guide.md): the contracts and the conformance kit as versioned
# packages, and the dotnet new templates that reference them.
rm -rf "$out/packages"
mkdir -p "$out/packages"
dotnet pack abstractions/Mail.Host.Abstractions -c Release --no-build --nologo -v quiet -o "$out/packages"
dotnet pack abstractions/Mail.Host.Conformance -c Release --no-build --nologo -v quiet -o "$out/packages"
dotnet pack plugin-template -c Release --nologo -v quiet -clp:ErrorsOnly -o "$out/packages"
echo "  packages -> $out/packages"

if [ ! -f "$out/mailhost.json" ]; then
  cp dist/mailhost.json "$out/mailhost.json"
  echo "  manifest -> $out/mailhost.json"
else
  echo "  manifest: kept the existing $out/mailhost.json"
fi

if [ -n "$test_plugins" ]; then
  mkdir -p "$test_plugins"
  test_plugins=$(cd "$test_plugins" && pwd)
  for project in tests/plugins/*/; do
    publish_plugin "${project%/}" "$test_plugins"
  done
fi
