#!/usr/bin/env bash
# Installs everything pgfleet needs to build and test on Debian 12 (run as root or with sudo).
# Safe to run again: apt-get skips what is already installed.
#
#   scripts/install-deps.sh              build and test (scratch PostgreSQL, PgBouncer, kubectl, ...)
#   scripts/install-deps.sh --build-only only what building needs (deploy/Dockerfile uses it)
# chromium renders report.html in the test suite (tests/integration/test_report_cli.cpp).
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache
  libpqxx-dev libpq-dev libcli11-dev nlohmann-json3-dev libfmt-dev catch2
  libcurl4-openssl-dev libssl-dev python3
)
if [[ ${1:-} != --build-only ]]; then
  # openssl makes the self-signed certificate of the TLS test cluster (scripts/lib/scratch-pg.sh).
  packages+=(postgresql-15 postgresql-client-15 pgbouncer libnss-wrapper clang-format chromium
    openssl)
  # kubectl decodes deploy/kubernetes/job.yaml offline (scripts/check-manifest.py). Debian 12 has
  # it as kubernetes-client (1.20); a kubectl already installed (e.g. Kubernetes' own) is kept.
  if ! command -v kubectl >/dev/null; then
    packages+=(kubernetes-client)
  fi
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  sudo_cmd=(sudo)
fi

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
