#include "cryscope/fusion.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include "cryscope/errors.hpp"
#include "cryscope/format.hpp"
#include "cryscope/json.hpp"

namespace cryscope {
namespace {

constexpr std::array<FusionMethod, 5> kAllMethods = {
    FusionMethod::kMean, FusionMethod::kWeightedMean, FusionMethod::kGeometricMean,
    FusionMethod::kVote, FusionMethod::kLogistic};

// Slack for values marginally outside [0,1] from float rounding (e.g. 1.0000001f).
constexpr double kRangeSlack = 1e-6;

std::size_t argmax(const Probs& p) {
  // First maximum wins; ties between exactly equal values resolve to the lower label index.
  return static_cast<std::size_t>(std::max_element(p.begin(), p.end()) - p.begin());
}

Probs normalise(Probs p) {
  double sum = 0;
  for (double v : p) sum += v;
  for (double& v : p) v /= sum;
  return p;
}

Probs softmax(const Probs& z) {
  const double m = *std::max_element(z.begin(), z.end());  // shift for overflow safety
  Probs out{};
  for (std::size_t c = 0; c < kNumClasses; ++c) out[c] = std::exp(z[c] - m);
  return normalise(out);
}

Probs fuse_logistic(const LogisticModel& m, const Probs& y, const Probs& w) {
  std::array<double, 2 * kNumClasses> x{};
  for (std::size_t c = 0; c < kNumClasses; ++c) {
    x[c] = std::log(std::max(y[c], kLogFloor));
    x[kNumClasses + c] = std::log(std::max(w[c], kLogFloor));
  }
  Probs z{};
  for (std::size_t c = 0; c < kNumClasses; ++c) {
    double acc = m.intercept[c];
    for (std::size_t f = 0; f < x.size(); ++f) acc += m.coef[c][f] * x[f];
    z[c] = acc;
  }
  return softmax(z);
}

}  // namespace

const char* to_string(FusionMethod method) {
  switch (method) {
    case FusionMethod::kMean: return "mean";
    case FusionMethod::kWeightedMean: return "weighted_mean";
    case FusionMethod::kGeometricMean: return "geometric_mean";
    case FusionMethod::kVote: return "vote";
    case FusionMethod::kLogistic: return "logistic";
  }
  return "?";
}

FusionMethod fusion_method_from_string(std::string_view name) {
  for (FusionMethod m : kAllMethods) {
    if (name == to_string(m)) return m;
  }
  throw ConfigError("unknown fusion method \"" + std::string(name) +
                    "\" (allowed: mean, weighted_mean, geometric_mean, vote, logistic)");
}

void FusionConfig::validate() const {
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!std::isfinite(weights[i]) || weights[i] < 0) {
      throw ConfigError("fusion.weights[" + std::to_string(i) + "] must be a finite number >= 0, got " +
                        format_number(weights[i]));
    }
  }
  if (!(weights[0] + weights[1] > 0)) {
    throw ConfigError("fusion.weights must not both be 0 (they are [yamnet, wav2vec2] weights)");
  }
  if (logistic) {
    for (std::size_t c = 0; c < kNumClasses; ++c) {
      if (!std::isfinite(logistic->intercept[c])) {
        throw ConfigError("fusion.logistic.intercept[" + std::to_string(c) + "] is not finite");
      }
      for (std::size_t f = 0; f < 2 * kNumClasses; ++f) {
        if (!std::isfinite(logistic->coef[c][f])) {
          throw ConfigError("fusion.logistic.coef[" + std::to_string(c) + "][" + std::to_string(f) +
                            "] is not finite");
        }
      }
    }
  }
  if (default_method == FusionMethod::kLogistic && !logistic) {
    throw ConfigError("fusion.default is \"logistic\" but the fusion JSON has no \"logistic\" section");
  }
}

