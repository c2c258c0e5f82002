#!/usr/bin/env bash
# One entry point for people and CI. On a fresh Debian 12 machine (as root) it installs the
# missing Debian packages, configures and builds, then:
#   ./setup.sh demo   runs the main job on the embedded fake NSX-v manager
#   ./setup.sh test   runs the whole test suite: the layering check, release build + ctest (with
#                     the install + consumer-project test), ASan+UBSan and TSan builds running
#                     the concurrency tests, the libFuzzer targets for a bounded time, the scenario
#                     checks, a benchmark smoke pass and the .deb packages
#   ./setup.sh build  only installs and builds (release preset, build/bin/)
set -euo pipefail
cd "$(dirname "$0")"

# libclang-rt-14-dev: the libFuzzer runtime of Debian 12's clang (only recommended by clang).
PACKAGES=(build-essential cmake ninja-build ccache clang libclang-rt-14-dev libboost1.81-dev libssl-dev
  nlohmann-json3-dev libsqlite3-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  libcli11-dev libspdlog-dev dpkg-dev file libmariadb-dev mariadb-server nginx wrk curl)
JOBS=$(nproc 2>/dev/null || echo 2)
# Tests that use several threads; the sanitizer builds run these. The MariaDB variants are left
# out there: Connector/C is not instrumented and one of them forks a threaded process; the same
# logic runs instrumented on SQLite.
CONCURRENCY_FILTER='*Concurren*:*Https*:*Server*:*Threads*-*Mariadb*:*Mysql*'

log() { printf '== %s\n' "$*" >&2; }

# ccache: paths relative to the checkout, so a fresh clone elsewhere (CI) hits the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup.sh: missing packages ${missing[*]}; run as root" >&2; exit 2; }
    sudo=(sudo)
  fi
  log "installing ${missing[*]}"
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {  # build PRESET [TARGET...]
  local preset=$1
  shift
  log "configure + build ($preset)"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$JOBS" ${1:+--target "$@"}
}

list_tests() {  # list_tests BINARY: the tests CONCURRENCY_FILTER selects, one Suite.Test a line
  "$1" --gtest_list_tests --gtest_filter="$CONCURRENCY_FILTER" |
    awk '/^[^ ]/ && !/^Running/ { suite = $1 } /^  / { print suite $1 }' | sort
}

# The sanitizer builds compile only the test files named in NSXV_CONCURRENCY_TEST_SOURCES
# (tests/CMakeLists.txt); first, that binary must list exactly the tests the filter selects in the
# release build's nsxv_tests.
run_sanitized() {  # run_sanitized PRESET
  local preset=$1 want have
  build "$preset" nsxv_concurrency_tests
  want=$(list_tests build/bin/nsxv_tests)
  have=$(list_tests "build/$preset/bin/nsxv_concurrency_tests")
  if [ "$want" != "$have" ]; then
    echo "setup.sh: nsxv_concurrency_tests lacks concurrency tests of nsxv_tests; name their files" \
      "in NSXV_CONCURRENCY_TEST_SOURCES (tests/CMakeLists.txt):" >&2
    diff <(echo "$want") <(echo "$have") >&2 || true
    exit 1
  fi
  log "concurrency tests under $preset"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    "build/$preset/bin/nsxv_concurrency_tests" --gtest_filter="$CONCURRENCY_FILTER" --gtest_brief=1
}

