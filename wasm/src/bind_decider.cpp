// JS binding of cryscope::Decider (JS API typed in wasm/cryscope_core.d.ts):
//   new Decider(options) · update({time, yamnet, wav2vec2}) · flush(time) · reset() · delete()
// Options are validated by the core's parser (JSON.stringify → parse_decider_options), so JS and
// native share one definition of defaults and error messages.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "cryscope/decider.hpp"
#include "cryscope/errors.hpp"
#include "js_interop.hpp"

namespace cryscope::js {
namespace {

val event_to_js(const Event& e) {
  val o = val::object();
  o.set("type", std::string(to_string(e.type)));
  o.set("label", std::string(kLabels[e.label]));
  o.set("start", e.start);
  if (e.end) o.set("end", *e.end);
  o.set("peak", e.peak);
  o.set("mean", e.mean);
  return o;
}

val events_to_js(const std::vector<Event>& events) {
  val a = val::array();
  for (const Event& e : events) a.call<void>("push", event_to_js(e));
  return a;
}

std::optional<Probs> read_probs(const val& input, const char* key) {
  Probs p{};
  if (!read_numbers(input[key], key, kNumClasses, p.data())) return std::nullopt;
  return p;
}

double read_time(const val& t, const char* what) {
  if (!is_number(t)) throw Error(std::string(what) + ": time must be a number of seconds");
  return t.as<double>();
}

class DeciderJs {
 public:
  explicit DeciderJs(DeciderConfig config) : decider_(std::move(config)) {}

  val update(const val& input) {
    return guarded([&] {
      if (input.isUndefined() || input.isNull() || input.typeOf().as<std::string>() != "object") {
        throw Error("Decider.update: expected { time, yamnet, wav2vec2 }");
      }
      const double time = read_time(input["time"], "Decider.update");
      const std::optional<Probs> y = read_probs(input, "yamnet");
      const std::optional<Probs> w = read_probs(input, "wav2vec2");
      const DeciderOutput out = decider_.update(time, y, w);

      val o = val::object();
      o.set("time", out.time);
      o.set("fused", to_number_array(out.fused));
      o.set("smoothed", to_number_array(out.smoothed));
      o.set("method", std::string(to_string(out.method)));
      val models = val::array();
      if (out.has_yamnet) models.call<void>("push", std::string("yamnet"));
      if (out.has_wav2vec2) models.call<void>("push", std::string("wav2vec2"));
      o.set("models", models);
      o.set("degraded", out.degraded);
      o.set("events", events_to_js(out.events));
      return o;
    });
  }

  val flush(const val& time) {
    return guarded([&] { return events_to_js(decider_.flush(read_time(time, "Decider.flush"))); });
  }

  void reset() { decider_.reset(); }

  std::string method() const { return to_string(decider_.method()); }

 private:
  Decider decider_;
};

DeciderJs* make_decider(val options) {
  return guarded([&] {
    std::string text = "{}";
    if (!options.isUndefined() && !options.isNull()) {
      if (options.typeOf().as<std::string>() != "object") {
        throw ConfigError("new Decider(options): options must be an object");
      }
      text = val::global("JSON").call<std::string>("stringify", options);
    }
    return new DeciderJs(parse_decider_options(text));
  });
}

}  // namespace
}  // namespace cryscope::js

EMSCRIPTEN_BINDINGS(cryscope_decider) {
  using namespace emscripten;
  using cryscope::js::DeciderJs;
  class_<DeciderJs>("Decider")
      .constructor(&cryscope::js::make_decider, allow_raw_pointers())
      .function("update", &DeciderJs::update)
      .function("flush", &DeciderJs::flush)
      .function("reset", &DeciderJs::reset)
      .property("method", &DeciderJs::method);
}
