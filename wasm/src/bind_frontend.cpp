// JS bindings of the DSP front-end (contract "WASM core JS API"): Resampler, logMel,
// logMelPatches. Inputs are copied into the heap with one TypedArray.set; for the streaming
// classes a zero-copy path is offered: write into `inputBuffer(n)` (a Float32Array view on the
// WASM heap, valid until the next call into the module) and call `processInput(n)`.
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

class ResamplerJs {
 public:
  explicit ResamplerJs(double rate) : resampler_(rate) {}

  val process(const val& chunk) {
    return guarded([&] {
      copy_samples(chunk, "Resampler.process", input_);
      return run(input_.data(), input_.size());
    });
  }

  // Zero-copy input: a view on a heap buffer of n samples for the caller to fill.
  val inputBuffer(std::size_t n) {
    return guarded([&] {
      if (n > kMaxInputSamples) throw CapacityError("Resampler.inputBuffer: " + std::to_string(n) + " samples is too many");
      staging_.resize(n);
      return val(emscripten::typed_memory_view(staging_.size(), staging_.data()));
    });
  }

  val processInput(std::size_t n) {
    return guarded([&] {
      if (n > staging_.size()) {
        throw ShapeError("Resampler.processInput: n = " + std::to_string(n) + " exceeds inputBuffer size " +
                         std::to_string(staging_.size()));
      }
      return run(staging_.data(), n);
    });
  }

  val flush() {
    return guarded([&] {
      output_.clear();
      resampler_.flush(output_);
      return to_float32_array(output_.data(), output_.size());
    });
  }

  void reset() { resampler_.reset(); }
  int inputRate() const { return resampler_.input_rate(); }
  int latencyInputSamples() const { return resampler_.latency_input_samples(); }

 private:
  val run(const float* data, std::size_t n) {
    output_.clear();
    resampler_.process(data, n, output_);
    return to_float32_array(output_.data(), output_.size());
  }

  Resampler resampler_;
  std::vector<float> input_, staging_, output_;
};

ResamplerJs* make_resampler(val rate) {
  return guarded([&] {
    if (!is_number(rate)) throw ConfigError("new Resampler(inputRate): inputRate must be a number (Hz)");
    return new ResamplerJs(rate.as<double>());
  });
}

val log_mel_js(const val& samples) {
  return guarded([&] {
    std::vector<float> in;
    copy_samples(samples, "logMel", in);
    const std::vector<float> out = log_mel().clip_log_mel(in.data(), in.size());
    return to_float32_array(out.data(), out.size());
  });
}

val log_mel_patches_js(const val& samples) {
  return guarded([&] {
    std::vector<float> in;
    copy_samples(samples, "logMelPatches", in);
    const std::vector<float> out = log_mel().clip_patches(in.data(), in.size());
    return to_float32_array(out.data(), out.size());
  });
}

}  // namespace
}  // namespace cryscope::js

EMSCRIPTEN_BINDINGS(cryscope_frontend) {
  using namespace emscripten;
  using cryscope::js::ResamplerJs;
  class_<ResamplerJs>("Resampler")
      .constructor(&cryscope::js::make_resampler, allow_raw_pointers())
      .function("process", &ResamplerJs::process)
      .function("inputBuffer", &ResamplerJs::inputBuffer)
      .function("processInput", &ResamplerJs::processInput)
      .function("flush", &ResamplerJs::flush)
      .function("reset", &ResamplerJs::reset)
      .property("inputRate", &ResamplerJs::inputRate)
      .property("latencyInputSamples", &ResamplerJs::latencyInputSamples);
  function("logMel", &cryscope::js::log_mel_js);
  function("logMelPatches", &cryscope::js::log_mel_patches_js);
}
