#!/usr/bin/env bash
# core: runs the C++ core's tests and prints its figures.
#  1. builds build/native (incremental; full setup if missing)
#  2. (re)generates the front-end parity fixtures in build/reference/ with TensorFlow when missing
#     or outdated (models/tools/frontend_reference.py, venv from scripts/core-setup.sh)
#  3. ctest (parity fixtures required), then prints the parity / stop-band figures
#  4. GoogleTest again under AddressSanitizer + UndefinedBehaviorSanitizer (build/asan, clang)
#  5. libFuzzer smoke (build/fuzz), bounded time: fuzz_stream (streaming front-end) then
#     fuzz_decider (fusion JSON + Decider updates/flush/reset)
#  6. Google Benchmark, briefly: per-second-of-audio cost; BENCH_JSON kept in build/bench/native.json
# Env: CRYSCOPE_FUZZ_SECONDS (fuzz_stream, default 30), CRYSCOPE_FUZZ_DECIDER_SECONDS (default 20), CRYSCOPE_BENCH_MIN_TIME (default 0.3),
#      CRYSCOPE_SKIP_SANITIZERS=1, CRYSCOPE_SKIP_FUZZ=1, CRYSCOPE_SKIP_BENCH=1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

BUILD="$ROOT/build/native"
REF_DIR="$ROOT/build/reference"
REQ="$ROOT/models/tools/requirements-reference.txt"
GEN="$ROOT/models/tools/frontend_reference.py"
VENV="$CRYSCOPE_CACHE/venv-reference-$(sha256sum "$REQ" | cut -c1-12)"

if [ ! -f "$BUILD/build.ninja" ] || [ ! -f "$VENV/.complete" ]; then
  bash "$ROOT/scripts/core-setup.sh"
fi
log "core: build native"
cmake --build "$BUILD" -j 2

# Same hash as frontend_reference.py's stamp(): generator, requirements, clip manifest, shared npz.
want_stamp="$(cat "$GEN" "$REQ" "$CRYSCOPE_SHARED/data/MANIFEST.csv" \
  "$CRYSCOPE_SHARED/weights/yamnet/yamnet_frontend_reference.npz" | sha256sum | cut -d' ' -f1)"
have_stamp="$(cat "$REF_DIR/STAMP" 2>/dev/null || true)"
if [ "$want_stamp" != "$have_stamp" ]; then
  log "core: generating front-end references with TensorFlow → $REF_DIR"
  "$VENV/bin/python" "$GEN" --shared "$CRYSCOPE_SHARED" --out "$REF_DIR"
fi
export CRYSCOPE_REFERENCE_DIR="$REF_DIR" CRYSCOPE_REQUIRE_REFERENCE=1

log "core: ctest"
(cd "$BUILD" && ctest --output-on-failure -j 2 --timeout 300)

log "core: parity and filter figures"
"$BUILD/tests/core/cryscope_tests" --gtest_brief=1 \
  --gtest_filter='LogMelParity.*:Wav2Vec2InputParity.*:Resampler.StopBand*' | grep -E '^(PARITY|worst|mel matrix)'

if [ "${CRYSCOPE_SKIP_SANITIZERS:-0}" != 1 ]; then
  log "core: GoogleTest under ASan+UBSan (build/asan)"
  cmake -G Ninja -S "$ROOT" -B "$ROOT/build/asan" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCRYSCOPE_SANITIZE=address,undefined -DCRYSCOPE_BUILD_BENCHMARKS=OFF -DCRYSCOPE_BUILD_FUZZERS=OFF >/dev/null
  cmake --build "$ROOT/build/asan" -j 2
  (cd "$ROOT/build/asan" && ctest --output-on-failure -j 2 --timeout 600)
fi

if [ "${CRYSCOPE_SKIP_FUZZ:-0}" != 1 ]; then
  FUZZ="$ROOT/build/fuzz"
  log "core: libFuzzer smoke (fuzz_stream ${CRYSCOPE_FUZZ_SECONDS:-30} s, fuzz_decider ${CRYSCOPE_FUZZ_DECIDER_SECONDS:-20} s)"
  cmake -G Ninja -S "$ROOT" -B "$FUZZ" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCRYSCOPE_BUILD_TESTS=OFF -DCRYSCOPE_BUILD_BENCHMARKS=OFF -DCRYSCOPE_BUILD_FUZZERS=ON >/dev/null
  cmake --build "$FUZZ" -j 2
  rm -rf "$FUZZ/artifacts" "$FUZZ/seeds"
  mkdir -p "$FUZZ/artifacts"
  python3 "$ROOT/tests/fuzz/make_seeds.py" "$FUZZ/seeds" >/dev/null
  # corpus/<target> collects what the fuzzer finds (kept between runs); seeds/<name> are
  # deterministic starting programs.
  run_fuzzer() {  # target, seeds subfolder, seconds, max input length
    mkdir -p "$FUZZ/corpus/$1"
    "$FUZZ/tests/fuzz/$1" -max_total_time="$3" -max_len="$4" \
      -artifact_prefix="$FUZZ/artifacts/$1-" -print_final_stats=1 \
      "$FUZZ/corpus/$1" "$FUZZ/seeds/$2" 2>&1 |
      grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)|ERROR|SUMMARY' | sed "s/^/$1: /" || true
  }
  run_fuzzer fuzz_stream stream "${CRYSCOPE_FUZZ_SECONDS:-30}" 49152
  run_fuzzer fuzz_decider decider "${CRYSCOPE_FUZZ_DECIDER_SECONDS:-20}" 4096
  # grep swallows the fuzzers' exit status: a crash leaves an artifact, which fails the run.
  if ls "$FUZZ/artifacts/" 2>/dev/null | grep -q .; then
    echo "fuzzer found a failing input: $(ls "$FUZZ/artifacts/")" >&2
    exit 1
  fi
fi

if [ "${CRYSCOPE_SKIP_BENCH:-0}" != 1 ]; then
  log "core: benchmarks (native)"
  mkdir -p "$ROOT/build/bench"
  "$BUILD/core/bench/cryscope_bench" --benchmark_min_time="${CRYSCOPE_BENCH_MIN_TIME:-0.3}" --benchmark_color=false |
    tee "$ROOT/build/bench/native.txt"
  grep '^BENCH_JSON ' "$ROOT/build/bench/native.txt" | sed 's/^BENCH_JSON //' > "$ROOT/build/bench/native.json"
fi
log "core: tests passed"
