// Fusion of the two models' per-class probabilities into one distribution.
//
// Inputs are probability vectors in label order ["cry","scream","normal"] from YAMNet and Wav2Vec2;
// either may be absent (model still loading or failed). Methods (FusionMethod):
//   mean            p = (p_y + p_w) / 2                                   (the prototype's ensemble)
//   weighted_mean   p = (w_y p_y + w_w p_w) / (w_y + w_w)
//   geometric_mean  p_c ∝ exp((w_y ln p_yc + w_w ln p_wc) / (w_y + w_w)), renormalised to sum 1;
//                   ln uses max(p, 1e-6) so one confident zero cannot veto a class outright.
//   vote            majority vote of the models' argmax, blended with the mean so the output stays a
//                   usable probability:  p = ½·share + ½·mean, where share_c = fraction of models whose
//                   argmax is c. Properties: sums to 1; if both models agree on c, c wins (≥ 0.5);
//                   on a 1–1 tie the two voted classes get ¼ + ½·mean each, so the tie is broken by the
//                   mean probability and the un-voted class can never win (it gets ≤ ¼).
//   logistic        multinomial logistic regression trained by models/ (models/cryscope_models/fusion.py):
//                   x = [ln max(p_y,1e-6) ×3, ln max(p_w,1e-6) ×3], p = softmax(coef·x + intercept).
// Missing model: EVERY method returns the present model's (validated) probabilities unchanged, and the
// result says which models contributed and sets `degraded`. Neither model present → cryscope::Error.
//
// Input validation (why strict: a NaN or a logit vector fed in by mistake must not silently produce
// events): each value must be finite and within [0,1] (±1e-6 slack for float rounding, then clamped);
// the sum must be within 1 ± 0.01 (kProbSumTolerance) — larger deviations mean the caller passed
// scores/logits, not a softmax output, and are rejected; smaller ones (int8 models, float32 rounding)
// are renormalised to exactly 1. Violations throw AudioError naming model, class and value.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace cryscope {

/// Number of classes and their fixed order (the same in models/ LABELS and web/src/labels.ts).
inline constexpr std::size_t kNumClasses = 3;
inline constexpr std::array<const char*, kNumClasses> kLabels = {"cry", "scream", "normal"};

/// A probability vector in label order.
using Probs = std::array<double, kNumClasses>;

/// Allowed |sum − 1| for an input probability vector before it is rejected (else renormalised).
inline constexpr double kProbSumTolerance = 0.01;
/// Floor applied before taking logs (geometric mean, logistic features), as models/cryscope_models/fusion.py applies it.
inline constexpr double kLogFloor = 1e-6;

enum class FusionMethod { kMean, kWeightedMean, kGeometricMean, kVote, kLogistic };

/// "mean", "weighted_mean", "geometric_mean", "vote", "logistic".
const char* to_string(FusionMethod method);
/// Inverse of to_string; throws ConfigError listing the allowed names.
FusionMethod fusion_method_from_string(std::string_view name);

/// Multinomial logistic-regression meta-classifier: p = softmax(coef·x + intercept).
struct LogisticModel {
  std::array<std::array<double, 2 * kNumClasses>, kNumClasses> coef{};  ///< one row per class
  std::array<double, kNumClasses> intercept{};
};

/// Parsed Fusion JSON (written by models/cryscope_models/fusion.py into manifest.json). All fields validated on construction by the parser.
struct FusionConfig {
  FusionMethod default_method = FusionMethod::kMean;  ///< "default"; default: mean
  /// "weights" [yamnet, wav2vec2] for weighted_mean/geometric_mean; each ≥ 0, finite, sum > 0.
  /// Default: [0.5, 0.5].
  std::array<double, 2> weights{0.5, 0.5};
  std::optional<LogisticModel> logistic;  ///< "logistic"; required only when a method uses it

  /// Throws ConfigError if the config is inconsistent (bad weights, logistic selected but absent,
  /// non-finite coefficients).
  void validate() const;
};

/// Parses and validates a Fusion JSON document. Unknown top-level keys are ignored (forward
/// compatibility with models/ adding metadata); known keys must have the documented type and shape.
/// Throws ParseError (not JSON) or ConfigError (wrong shape/value) with the offending path.
FusionConfig parse_fusion_config(std::string_view json_text);

/// Output of one fusion step.
struct FusionResult {
  Probs probs{};                 ///< fused distribution (sums to 1)
  FusionMethod method{};         ///< the method that was requested
  bool has_yamnet = false;       ///< YAMNet contributed
  bool has_wav2vec2 = false;     ///< Wav2Vec2 contributed
  bool degraded = false;         ///< exactly one model contributed (fallback to that model)
};

/// Validates one model's probabilities (see header comment) and returns them renormalised.
/// `model` names the source in error messages. Throws AudioError.
Probs validate_probs(const Probs& p, const char* model);

/// Stateless fuser; cheap to copy.
class Fusion {
 public:
  /// Uses config.default_method. Throws ConfigError if the config is invalid.
  explicit Fusion(FusionConfig config);
  /// Overrides the method (e.g. the Decider's `method` option). Throws ConfigError if `method` is
  /// logistic and the config has no logistic model.
  Fusion(FusionConfig config, FusionMethod method);

  /// Fuses the present models' probabilities. Throws AudioError on invalid probabilities and
  /// Error if both are absent. Pure: no state.
  FusionResult fuse(const std::optional<Probs>& yamnet, const std::optional<Probs>& wav2vec2) const;

  FusionMethod method() const { return method_; }
  const FusionConfig& config() const { return config_; }

 private:
  FusionConfig config_;
  FusionMethod method_;
};

}  // namespace cryscope
