#!/usr/bin/env bash
# Installs what the integration and UI tests need on a fresh machine:
# Debian's Chromium, ffmpeg (test clips) and libkrb5-dev (code-server's kerberos addon),
# plus Node 24 and code-server 4.139.1 into .cache/tools (git-ignored). Idempotent.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="$root/.cache/tools"
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.21.0

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[install-tools] apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

stamp="$tools/.installed-$CODE_SERVER_VERSION-$NODE24_VERSION"
if [ -f "$stamp" ]; then exit 0; fi
mkdir -p "$tools"
cat > "$tools/package.json" <<JSON
{
  "name": "animatediff-test-tools",
  "private": true,
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
cd "$tools"
echo "[install-tools] node@$NODE24_VERSION"
npm install --no-save --no-package-lock --loglevel=error "node@$NODE24_VERSION" >/dev/null
node24_dir="$(dirname "$(readlink -f node_modules/node/bin/node)")"
nodedir="$(dirname "$(find "$tools/node_modules" -path '*/include/node/common.gypi' | head -n 1)")"
nodedir="${nodedir%/include/node}"
echo "[install-tools] code-server@$CODE_SERVER_VERSION (builds native modules, ~2 min)"
PATH="$node24_dir:$PATH" npm_config_nodedir="$nodedir" \
  npm install --no-save --no-package-lock --loglevel=error "node@$NODE24_VERSION" "code-server@$CODE_SERVER_VERSION" >/dev/null
test -f node_modules/code-server/out/node/entry.js
touch "$stamp"
echo "[install-tools] done"
