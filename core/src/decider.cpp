#include "cryscope/decider.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "cryscope/errors.hpp"
#include "cryscope/json.hpp"

namespace cryscope {
namespace {

Hysteresis parse_hysteresis(const json::Json& v, const std::string& path, Hysteresis h) {
  json::require_object(v, path);
  json::reject_unknown_keys(v, path, {"on", "off"});
  if (v.contains("on")) h.on = json::require_number(v["on"], path + ".on");
  if (v.contains("off")) h.off = json::require_number(v["off"], path + ".off");
  return h;
}

}  // namespace

void DeciderConfig::validate() const {
  fusion.validate();
  smoothing.validate();
  events.validate();
  const FusionMethod m = method.value_or(fusion.default_method);
  if (m == FusionMethod::kLogistic && !fusion.logistic) {
    throw ConfigError("method \"logistic\" needs a fusion JSON with a \"logistic\" section (coef, intercept)");
  }
}

DeciderConfig parse_decider_options(std::string_view json_text) {
  const json::Json doc = json::parse(json_text, "Decider options");
  json::require_object(doc, "options");
  json::reject_unknown_keys(doc, "options",
                            {"fusion", "method", "smoothing", "thresholds", "minDurationSeconds", "cooldownSeconds"});
  DeciderConfig cfg;

  if (doc.contains("fusion") && !doc["fusion"].is_null()) {
    const json::Json& f = doc["fusion"];
    if (f.is_string()) {
      cfg.fusion = parse_fusion_config(f.get<std::string>());
    } else if (f.is_object()) {
      cfg.fusion = parse_fusion_config(f.dump());
    } else {
      throw ConfigError("options.fusion: expected the fusion JSON as an object or a string, got " + json::preview(f));
    }
  }
  if (doc.contains("method") && !doc["method"].is_null()) {
    cfg.method = json::require_name(doc["method"], "options.method", fusion_method_from_string);
  }
  if (doc.contains("smoothing") && !doc["smoothing"].is_null()) {
    const json::Json& s = json::require_object(doc["smoothing"], "options.smoothing");
    json::reject_unknown_keys(s, "options.smoothing", {"method", "alpha", "size"});
    if (s.contains("method")) {
      cfg.smoothing.method = json::require_name(s["method"], "options.smoothing.method", smoothing_method_from_string);
    }
    if (s.contains("alpha")) cfg.smoothing.alpha = json::require_number(s["alpha"], "options.smoothing.alpha");
    if (s.contains("size")) {
      const double size = json::require_number(s["size"], "options.smoothing.size");
      if (size < 1 || size > static_cast<double>(kMaxMedianSize) || std::floor(size) != size) {
        throw ConfigError("options.smoothing.size must be an odd integer in [1, " + std::to_string(kMaxMedianSize) +
                          "], got " + json::preview(s["size"]));
      }
      cfg.smoothing.size = static_cast<std::size_t>(size);
    }
  }
  if (doc.contains("thresholds") && !doc["thresholds"].is_null()) {
    const json::Json& t = json::require_object(doc["thresholds"], "options.thresholds");
    json::reject_unknown_keys(t, "options.thresholds", {"cry", "scream"});
    for (std::size_t k = 0; k < kNumEventClasses; ++k) {
      if (t.contains(kLabels[k])) {
        cfg.events.thresholds[k] = parse_hysteresis(t[kLabels[k]], std::string("options.thresholds.") + kLabels[k],
                                                    cfg.events.thresholds[k]);
      }
    }
  }
  if (doc.contains("minDurationSeconds")) {
    cfg.events.min_duration_s = json::require_number(doc["minDurationSeconds"], "options.minDurationSeconds");
  }
  if (doc.contains("cooldownSeconds")) {
    cfg.events.cooldown_s = json::require_number(doc["cooldownSeconds"], "options.cooldownSeconds");
  }
  cfg.validate();
  return cfg;
}

Decider::Decider(DeciderConfig config)
    : config_((config.validate(), std::move(config))),
      fusion_(config_.fusion, config_.method.value_or(config_.fusion.default_method)),
      smoother_(config_.smoothing),
      detector_(config_.events) {}

DeciderOutput Decider::update(double time, const std::optional<Probs>& yamnet,
                              const std::optional<Probs>& wav2vec2) {
  // Validate everything that can fail before mutating anything (all-or-nothing update).
  detector_.check_time(time, "Decider.update");
  const FusionResult fused = fusion_.fuse(yamnet, wav2vec2);  // pure; throws on bad input

  DeciderOutput out;
  out.time = time;
  out.fused = fused.probs;
  out.method = fused.method;
  out.has_yamnet = fused.has_yamnet;
  out.has_wav2vec2 = fused.has_wav2vec2;
  out.degraded = fused.degraded;
  out.smoothed = smoother_.update(fused.probs);
  out.events = detector_.update(time, out.smoothed);  // cannot throw now: time checked, probs finite
  return out;
}

std::vector<Event> Decider::flush(double time) {
  std::vector<Event> events = detector_.flush(time);  // throws before changing anything on bad time
  smoother_.reset();
  return events;
}

void Decider::reset() {
  smoother_.reset();
  detector_.reset();
}

}  // namespace cryscope
