#!/usr/bin/env bash
# Installs everything Changhu needs on a fresh Debian machine: system packages (Chromium for
# page tests, a CJK font), the Python virtualenv from the lock file, the front-end packages from
# the npm registry copied into static files. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need_apt+=(fonts-noto-cjk)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
# WeasyPrint (PDF notices and statements) needs Pango, HarfBuzz and fontconfig.
for lib in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 \
           libglib2.0-0; do
  dpkg -s "$lib" >/dev/null 2>&1 || need_apt+=("$lib")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  else
    echo "!! missing system packages: ${need_apt[*]} (run as root or install them yourself)" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> python3 -m venv .venv"
  python3 -m venv .venv
fi
echo "==> pip install (pinned by requirements.lock)"
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -c requirements.lock -e ".[dev]"

echo "==> npm ci (front-end packages)"
npm ci --no-audit --no-fund --loglevel=error
vendor=src/changhu/web/static/vendor
rm -rf "$vendor"
mkdir -p "$vendor"/{bootstrap,bootstrap-icons,htmx,echarts,axe}
# With their source maps: the files name them, and production's collectstatic (hashed names,
# CompressedManifestStaticFilesStorage) refuses a file that names one it cannot find.
cp node_modules/bootstrap/dist/css/bootstrap.min.css{,.map} "$vendor/bootstrap/"
cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js{,.map} "$vendor/bootstrap/"
cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css "$vendor/bootstrap-icons/"
cp -r node_modules/bootstrap-icons/font/fonts "$vendor/bootstrap-icons/"
cp node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx/"
cp node_modules/echarts/dist/echarts.min.js "$vendor/echarts/"
# The accessibility checker the page tests inject; no page of the product loads it.
cp node_modules/axe-core/axe.min.js "$vendor/axe/"
echo "==> setup done"
