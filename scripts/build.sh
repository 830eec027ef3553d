#!/usr/bin/env bash
# Configures build/ (optimised, warnings as errors) and builds everything.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${PGFLEET_BUILD_DIR:-build}
cmake_args=(-S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPGFLEET_WERROR=ON)
if command -v ccache >/dev/null; then
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
  cmake_args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

cmake "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
