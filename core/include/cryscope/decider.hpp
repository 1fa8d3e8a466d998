// Decider: the decision pipeline for one stream — fusion → smoothing → events.
// One update() per analysis hop with whichever models produced probabilities for that window.
// Every update is all-or-nothing: invalid input (NaN/out-of-range probabilities, no model, time
// going backwards) throws and leaves the Decider exactly as it was.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "cryscope/event_detector.hpp"
#include "cryscope/fusion.hpp"
#include "cryscope/smoothing.hpp"

namespace cryscope {

// Defaults for using the core on its own. They are not the shipped models' settings: the npm package
// always sets every field from the model manifest (web/src/options.ts) and never relies on these.
struct DeciderConfig {
  FusionConfig fusion;                  ///< default: mean, weights [0.5, 0.5], no logistic model
  std::optional<FusionMethod> method;   ///< overrides fusion.default_method when set
  SmoothingConfig smoothing;            ///< default: ema, alpha 0.5
  EventDetectorConfig events;           ///< default: on 0.6 / off 0.4, min 1.0 s, cooldown 2.0 s

  /// Throws ConfigError if any part is invalid (incl. method logistic without a logistic model).
  void validate() const;
};

/// Parses the JS Decider options object (serialised as JSON; typed as DeciderOptions in wasm/cryscope_core.d.ts):
///   { fusion?: <Fusion JSON object> | <Fusion JSON string>, method?: string,
///     smoothing?: { method: 'ema'|'median'|'none', alpha?: number, size?: odd integer },
///     thresholds?: { cry?: {on?, off?}, scream?: {on?, off?} },
///     minDurationSeconds?: number, cooldownSeconds?: number }
/// Missing fields take the defaults above. Unknown keys are rejected (a misspelt option must not
/// silently fall back to a default). Throws ParseError / ConfigError naming the offending path.
DeciderConfig parse_decider_options(std::string_view json_text);

struct DeciderOutput {
  double time = 0;           ///< the update's time, seconds
  Probs fused{};             ///< fusion output
  Probs smoothed{};          ///< after smoothing (what the thresholds see)
  FusionMethod method{};     ///< fusion method in use
  bool has_yamnet = false;   ///< YAMNet contributed to this update
  bool has_wav2vec2 = false; ///< Wav2Vec2 contributed to this update
  bool degraded = false;     ///< only one model contributed
  std::vector<Event> events; ///< events caused by this update (cry before scream)
};

class Decider {
 public:
  /// Throws ConfigError if the config is invalid.
  explicit Decider(DeciderConfig config);

  /// One analysis window's model outputs at `time` (seconds, non-decreasing). At least one model
  /// must be present. Throws AudioError (bad probabilities) or Error (no model, bad time); the
  /// Decider is unchanged after a throw.
  DeciderOutput update(double time, const std::optional<Probs>& yamnet, const std::optional<Probs>& wav2vec2);
  /// Ends the stream at `time`: offset events for open episodes, then the Decider is as new.
  std::vector<Event> flush(double time);
  /// Forgets all state (smoothing history, episodes, cooldowns, last time).
  void reset();

  const DeciderConfig& config() const { return config_; }
  FusionMethod method() const { return fusion_.method(); }

 private:
  DeciderConfig config_;
  Fusion fusion_;
  Smoother smoother_;
  EventDetector detector_;
};

}  // namespace cryscope
