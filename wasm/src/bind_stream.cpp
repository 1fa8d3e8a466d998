// JS bindings of the streaming front-end (contract "WASM core JS API"): StreamFrontEnd and
// normalizeWav2Vec2. Zero-copy input: `inputBuffer(n)` returns a Float32Array view on a heap
// buffer; fill it and call `pushInput(n)`. The view is invalidated by any other call into the
// module (memory growth detaches it), so fetch it right before each use.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>
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
  json::reject_unknown_keys(o, "options", {"inputSampleRate", "yamnetHopSeconds", "wav2vecWindowSeconds",
                                           "wav2vecHopSeconds", "enableYamnet", "enableWav2vec2", "maxPendingSeconds"});
  StreamFrontEndConfig c;
  if (!o.contains("inputSampleRate")) throw ConfigError("options.inputSampleRate is required (Hz, 8000–96000)");
  c.input_sample_rate = json::require_number(o["inputSampleRate"], "options.inputSampleRate");
  if (o.contains("yamnetHopSeconds")) c.yamnet_hop_seconds = json::require_number(o["yamnetHopSeconds"], "options.yamnetHopSeconds");
  if (o.contains("wav2vecWindowSeconds")) {
    c.wav2vec_window_seconds = json::require_number(o["wav2vecWindowSeconds"], "options.wav2vecWindowSeconds");
  }
  if (o.contains("wav2vecHopSeconds")) c.wav2vec_hop_seconds = json::require_number(o["wav2vecHopSeconds"], "options.wav2vecHopSeconds");
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

class StreamFrontEndJs {
 public:
  explicit StreamFrontEndJs(const StreamFrontEndConfig& c) : fe_(c) {}

  std::size_t push(const val& chunk) {
    return guarded([&] {
      copy_samples(chunk, "StreamFrontEnd.push", input_);
      return fe_.push(input_.data(), input_.size());
    });
  }

  val inputBuffer(std::size_t n) {
    return guarded([&] {
      if (n > kMaxInputSamples) throw CapacityError("StreamFrontEnd.inputBuffer: " + std::to_string(n) + " samples is too many");
      staging_.resize(n);
      return val(emscripten::typed_memory_view(staging_.size(), staging_.data()));
    });
  }

  std::size_t pushInput(std::size_t n) {
    return guarded([&] {
      if (n > staging_.size()) {
        throw ShapeError("StreamFrontEnd.pushInput: n = " + std::to_string(n) + " exceeds inputBuffer size " +
                         std::to_string(staging_.size()));
      }
      return fe_.push(staging_.data(), n);
    });
  }

  val pop() {
    return guarded([&] {
      std::optional<AnalysisWindow> w = fe_.pop();
      if (!w) return val::null();
      val o = val::object();
      o.set("model", std::string(model_name(w->model)));
      o.set("start", w->start);
      o.set("end", w->end);
      o.set("data", to_float32_array(w->data.data(), w->data.size()));
      return o;
    });
  }

  std::size_t flush() {
    return guarded([&] { return fe_.flush(); });
  }
  void reset() { fe_.reset(); }
  std::size_t pending() const { return fe_.pending(); }
  double streamSeconds() const { return fe_.stream_seconds(); }

 private:
  StreamFrontEnd fe_;
  std::vector<float> input_, staging_;
};

StreamFrontEndJs* make_stream_frontend(val options) {
  return guarded([&] { return new StreamFrontEndJs(parse_options(options)); });
}

val normalize_wav2vec2_js(const val& samples) {
  return guarded([&] {
    std::vector<float> in;
    copy_samples(samples, "normalizeWav2Vec2", in);
    normalize_wav2vec2(in.data(), in.size(), in.data());
    return to_float32_array(in.data(), in.size());
  });
}

}  // namespace
}  // namespace cryscope::js

EMSCRIPTEN_BINDINGS(cryscope_stream) {
  using namespace emscripten;
  using cryscope::js::StreamFrontEndJs;
  class_<StreamFrontEndJs>("StreamFrontEnd")
      .constructor(&cryscope::js::make_stream_frontend, allow_raw_pointers())
      .function("push", &StreamFrontEndJs::push)
      .function("inputBuffer", &StreamFrontEndJs::inputBuffer)
      .function("pushInput", &StreamFrontEndJs::pushInput)
      .function("pop", &StreamFrontEndJs::pop)
      .function("flush", &StreamFrontEndJs::flush)
      .function("reset", &StreamFrontEndJs::reset)
      .property("pending", &StreamFrontEndJs::pending)
      .property("streamSeconds", &StreamFrontEndJs::streamSeconds);
  function("normalizeWav2Vec2", &cryscope::js::normalize_wav2vec2_js);
}
