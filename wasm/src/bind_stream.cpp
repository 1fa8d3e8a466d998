// JS bindings of the streaming front-end (JS API typed in wasm/cryscope_core.d.ts): StreamFrontEnd and
// normalizeWav2Vec2. The public push/pop/inputBuffer/pushInput live in fast_paths.js.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>
#include <utility>
#include <vector>

#include "cryscope/errors.hpp"
#include "cryscope/json.hpp"
#include "cryscope/stream_frontend.hpp"
#include "cryscope/wav2vec2_input.hpp"
#include "js_interop.hpp"

namespace cryscope::js {
namespace {

// Options are validated strictly (unknown keys rejected) before the core validates the ranges.
StreamFrontEndConfig parse_options(const val& options) {
  if (options.isUndefined() || options.isNull() || options.typeOf().as<std::string>() != "object") {
    throw ConfigError("new StreamFrontEnd(options): options must be an object with inputSampleRate (Hz)");
  }
  const json::Json o = json::parse(val::global("JSON").call<std::string>("stringify", options), "StreamFrontEnd options");
  json::reject_unknown_keys(o, "options", {"inputSampleRate", "yamnetHopSeconds", "wav2vec2WindowSeconds",
                                           "wav2vec2HopSeconds", "enableYamnet", "enableWav2vec2", "maxPendingSeconds"});
  StreamFrontEndConfig c;
  if (!o.contains("inputSampleRate")) throw ConfigError("options.inputSampleRate is required (Hz, 8000–96000)");
  c.input_sample_rate = json::require_number(o["inputSampleRate"], "options.inputSampleRate");
  if (o.contains("yamnetHopSeconds")) c.yamnet_hop_seconds = json::require_number(o["yamnetHopSeconds"], "options.yamnetHopSeconds");
  if (o.contains("wav2vec2WindowSeconds")) {
    c.wav2vec2_window_seconds = json::require_number(o["wav2vec2WindowSeconds"], "options.wav2vec2WindowSeconds");
  }
  if (o.contains("wav2vec2HopSeconds")) c.wav2vec2_hop_seconds = json::require_number(o["wav2vec2HopSeconds"], "options.wav2vec2HopSeconds");
  if (o.contains("maxPendingSeconds")) c.max_pending_seconds = json::require_number(o["maxPendingSeconds"], "options.maxPendingSeconds");
  auto flag = [&](const char* key, bool& out) {
    if (!o.contains(key)) return;
    if (!o[key].is_boolean()) throw ConfigError(std::string("options.") + key + ": expected true or false, got " + json::preview(o[key]));
    out = o[key].get<bool>();
  };
  flag("enableYamnet", c.enable_yamnet);
  flag("enableWav2vec2", c.enable_wav2vec2);
  return c;
}

// Integer-only hot path, wrapped by fast_paths.js (see ResamplerJs in bind_frontend.cpp for why).
class StreamFrontEndJs {
 public:
  explicit StreamFrontEndJs(const StreamFrontEndConfig& c) : fe_(c) {}

  std::size_t reserveInput(std::size_t n) {
    return guarded([&] { return staging_.reserve(n, "StreamFrontEnd"); });
  }
  std::size_t inputCapacity() const { return staging_.capacity(); }

  std::size_t pushStaged(std::size_t n) {
    return guarded([&] { return fe_.push(staging_.first(n, "StreamFrontEnd.pushInput"), n); });
  }

  /// Pops the next window into `window_`; returns false when none is ready.
  bool popStaged() {
    return guarded([&] {
      std::optional<AnalysisWindow> w = fe_.pop();
      if (!w) return false;
      window_ = std::move(*w);
      return true;
    });
  }
  std::string windowModel() const { return model_name(window_.model); }
  double windowStart() const { return window_.start; }
  double windowEnd() const { return window_.end; }
  std::size_t windowDataPtr() const { return reinterpret_cast<std::size_t>(window_.data.data()); }
  std::size_t windowDataLength() const { return window_.data.size(); }

  std::size_t flush() {
    return guarded([&] { return fe_.flush(); });
  }
  void reset() { fe_.reset(); }
  std::size_t pending() const { return fe_.pending(); }
  double streamSeconds() const { return fe_.stream_seconds(); }

 private:
  StreamFrontEnd fe_;
  StagingBuffer staging_;
  AnalysisWindow window_;
};

StreamFrontEndJs* make_stream_frontend(val options) {
  return guarded([&] { return new StreamFrontEndJs(parse_options(options)); });
}

val normalize_wav2vec2_js(const val& samples) {
  return map_samples(samples, "normalizeWav2Vec2", [](std::vector<float>& in) {
    normalize_wav2vec2(in.data(), in.size(), in.data());  // in place: no second buffer
    return std::move(in);
  });
}

}  // namespace
}  // namespace cryscope::js

EMSCRIPTEN_BINDINGS(cryscope_stream) {
  using namespace emscripten;
  using cryscope::js::StreamFrontEndJs;
  // push / inputBuffer / pushInput / pop are defined in fast_paths.js on top of these.
  class_<StreamFrontEndJs>("StreamFrontEnd")
      .constructor(&cryscope::js::make_stream_frontend, allow_raw_pointers())
      .function("_reserveInput", &StreamFrontEndJs::reserveInput)
      .function("_inputCapacity", &StreamFrontEndJs::inputCapacity)
      .function("_pushStaged", &StreamFrontEndJs::pushStaged)
      .function("_popStaged", &StreamFrontEndJs::popStaged)
      .function("_windowModel", &StreamFrontEndJs::windowModel)
      .function("_windowStart", &StreamFrontEndJs::windowStart)
      .function("_windowEnd", &StreamFrontEndJs::windowEnd)
      .function("_windowDataPtr", &StreamFrontEndJs::windowDataPtr)
      .function("_windowDataLength", &StreamFrontEndJs::windowDataLength)
      .function("flush", &StreamFrontEndJs::flush)
      .function("reset", &StreamFrontEndJs::reset)
      .property("pending", &StreamFrontEndJs::pending)
      .property("streamSeconds", &StreamFrontEndJs::streamSeconds);
  function("normalizeWav2Vec2", &cryscope::js::normalize_wav2vec2_js);
}
