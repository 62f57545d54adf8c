#!/bin/sh
# Check the Debian packages the project needs; install them with apt when root,
# otherwise print the exact command and fail. Called by the Makefile before pip.
set -eu

# package:how-to-check pairs. A CJK font is needed for labels (either package serves).
missing=""
need() { pkg=$1; shift; if ! "$@" >/dev/null 2>&1; then missing="$missing $pkg"; fi; }

py=${PYTHON:-python3}
need python3-venv "$py" -c "import ensurepip, venv"
need fontconfig sh -c "command -v fc-match"
need fonts-wqy-microhei sh -c "fc-list :lang=zh | grep -q ."
need libzbar0 sh -c "ldconfig -p | grep -q libzbar.so.0"
need poppler-utils sh -c "command -v pdftoppm"
# XLSX registers are written by libxlsxwriter (tracker/reports/lxw.py, through ctypes).
need libxlsxwriter4 sh -c "ldconfig -p | grep -q libxlsxwriter.so"
# The API documentation page is tested in a real (headless) browser.
need chromium sh -c "command -v chromium"
# Gateways over MQTT are tested against a real broker (scripts/mqtt-broker.sh starts it).
need mosquitto sh -c "command -v mosquitto || test -x /usr/sbin/mosquitto"

if [ -z "$missing" ]; then
  exit 0
fi
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages:$missing"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $cmd
else
  echo "Missing system packages:$missing" >&2
  echo "Install them as root with:" >&2
  echo "  sudo $cmd" >&2
  exit 1
fi