# libFuzzer (docs/fuzzing.md): every target of tests/fuzz under ASan+UBSan for FUZZ_SECONDS each,
# on a copy of its seed corpus in build/fuzz/corpus/ (the repository's corpus is never written).
# A crash, sanitizer report, timeout (-timeout) or memory blow-up (-rss_limit_mb) fails the run and
# names the input that reproduces it.
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
fuzz_targets() {
  build fuzz
  local src t corpus findings log dict
  for src in tests/fuzz/*_fuzz.cc; do
    t=$(basename "$src" _fuzz.cc)
    corpus=build/fuzz/corpus/$t findings=build/fuzz/findings/$t log=build/fuzz/$t.log
    rm -rf "$corpus" "$findings"
    mkdir -p "$corpus" "$findings"
    cp tests/fuzz/corpus/"$t"/* "$corpus"/
    dict=()
    [ -f tests/fuzz/"$t".dict ] && dict=(-dict=tests/fuzz/"$t".dict)
    log "fuzz_$t for ${FUZZ_SECONDS}s (ASan+UBSan)"
    if ! UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 build/fuzz/bin/fuzz_"$t" "$corpus" \
      "${dict[@]}" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$findings"/ -print_final_stats=1 >"$log" 2>&1; then
      tail -n 60 "$log" >&2
      for f in "$findings"/*; do
        [ -e "$f" ] && echo "setup.sh: fuzz_$t finding: $f (replay: build/fuzz/bin/fuzz_$t $f)" >&2
      done
      exit 1
    fi
    awk -v t="fuzz_$t" '/^#[0-9]+/ && / cov: / { last = $0 }
      /stat::number_of_executed_units/ { runs = $2 } /stat::average_exec_per_sec/ { rate = $2 }
      END { match(last, /cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/)
            print "== " t ": " runs " runs, " rate " exec/s, " substr(last, RSTART, RLENGTH) }' \
      "$log" >&2
  done
}

# The scenario library beyond ctest: determinism of the concurrency scenarios (20 repeats, same
# normalized report), the swarm, the crash sweep (real SIGKILLs, about 100 crash points, 1-2
# minutes), the library with process nodes, and the whole library under TSan.
scenario_checks() {
  log "concurrency scenarios, 20 repeats each (normalized reports must be identical)"
  build/bin/nsxv-md scenario run scenarios/library --tag concurrency --repeat 20 >build/scenario-repeat.txt ||
    { tail -n 40 build/scenario-repeat.txt; exit 1; }
  tail -n 1 build/scenario-repeat.txt >&2
  log "swarm: 500 seeds"
  build/bin/nsxv-md scenario swarm --seeds 1..500 --out build/swarm-failures --jobs "$JOBS" \
    >build/swarm.txt || { grep -v '^PASS' build/swarm.txt | tail -n 40; exit 1; }
  tail -n 1 build/swarm.txt >&2
  log "crash sweep: SIGKILL at every request of init, router create/delete, network create"
  build/bin/nsxv-md scenario crash-sweep >build/crash-sweep.txt ||
    { grep -v '^PASS' build/crash-sweep.txt | tail -n 40; exit 1; }
  tail -n 1 build/crash-sweep.txt >&2
  build/bin/nsxv-md scenario crash-sweep --soak 1 --kills 50 >&2
  log "scenario library with every node in a child process (--process-nodes)"
  build/bin/nsxv-md scenario run scenarios/library --process-nodes >build/scenario-process.txt ||
    { grep -v '^PASS' build/scenario-process.txt | tail -n 40; exit 1; }
  tail -n 1 build/scenario-process.txt >&2
  build tsan nsxv-md
  log "scenario library under tsan"
  TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
    build/tsan/bin/nsxv-md scenario run scenarios/library >build/scenario-tsan.txt ||
    { grep -v '^PASS' build/scenario-tsan.txt | tail -n 40; exit 1; }
  tail -n 1 build/scenario-tsan.txt >&2
}

# Scenarios on MariaDB (docs/store-engines.md): the whole library once with in-process nodes, then
# the concurrency scenarios with every node in a child process (--process-nodes: separate
# processes, each its own lock directory, sharing only the database, the GET_LOCK coordinator and
# the fake), 3 repeats each (normalized reports must be identical). Each command runs its own
# private server (a fresh database per run).
mariadb_scenarios() {
  log "scenario library on MariaDB (--store mariadb)"
  build/bin/nsxv-md scenario run scenarios/library --store mariadb >build/scenario-mariadb.txt ||
    { grep -v '^PASS' build/scenario-mariadb.txt | tail -n 40; exit 1; }
  tail -n 1 build/scenario-mariadb.txt >&2
  log "concurrency scenarios on MariaDB, nodes as processes, 3 repeats each"
  build/bin/nsxv-md scenario run scenarios/library --tag concurrency --process-nodes \
    --store mariadb --repeat 3 >build/scenario-mariadb-repeat.txt ||
    { grep -v '^PASS' build/scenario-mariadb-repeat.txt | tail -n 40; exit 1; }
  tail -n 1 build/scenario-mariadb-repeat.txt >&2
}

# The Debian packages (CPack): nsxv-sim and nsxv-sim-dev in build/pkg/.
package_debs() {
  log "Debian packages (cpack)"
  rm -rf build/pkg
  cpack --config build/CPackConfig.cmake -B build/pkg >build/cpack.log ||
    { cat build/cpack.log; exit 1; }
  for deb in build/pkg/*.deb; do
    log "$(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
  done
}

bench_smoke() {
  log "benchmark smoke pass"
  for b in build/bin/*_bench; do
    [ -x "$b" ] || continue
    "$b" --benchmark_min_time=0.01 --benchmark_format=console >/dev/null
    log "$(basename "$b") ok"
  done
  log "edge-setup quick sweep (nsxv-md bench --quick; report in build/bench-report/)"
  build/bin/nsxv-md bench --quick --out build/bench-report >/dev/null
  log "edge-setup quick sweep in process, SQLite and MariaDB side by side (build/bench-mariadb/)"
  local url
  url=$(tests/test_util/mariadb_server.sh start build/mariadb-bench)
  build/bin/nsxv-md bench --quick --backend inprocess --store sqlite --store "$url" \
    --out build/bench-mariadb >/dev/null ||
    { tests/test_util/mariadb_server.sh stop build/mariadb-bench; exit 1; }
  tests/test_util/mariadb_server.sh stop build/mariadb-bench
  log "fake-nsxv against nginx, GET edge (bench/fake_vs_nginx.sh, 1 s per side)"
  bench/fake_vs_nginx.sh --seconds 1 --rounds 1 >&2
}

case "${1:-}" in
  demo)
    install_packages
    build release nsxv-md
    exec build/bin/nsxv-md demo
    ;;
  build)
    install_packages
    build release
    ;;
  test)
    install_packages
    log "layering check (.ci/check-layers)"
    .ci/check-layers
    build release
    bench_smoke
    run_sanitized asan
    run_sanitized tsan
    fuzz_targets
    scenario_checks
    package_debs
    log "full test suite (release)"
    ctest --test-dir build --output-on-failure -j "$JOBS"
    # The store tests run on both engines by themselves (a private MariaDB server per test
    # process); the plugin and metadata-proxy fixtures take the engine from the environment.
    log "plugin and metadata-proxy suites on MariaDB (NSXV_TEST_STORE=mariadb)"
    NSXV_TEST_STORE=mariadb build/bin/nsxv_tests --gtest_brief=1 \
      --gtest_filter='PluginTest.*:PluginFailMatrixTest.*:MdProxy*:InvariantsTest.*'
    mariadb_scenarios
    ;;
  *)
    echo "usage: $0 demo|test|build" >&2
    exit 2
    ;;
esac
