#!/usr/bin/env bash
# test.sh — install what the tests need, build, and run every test: the normal build, the same
# suite under ASan+UBSan, and each libFuzzer target for a short fixed budget.
#   scripts/test.sh              everything (what CI runs)
#   FUZZ_SECONDS=600 scripts/test.sh   longer fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh --test
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build and test (RelWithDebInfo)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs"

echo "== build and test under ASan+UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMAILTAP_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== fuzz each decoder for ${FUZZ_SECONDS:-20} s"
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DMAILTAP_FUZZ=ON \
	-DMAILTAP_LAB_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"$jobs"
for f in $(find build-fuzz -maxdepth 3 -type f -name "fuzz_*" -perm -u+x | sort); do
	[ -x "$f" ] || continue
	name=$(basename "$f")
	corpus=tests/fuzz/corpus/${name#fuzz_}
	work=$(mktemp -d)
	[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null || true
	echo "-- $name"
	"$f" -max_total_time="${FUZZ_SECONDS:-20}" -print_final_stats=1 "$work" 2>&1 | tail -n 3
	rm -rf "$work"
done
echo "== all tests passed"
