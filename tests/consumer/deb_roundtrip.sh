#!/usr/bin/env bash
# tests/consumer/deb_roundtrip.sh <source-dir> <work-dir> <cxx-compiler> [<compiler-launcher>]
# ctest consumer.deb_roundtrip: the Debian packages as a user gets them. Configures and builds the
# `deb` preset (cmake/offloadkitPackaging.cmake) in <work-dir>/build, makes the .debs with
# `cpack -G DEB` (what the deb package preset runs), checks their control fields, installs them with
# `dpkg -i`, builds the outside consumer (tests/consumer/find_package) against /usr with no prefix path, runs two installed tools
# (one reading its bundled data from /usr/share/offloadkit) from an empty directory, and removes the
# packages again (also when a step fails). Exit 77 (ctest: skipped, reason printed) when not root,
# or when offloadkit-dev/-tools are already installed on this machine (a developer's install is
# left alone rather than replaced and removed).
set -euo pipefail
src="$1"; work="$2"; cxx="$3"; launcher="${4:-}"

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: dpkg -i needs root (uid $(id -u)); run as root to test the .deb round trip"
  exit 77
fi
for tool in dpkg dpkg-deb dpkg-shlibdeps cpack; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool is not installed (scripts/deps test installs dpkg-dev)"
    exit 77
  fi
done
for pkg in offloadkit-dev offloadkit-tools; do
  status=$(dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null || true)
  if [[ "$status" == "install ok installed"* ]]; then
    echo "SKIP: $pkg is already installed on this machine (${status#install ok installed }); the round"
    echo "      trip would replace and then remove it. dpkg -r offloadkit-tools offloadkit-dev to run it."
    exit 77
  fi
done

fail() { echo "FAIL: $*" >&2; exit 1; }
build="$work/build"
rm -rf "$work"
mkdir -p "$work/empty"

# 1. The packages, made exactly as docs/packaging.md says (the deb preset), in a scratch build dir.
extra=()
[[ -n "$launcher" ]] && extra+=("-DCMAKE_CXX_COMPILER_LAUNCHER=$launcher")
cmake -S "$src" --preset deb -B "$build" "-DCMAKE_CXX_COMPILER=$cxx" "${extra[@]}" >"$work/configure.log" \
  || { cat "$work/configure.log"; fail "cmake --preset deb"; }
