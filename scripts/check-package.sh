#!/usr/bin/env bash
# Checks `cmake --install`, then builds the Debian package from a configured and built build directory with cpack and checks it
# (README.md, "Install"): its name, version and Depends, the files it holds (dpkg-deb -c), and
# that the packaged binary runs. Run by ctest as `package.deb`.
#
#   scripts/check-package.sh [BUILD_DIR]      (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath "${1:-build}")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

fail() {
  echo "check-package: FAIL: $*" >&2
  exit 1
}

# cmake --install: the binary and the docs under any prefix.
cmake --install "$build_dir" --prefix "$out/prefix" >/dev/null
[[ -x $out/prefix/bin/pgfleet ]] || fail "cmake --install did not install bin/pgfleet"
[[ -f $out/prefix/share/doc/pgfleet/README.md ]] || fail "cmake --install did not install the docs"

cpack --config "$build_dir/CPackConfig.cmake" -G DEB -B "$out" >"$out/cpack.log" 2>&1 ||
  { cat "$out/cpack.log" >&2; fail "cpack could not build the package"; }
debs=("$out"/pgfleet_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "expected one pgfleet_*.deb in $out"
deb=${debs[0]}
echo "check-package: built $(basename "$deb")"

version=$(sed -n 's/^project(pgfleet VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[[ $(dpkg-deb -f "$deb" Package) == pgfleet ]] || fail "Package is not pgfleet"
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "Version is not $version"
depends=$(dpkg-deb -f "$deb" Depends)
echo "check-package: Depends: $depends"
for lib in libpq5 libcurl4 libssl3 libfmt9 libstdc++6 libc6; do
  [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib"
done

contents=$(dpkg-deb -c "$deb")
grep -Eq '^-rwxr-xr-x .* \./usr/bin/pgfleet$' <<<"$contents" || fail "no executable ./usr/bin/pgfleet"
grep -q '\./usr/share/doc/pgfleet/README.md$' <<<"$contents" || fail "no README.md in the docs"
# Nothing of the build's insides: no library, header, test or benchmark.
if grep -Eq '\.a$|/include/|unit_tests|integration_tests|bench_' <<<"$contents"; then
  fail "the package holds build files: $(grep -E '\.a$|/include/|unit_tests|integration_tests|bench_' <<<"$contents")"
fi

dpkg-deb -x "$deb" "$out/root"
if readelf -S "$out/root/usr/bin/pgfleet" | grep -q '\.debug_info'; then
  fail "the packaged binary is not stripped"
fi
[[ $("$out/root/usr/bin/pgfleet" --version) == "pgfleet $version" ]] ||
  fail "the packaged binary does not say 'pgfleet $version'"
echo "check-package: ok"
