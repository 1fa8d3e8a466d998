#!/usr/bin/env bash
# Installs the Debian packages every part of cryscope needs. Idempotent; skips apt when all are present.
set -euo pipefail
PKGS=(build-essential cmake ninja-build pkg-config git curl ca-certificates
      emscripten libkissfft-dev libbenchmark-dev googletest nlohmann-json3-dev libgtest-dev
      clang libclang-rt-14-dev chromium postgresql sox flac python3-venv)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "[setup-system] installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "[setup-system] all Debian packages present"
fi
