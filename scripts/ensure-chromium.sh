#!/usr/bin/env bash
# The console's browser suites drive Debian's chromium (no browser can be downloaded by npm here):
# installs it with apt when it is missing and this user can, and says what to do otherwise.
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
[ -x "$browser" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the browser suites (apt-get install chromium)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "the console's browser suites need chromium at $browser: install it (sudo apt-get install chromium) or set CHROMIUM_PATH" >&2
exit 1
