// Benchmark workloads shared by the native benchmark (core/bench/bench_main.cpp) and the WASM
// benchmark (wasm/, Node): both run exactly these, under these names, so their figures can be
// divided into a WASM/native ratio.
//
// Input signal (both sides must generate it identically): xorshift32 noise,
//   s = seed (1); per sample: s ^= s << 13; s ^= s >> 17; s ^= s << 5   (uint32 arithmetic)
//   x = float32(0.5 · (s / 4294967295 · 2 − 1))
// generated at the workload's input rate for `audio_seconds`, then fed in `chunk` samples per call
// (0 = the whole buffer in one call).
//
// Output: one line `BENCH_JSON {"suite":"native"|"wasm","workloads":{"<name>":{"ns_per_audio_second":N,
//   "realtime_factor":R,"audio_seconds":S},...}}` where realtime_factor = compute time / audio time
// (0.01 = 100× faster than real time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cryscope_bench {

enum class Stage {
  Resample,        ///< Resampler(input_rate).process per chunk, then flush
  LogMel,          ///< LogMel::clip_log_mel on the whole buffer (16 kHz)
  Normalize,       ///< normalize_wav2vec2 on consecutive 2 s windows (16 kHz)
  StreamFrontEnd,  ///< StreamFrontEnd(default config) push per chunk + pop every ready window
};

struct Workload {
  const char* name;
  Stage stage;
  int input_rate;        ///< Hz
  double audio_seconds;  ///< s of audio per iteration
  std::size_t chunk;     ///< samples per call; 0 = all at once
};

inline const std::vector<Workload>& workloads() {
  static const std::vector<Workload> w = {
      {"resample_48k_to_16k", Stage::Resample, 48000, 10.0, 128},
      {"resample_44k1_to_16k", Stage::Resample, 44100, 10.0, 128},
      {"log_mel_16k", Stage::LogMel, 16000, 10.0, 0},
      {"normalize_wav2vec2_2s", Stage::Normalize, 16000, 10.0, 32000},
      {"stream_frontend_48k", Stage::StreamFrontEnd, 48000, 10.0, 128},
      {"stream_frontend_16k", Stage::StreamFrontEnd, 16000, 10.0, 128},
  };
  return w;
}

inline std::vector<float> workload_signal(std::size_t n, std::uint32_t seed = 1) {
  std::vector<float> x(n);
  std::uint32_t s = seed;
  for (std::size_t i = 0; i < n; ++i) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    x[i] = static_cast<float>(0.5 * (static_cast<double>(s) / 4294967295.0 * 2.0 - 1.0));
  }
  return x;
}

}  // namespace cryscope_bench
