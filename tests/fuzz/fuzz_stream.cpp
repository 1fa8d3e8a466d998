// libFuzzer target over the streaming front-end API. The input bytes are a little program:
// a header picks the input rate and the config (valid or not), then opcodes push chunks of raw
// float bits (so NaN, Inf, denormals and huge values all occur), pop, flush and reset.
// Every failure must be a cryscope::Error; anything else (crash, UB, other exception, a
// non-finite or wrongly sized window) aborts and libFuzzer reports it.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "cryscope/errors.hpp"
#include "fuzz_input.hpp"
#include "cryscope/log_mel.hpp"
#include "cryscope/resampler.hpp"
#include "cryscope/stream_frontend.hpp"
#include "cryscope/wav2vec2_input.hpp"

namespace {

using cryscope_fuzz::check;
using cryscope_fuzz::Reader;

void check_window(const cryscope::AnalysisWindow& w, const cryscope::StreamFrontEnd& fe) {
  check(w.end >= w.start);
  if (w.model == cryscope::WindowModel::Yamnet) {
    check(w.data.size() == static_cast<std::size_t>(cryscope::yamnet::kPatchSize));
  } else {
    check(w.data.size() >= static_cast<std::size_t>(cryscope::StreamFrontEnd::kMinWav2vec2Samples));
    check(w.data.size() <= fe.wav2vec2_window_samples());
  }
  for (float v : w.data) check(std::isfinite(v));
}

const double kRates[] = {8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 44101, 7999, 96001, 0};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Reader in(data, size);
  cryscope::StreamFrontEndConfig c;
  const std::uint8_t rate_sel = in.byte();
  c.input_sample_rate = rate_sel < 240 ? kRates[rate_sel % 12] : static_cast<double>(in.u32() % 200000);
  const std::uint8_t flags = in.byte();
  c.enable_yamnet = flags & 1;
  c.enable_wav2vec2 = flags & 2;
  if (flags & 4) c.yamnet_hop_seconds = in.byte() / 200.0;
  if (flags & 8) c.wav2vec2_window_seconds = in.byte() / 10.0;
  if (flags & 16) c.wav2vec2_hop_seconds = in.byte() / 50.0;
  c.max_pending_seconds = (flags & 32) ? 20.0 : 60.0;

  try {
    cryscope::StreamFrontEnd fe(c);
    std::vector<float> chunk;
    while (!in.empty()) {
      const std::uint8_t op = in.byte();
      try {
        switch (op % 8) {
          case 0: case 1: case 2: case 3: {  // push: length then raw floats (short input → zeros)
            const std::size_t n = (static_cast<std::size_t>(in.byte()) << 4) | (op >> 4);
            chunk.resize(n);
            const bool raw = op & 8;
            for (auto& v : chunk) v = raw ? in.f32() : static_cast<float>(static_cast<std::int8_t>(in.byte())) / 128.0f;
            const std::size_t ready = fe.push(chunk);
            check(ready == fe.pending());
            break;
          }
          case 4: case 5:
            if (auto w = fe.pop()) check_window(*w, fe);
            break;
          case 6:
            fe.flush();
            while (auto w = fe.pop()) check_window(*w, fe);
            break;
          case 7:
            fe.reset();
            check(fe.pending() == 0);
            break;
        }
      } catch (const cryscope::Error&) {
        // Rejected input (NaN/Inf, backlog cap, push after flush): the stream must stay usable.
      }
    }
    fe.flush();
    while (auto w = fe.pop()) check_window(*w, fe);
  } catch (const cryscope::ConfigError&) {
    // Invalid configuration: a clear error is the expected outcome.
  }

  // The stateless units on the same bytes.
  try {
    std::vector<float> x(size / 4);
    if (!x.empty()) std::memcpy(x.data(), data, x.size() * 4);
    cryscope::LogMel lm;
    const auto mel = lm.clip_log_mel(x.data(), x.size());
    for (float v : mel) check(std::isfinite(v));
    const auto norm = cryscope::normalize_wav2vec2(x.data(), x.size());
    for (float v : norm) check(std::isfinite(v));
  } catch (const cryscope::Error&) {
  }
  return 0;
}
