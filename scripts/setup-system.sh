#!/usr/bin/env bash
# Debian packages the tests and benchmarks use: mosquitto (external-broker tests), poppler-utils
# (pdftotext baseline in `npm run bench`), openssl (TLS tests), chromium (dashboard test, driven by
# playwright-core). Installs only what is missing.
set -euo pipefail
need=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${need[*]}; install them with: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}"
# The package starts a mosquitto service on 1883 on some systems; the tests start their own on free ports.
