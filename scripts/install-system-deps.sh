#!/usr/bin/env bash
# Debian packages the test suite needs: a PostgreSQL server (store tests run on it too),
# Chromium and an emoji font (the browser tests drive /usr/bin/chromium through Playwright; never
# `playwright install`, which downloads a browser).
# Idempotent and quick when everything is present; needs root (or sudo) otherwise.
set -euo pipefail
need=()
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then need+=(postgresql); fi
if [ ! -x /usr/bin/chromium ]; then need+=(chromium); fi
# an emoji font, so the screenshots show emoji in documents instead of empty boxes
if ! ls /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf >/dev/null 2>&1; then
  need+=(fonts-noto-color-emoji)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
echo "installing Debian packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