cmake --build "$build" -j2 >"$work/build.log" 2>&1 || { tail -50 "$work/build.log"; fail "building the deb preset"; }
(cd "$build" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$build/packages") >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log"; fail "cpack -G DEB"; }
version=$(sed -n 's/^project(offloadkit VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
dev_deb="$build/packages/offloadkit-dev_${version}-1_all.deb"
tools_deb=$(ls "$build/packages/offloadkit-tools_${version}-1_"*.deb 2>/dev/null | head -1)
[[ -f "$dev_deb" ]] || fail "no $dev_deb (have: $(ls "$build/packages"))"
[[ -n "$tools_deb" ]] || fail "no offloadkit-tools_${version}-1_<arch>.deb (have: $(ls "$build/packages"))"

# 2. Control fields: the version is project(VERSION), the dependencies are declared.
field() { dpkg-deb -f "$1" "$2"; }
[[ $(field "$dev_deb" Version) == "${version}-1" ]] || fail "offloadkit-dev Version $(field "$dev_deb" Version), expected ${version}-1"
[[ $(field "$dev_deb" Architecture) == all ]] || fail "offloadkit-dev Architecture $(field "$dev_deb" Architecture), expected all"
field "$dev_deb" Depends | grep -q 'libeigen3-dev' || fail "offloadkit-dev does not depend on libeigen3-dev"
field "$dev_deb" Depends | grep -q 'libxsimd-dev' || fail "offloadkit-dev does not depend on libxsimd-dev"
field "$dev_deb" Suggests | grep -q 'libopencv-dev' || fail "offloadkit-dev does not suggest libopencv-dev (onnx component)"
field "$tools_deb" Depends | grep -q 'libc6' || fail "offloadkit-tools has no dpkg-shlibdeps dependencies: $(field "$tools_deb" Depends)"
echo "offloadkit-dev $(field "$dev_deb" Version): Depends: $(field "$dev_deb" Depends)"
echo "offloadkit-tools $(field "$tools_deb" Version): Depends: $(field "$tools_deb" Depends)"

# 3. Install; from here on the packages are removed whatever happens.
remove() {
  dpkg -r offloadkit-tools offloadkit-dev >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; echo "FAIL: dpkg -r" >&2; }
}
trap remove EXIT
dpkg -i "$dev_deb" "$tools_deb" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "dpkg -i"; }
for f in /usr/include/offloadkit/offloadkit.hpp /usr/include/offloadkit/version.hpp \
         /usr/include/offloadkit/backends/onnx.hpp /usr/include/offloadkit/backends/tcp.hpp \
         /usr/share/cmake/offloadkit/offloadkitConfig.cmake /usr/share/cmake/offloadkit/offloadkit-onnx-targets.cmake \
         /usr/share/cmake/offloadkit/offloadkit-tcp-targets.cmake /usr/share/pkgconfig/offloadkit.pc \
         /usr/share/doc/offloadkit-dev/copyright /usr/bin/offloadkit-sim /usr/bin/offloadkit-approx \
         /usr/share/offloadkit/data/approxnet_table2a.csv /usr/share/doc/offloadkit-tools/copyright; do
  [[ -e "$f" ]] || fail "installed packages lack $f"
done

# 4. The outside consumer against /usr (found on CMake's default search path, no prefix given).
cmake -S "$src/tests/consumer/find_package" -B "$work/consumer" "-DCMAKE_CXX_COMPILER=$cxx" -DCMAKE_BUILD_TYPE=Release \
      "-DOFFLOADKIT_CONSUMER_MAIN=$src/tests/consumer/main.cpp" "-DOFFLOADKIT_EXPECTED_VERSION=$version" \
      -DOFFLOADKIT_EXPECTED_CONFIG_DIR=/usr/share/cmake/offloadkit -DOFFLOADKIT_EXPECTED_COMPONENTS="onnx;tcp" \
      >"$work/consumer.log" 2>&1 || { cat "$work/consumer.log"; fail "configuring the consumer against /usr"; }
cmake --build "$work/consumer" >>"$work/consumer.log" 2>&1 || { cat "$work/consumer.log"; fail "building the consumer"; }
"$work/consumer/consumer" || fail "the consumer built against /usr failed"
PKG_CONFIG_PATH= pkg-config --modversion offloadkit | grep -qx "$version" || fail "pkg-config --modversion offloadkit is not $version"

# 5. Installed tools, from an empty directory: nothing of the checkout is in reach.
cd "$work/empty"
out=$(/usr/bin/offloadkit-approx --scenario HH) || fail "offloadkit-approx --scenario HH exited $?"
grep -q '"scenario":"HH"' <<<"$out" || fail "offloadkit-approx printed no HH scenario: $out"
out=$(/usr/bin/offloadkit-sim --trace /usr/share/offloadkit/data/fashion_mnist_trace.csv --policy cbo) \
  || fail "offloadkit-sim on the installed trace exited $?"
grep -q '"frames":7000' <<<"$out" || fail "offloadkit-sim did not report 7000 frames: $out"
echo "installed tools ran; consumer built against /usr"

# 6. Removed: nothing of the packages is left.
trap - EXIT
remove
for f in /usr/include/offloadkit /usr/share/cmake/offloadkit /usr/bin/offloadkit-sim /usr/share/offloadkit; do
  [[ ! -e "$f" ]] || fail "$f is still there after dpkg -r"
done
echo "deb round trip ok: offloadkit-dev and offloadkit-tools ${version}-1 installed, used and removed"
