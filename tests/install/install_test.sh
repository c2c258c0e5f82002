#!/usr/bin/env bash
# install_test.sh BUILD_DIR WORK_DIR: installs the build into WORK_DIR/prefix, checks that both
# executables are in bin/, then configures, builds and runs tests/install/consumer against the
# installed package (find_package(nsxv_sim)). Fails with the step that failed.
set -euo pipefail
build=$1
work=$2
src=$(cd "$(dirname "$0")" && pwd)/consumer
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" ||
  { cat "$work/install.log"; echo "install_test: cmake --install failed" >&2; exit 1; }
for exe in nsxv-md fake-nsxv; do
  [ -x "$work/prefix/bin/$exe" ] || { echo "install_test: $exe not installed in bin/" >&2; exit 1; }
done
"$work/prefix/bin/nsxv-md" --help >/dev/null
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$src" -B "$work/consumer" "${generator[@]}" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; echo "install_test: consumer configure failed" >&2; exit 1; }
cmake --build "$work/consumer" >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; echo "install_test: consumer build failed" >&2; exit 1; }
"$work/consumer/consumer"
rm -rf "$work/prefix"  # hundreds of MB of static libraries with debug info
