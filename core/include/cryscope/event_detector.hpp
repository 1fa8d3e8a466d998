// Onset/offset events per class (cry, scream) from smoothed probabilities, with hysteresis,
// minimum duration and cooldown. Pure state machine: feed (time, probs), get events.
//
// Definitions (times are stream seconds as passed to update(); one update per analysis window):
// - A *run* is a stretch of consecutive updates with p ≥ off. A run becomes an *episode* once some
//   update in it reaches p ≥ on (hysteresis: enter at `on`, leave below `off`).
// - Onset is emitted at the first update where the episode has reached `on` AND has lasted
//   min_duration: time − start ≥ min_duration. The start is the first update of the run, but while
//   the run has not yet reached `on` its start slides forward so it is never more than
//   ~min_duration before the current update (a long stretch of "maybe" does not backdate an onset
//   by minutes).
//   Why count the rise through [off, on) toward min_duration: probabilities climb over one or two
//   windows when a cry starts; counting that climb keeps onset latency low (often 0–0.5 s after the
//   `on` crossing, instead of a full min_duration) while a short blip that drops below `off` before
//   min_duration still emits nothing.
// - Offset is emitted at the first update with p < off after an onset: end = that update's time.
//   Peak and mean are over the episode's updates from start (inclusive) to end (exclusive); an
//   onset reports peak/mean so far.
// - Cooldown: for cooldown seconds after an offset (time < end + cooldown) no new run can start
//   for that class, which suppresses flapping around the thresholds.
// - flush(time) ends the stream: every episode with an emitted onset gets its offset at `time`;
//   runs that never emitted an onset are dropped; then the detector is as new (cooldowns cleared).
// Input time must be finite and non-decreasing; violations throw cryscope::Error and change nothing.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "cryscope/fusion.hpp"

namespace cryscope {

/// Classes that produce events: index 0 (cry) and 1 (scream); "normal" never does.
inline constexpr std::size_t kNumEventClasses = 2;

enum class EventType { kOnset, kOffset };
const char* to_string(EventType type);  ///< "onset" / "offset"

struct Event {
  EventType type = EventType::kOnset;
  std::size_t label = 0;        ///< class index (0 cry, 1 scream)
  double start = 0;             ///< seconds, first update of the episode
  std::optional<double> end;    ///< seconds; offset events only
  double peak = 0;              ///< max smoothed probability in the episode (so far, for onsets)
  double mean = 0;              ///< mean smoothed probability over the episode's updates
};

struct Hysteresis {
  double on = 0.6;   ///< enter threshold, probability in (0,1]; default 0.6
  double off = 0.4;  ///< leave threshold, in [0, on); default 0.4
};

struct EventDetectorConfig {
  std::array<Hysteresis, kNumEventClasses> thresholds{};  ///< per class (cry, scream)
  double min_duration_s = 1.0;  ///< seconds an episode must last before its onset, ≥ 0; default 1.0
  double cooldown_s = 2.0;      ///< seconds after an offset with no new episode, ≥ 0; default 2.0

  /// Throws ConfigError on NaN, off ≥ on, thresholds outside [0,1], negative or > 1 h durations.
  void validate() const;
};

class EventDetector {
 public:
  /// Throws ConfigError if the config is invalid.
  explicit EventDetector(EventDetectorConfig config);

  /// Throws Error if `time` is not finite or is before the last update (used by callers that
  /// must validate before mutating other state).
  void check_time(double time, const char* what) const;

  /// Feeds one window's smoothed probabilities at `time` (seconds). Returns the events it caused,
  /// cry before scream. Throws Error if time is not finite or goes backwards (state unchanged).
  std::vector<Event> update(double time, const Probs& smoothed);
  /// Ends the stream at `time` (≥ last update time): offsets for open episodes, then reset().
  std::vector<Event> flush(double time);
  /// Forgets everything, including cooldowns and the last time.
  void reset();

  /// True while an onset has been emitted for `label` and its offset has not.
  bool active(std::size_t label) const { return state_.at(label).onset_emitted; }
  const EventDetectorConfig& config() const { return config_; }

 private:
  struct ClassState {
    bool in_run = false;
    bool reached_on = false;
    bool onset_emitted = false;
    /// No new run before this time (seconds); −∞ = no cooldown pending.
    double cooldown_until = -std::numeric_limits<double>::infinity();
    // Updates of the run not yet committed to the episode statistics (only while !reached_on),
    // as (time, p); front = current run start.
    std::deque<std::pair<double, double>> pending;
    double start = 0;
    double peak = 0;
    double sum = 0;
    std::size_t count = 0;
  };

  std::optional<Event> step(std::size_t label, double time, double p);
  /// An event from the episode statistics of `label` (end: offsets only).
  Event make_event(EventType type, std::size_t label, std::optional<double> end) const;

  EventDetectorConfig config_;
  std::array<ClassState, kNumEventClasses> state_{};
  bool has_time_ = false;
  double last_time_ = 0;
};

}  // namespace cryscope
