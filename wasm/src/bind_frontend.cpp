// JS bindings of the DSP front-end (JS API typed in wasm/cryscope_core.d.ts): Resampler, logMel,
// logMelPatches. Whole-clip functions copy in with one TypedArray.set and out with one slice.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <vector>

#include "cryscope/errors.hpp"
#include "cryscope/log_mel.hpp"
#include "cryscope/resampler.hpp"
#include "js_interop.hpp"

namespace cryscope::js {
namespace {

const LogMel& log_mel() {
  static const LogMel instance;  // mel matrix + window built once per module
  return instance;
}

// The hot path is split in two: C++ exposes integer-only methods (heap offsets and counts), and
// fast_paths.js (--post-js) builds the public process()/processInput()/flush() from them with
// HEAPF32.set / HEAPF32.slice. Why: each emval operation costs hundreds of ns in Embind 3.1.6;
// the val-based version spent 3–6 µs per 128-sample call — more than the resampling itself.
class ResamplerJs {
 public:
  explicit ResamplerJs(double rate) : resampler_(rate) {}

  /// Makes room for n input samples; returns their heap byte offset.
  std::size_t reserveInput(std::size_t n) {
    return guarded([&] { return staging_.reserve(n, "Resampler"); });
  }
  std::size_t inputCapacity() const { return staging_.capacity(); }

  /// Processes the first n staged samples; returns the number of output samples (see outputPtr).
  std::size_t processStaged(std::size_t n) {
    return guarded([&] {
      const float* in = staging_.first(n, "Resampler.processInput");
      output_.clear();
      resampler_.process(in, n, output_);
      return output_.size();
    });
  }

  std::size_t flushStaged() {
    return guarded([&] {
      output_.clear();
      resampler_.flush(output_);
      return output_.size();
    });
  }

  std::size_t outputPtr() const { return reinterpret_cast<std::size_t>(output_.data()); }
  void reset() { resampler_.reset(); }
  int inputRate() const { return resampler_.input_rate(); }
  int latencyInputSamples() const { return resampler_.latency_input_samples(); }

 private:
  Resampler resampler_;
  StagingBuffer staging_;
  std::vector<float> output_;
};

ResamplerJs* make_resampler(val rate) {
  return guarded([&] {
    if (!is_number(rate)) throw ConfigError("new Resampler(inputRate): inputRate must be a number (Hz)");
    return new ResamplerJs(rate.as<double>());
  });
}

val log_mel_js(const val& samples) {
  return map_samples(samples, "logMel", [](const std::vector<float>& in) {
    return log_mel().clip_log_mel(in.data(), in.size());
  });
}

val log_mel_patches_js(const val& samples) {
  return map_samples(samples, "logMelPatches", [](const std::vector<float>& in) {
    return log_mel().clip_patches(in.data(), in.size());
  });
}

}  // namespace
}  // namespace cryscope::js

EMSCRIPTEN_BINDINGS(cryscope_frontend) {
  using namespace emscripten;
  using cryscope::js::ResamplerJs;
  // process / inputBuffer / processInput / flush are defined in fast_paths.js on top of these.
  class_<ResamplerJs>("Resampler")
      .constructor(&cryscope::js::make_resampler, allow_raw_pointers())
      .function("_reserveInput", &ResamplerJs::reserveInput)
      .function("_inputCapacity", &ResamplerJs::inputCapacity)
      .function("_processStaged", &ResamplerJs::processStaged)
      .function("_flushStaged", &ResamplerJs::flushStaged)
      .function("_outputPtr", &ResamplerJs::outputPtr)
      .function("reset", &ResamplerJs::reset)
      .property("inputRate", &ResamplerJs::inputRate)
      .property("latencyInputSamples", &ResamplerJs::latencyInputSamples);
  function("logMel", &cryscope::js::log_mel_js);
  function("logMelPatches", &cryscope::js::log_mel_patches_js);
}