FusionConfig parse_fusion_config(std::string_view json_text) {
  const json::Json doc = json::parse(json_text, "fusion JSON");
  json::require_object(doc, "fusion");
  FusionConfig cfg;

  if (doc.contains("labels")) {
    const auto& labels = json::require_array(doc["labels"], "fusion.labels", kNumClasses);
    for (std::size_t c = 0; c < kNumClasses; ++c) {
      if (json::require_string(labels[c], "fusion.labels[" + std::to_string(c) + "]") != kLabels[c]) {
        throw ConfigError("fusion.labels must be [\"cry\",\"scream\",\"normal\"] in that order, got " +
                          json::preview(labels));
      }
    }
  }
  if (doc.contains("default")) {
    cfg.default_method = json::require_name(doc["default"], "fusion.default", fusion_method_from_string);
  }
  if (doc.contains("weights")) {
    const auto& w = json::require_array(doc["weights"], "fusion.weights", 2);
    cfg.weights[0] = json::require_number(w[0], "fusion.weights[0]");
    cfg.weights[1] = json::require_number(w[1], "fusion.weights[1]");
  }
  if (doc.contains("logistic") && !doc["logistic"].is_null()) {
    const auto& lg = json::require_object(doc["logistic"], "fusion.logistic");
    if (lg.contains("features") &&
        json::require_string(lg["features"], "fusion.logistic.features") != "log_probs") {
      throw ConfigError("fusion.logistic.features: only \"log_probs\" is supported, got " +
                        json::preview(lg["features"]));
    }
    if (!lg.contains("coef")) throw ConfigError("fusion.logistic.coef: missing (expected 3 rows of 6 numbers)");
    if (!lg.contains("intercept")) throw ConfigError("fusion.logistic.intercept: missing (expected 3 numbers)");
    LogisticModel m;
    const auto& coef = json::require_array(lg["coef"], "fusion.logistic.coef", kNumClasses);
    for (std::size_t c = 0; c < kNumClasses; ++c) {
      const std::string row_path = "fusion.logistic.coef[" + std::to_string(c) + "]";
      const auto& row = json::require_array(coef[c], row_path, 2 * kNumClasses);
      for (std::size_t f = 0; f < 2 * kNumClasses; ++f) {
        m.coef[c][f] = json::require_number(row[f], row_path + "[" + std::to_string(f) + "]");
      }
    }
    const auto& icpt = json::require_array(lg["intercept"], "fusion.logistic.intercept", kNumClasses);
    for (std::size_t c = 0; c < kNumClasses; ++c) {
      m.intercept[c] = json::require_number(icpt[c], "fusion.logistic.intercept[" + std::to_string(c) + "]");
    }
    cfg.logistic = m;
  }
  cfg.validate();
  return cfg;
}

Probs validate_probs(const Probs& p, const char* model) {
  Probs out{};
  double sum = 0;
  for (std::size_t c = 0; c < kNumClasses; ++c) {
    const double v = p[c];
    if (!std::isfinite(v) || v < -kRangeSlack || v > 1 + kRangeSlack) {
      throw AudioError(std::string(model) + " probability for \"" + kLabels[c] + "\" is " + format_number(v) +
                       "; probabilities must be finite and within [0,1] (update rejected, state unchanged)");
    }
    out[c] = std::clamp(v, 0.0, 1.0);
    sum += out[c];
  }
  if (std::fabs(sum - 1.0) > kProbSumTolerance) {
    throw AudioError(std::string(model) + " probabilities sum to " + format_number(sum) +
                     ", not 1 (±" + format_number(kProbSumTolerance) +
                     "); pass the model's softmax output, not scores or logits (update rejected)");
  }
  return normalise(out);
}

Fusion::Fusion(FusionConfig config) : Fusion(config, config.default_method) {}

Fusion::Fusion(FusionConfig config, FusionMethod method) : config_(std::move(config)), method_(method) {
  config_.validate();
  if (method_ == FusionMethod::kLogistic && !config_.logistic) {
    throw ConfigError("fusion method \"logistic\" needs a \"logistic\" section (coef, intercept) in the fusion JSON");
  }
}

FusionResult Fusion::fuse(const std::optional<Probs>& yamnet, const std::optional<Probs>& wav2vec2) const {
  if (!yamnet && !wav2vec2) {
    throw Error("fusion needs at least one model's probabilities (both yamnet and wav2vec2 are absent)");
  }
  // Validate everything before computing anything: a bad vector rejects the whole call.
  std::optional<Probs> y, w;
  if (yamnet) y = validate_probs(*yamnet, "yamnet");
  if (wav2vec2) w = validate_probs(*wav2vec2, "wav2vec2");

  FusionResult r;
  r.method = method_;
  r.has_yamnet = y.has_value();
  r.has_wav2vec2 = w.has_value();
  r.degraded = !(y && w);
  if (r.degraded) {
    r.probs = y ? *y : *w;  // by design (fusion.hpp): every method falls back to the present model
    return r;
  }

  const Probs& a = *y;
  const Probs& b = *w;
  const double wy = config_.weights[0] / (config_.weights[0] + config_.weights[1]);
  const double ww = 1.0 - wy;
  switch (method_) {
    case FusionMethod::kMean:
      for (std::size_t c = 0; c < kNumClasses; ++c) r.probs[c] = 0.5 * (a[c] + b[c]);
      break;
    case FusionMethod::kWeightedMean:
      for (std::size_t c = 0; c < kNumClasses; ++c) r.probs[c] = wy * a[c] + ww * b[c];
      break;
    case FusionMethod::kGeometricMean: {
      Probs logp{};
      for (std::size_t c = 0; c < kNumClasses; ++c) {
        logp[c] = wy * std::log(std::max(a[c], kLogFloor)) + ww * std::log(std::max(b[c], kLogFloor));
      }
      r.probs = softmax(logp);  // exp + renormalise, max-shifted
      break;
    }
    case FusionMethod::kVote: {
      Probs share{};
      share[argmax(a)] += 0.5;
      share[argmax(b)] += 0.5;
      for (std::size_t c = 0; c < kNumClasses; ++c) r.probs[c] = 0.5 * share[c] + 0.25 * (a[c] + b[c]);
      break;
    }
    case FusionMethod::kLogistic:
      r.probs = fuse_logistic(*config_.logistic, a, b);
      break;
  }
  return r;
}

}  // namespace cryscope
