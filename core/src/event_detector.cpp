#include "cryscope/event_detector.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "cryscope/errors.hpp"
#include "cryscope/format.hpp"

namespace cryscope {
namespace {

// Tolerance for comparing accumulated times (e.g. 0.1 + 0.2 vs 0.3 with a 0.1 s hop).
constexpr double kTimeEps = 1e-9;
// Upper bound for durations: an hour is far beyond any sensible setting and keeps arithmetic sane.
constexpr double kMaxDurationS = 3600.0;

}  // namespace

Event EventDetector::make_event(EventType type, std::size_t label, std::optional<double> end) const {
  const ClassState& s = state_[label];
  Event e;
  e.type = type;
  e.label = label;
  e.start = s.start;
  e.end = end;
  e.peak = s.peak;
  e.mean = s.sum / static_cast<double>(s.count);
  return e;
}

const char* to_string(EventType type) { return type == EventType::kOnset ? "onset" : "offset"; }

void EventDetectorConfig::validate() const {
  for (std::size_t k = 0; k < kNumEventClasses; ++k) {
    const Hysteresis& h = thresholds[k];
    const std::string where = std::string("thresholds.") + kLabels[k];
    if (!std::isfinite(h.on) || h.on <= 0.0 || h.on > 1.0) {
      throw ConfigError(where + ".on must be a probability in (0, 1], got " + format_number(h.on));
    }
    if (!std::isfinite(h.off) || h.off < 0.0 || h.off >= h.on) {
      throw ConfigError(where + ".off must be in [0, on) = [0, " + format_number(h.on) + "), got " + format_number(h.off) +
                        " (hysteresis needs off < on)");
    }
  }
  if (!std::isfinite(min_duration_s) || min_duration_s < 0.0 || min_duration_s > kMaxDurationS) {
    throw ConfigError("minDurationSeconds must be in [0, 3600] seconds, got " + format_number(min_duration_s));
  }
  if (!std::isfinite(cooldown_s) || cooldown_s < 0.0 || cooldown_s > kMaxDurationS) {
    throw ConfigError("cooldownSeconds must be in [0, 3600] seconds, got " + format_number(cooldown_s));
  }
}

EventDetector::EventDetector(EventDetectorConfig config) : config_(std::move(config)) { config_.validate(); }

void EventDetector::reset() {
  state_ = {};
  has_time_ = false;
  last_time_ = 0;
}

void EventDetector::check_time(double time, const char* what) const {
  if (!std::isfinite(time)) {
    throw Error(std::string(what) + ": time must be a finite number of seconds, got " + format_number(time));
  }
  if (has_time_ && time < last_time_) {
    throw Error(std::string(what) + ": time went backwards (" + format_number(time) + " s after " + format_number(last_time_) +
                " s); times must be non-decreasing stream seconds (call reset() for a new stream)");
  }
}

std::vector<Event> EventDetector::update(double time, const Probs& smoothed) {
  check_time(time, "update");
  for (std::size_t k = 0; k < kNumEventClasses; ++k) {
    if (!std::isfinite(smoothed[k])) {
      throw Error(std::string("update: smoothed probability for \"") + kLabels[k] + "\" is not finite");
    }
  }
  has_time_ = true;
  last_time_ = time;
  std::vector<Event> events;
  for (std::size_t k = 0; k < kNumEventClasses; ++k) {
    if (auto ev = step(k, time, smoothed[k])) events.push_back(*ev);
  }
  return events;
}

std::optional<Event> EventDetector::step(std::size_t label, double time, double p) {
  ClassState& s = state_[label];
  const Hysteresis& h = config_.thresholds[label];
  const double min_dur = config_.min_duration_s;

  if (!s.in_run) {
    if (time < s.cooldown_until - kTimeEps) return std::nullopt;
    if (p < h.off) return std::nullopt;
    s.in_run = true;  // stats and pending were cleared when the previous run ended
  } else if (p < h.off) {
    std::optional<Event> ev;
    if (s.onset_emitted) {
      ev = make_event(EventType::kOffset, label, time);
      s.cooldown_until = time + config_.cooldown_s;
    }
    const double until = s.cooldown_until;  // the only state that outlives a run
    s = ClassState{};
    s.cooldown_until = until;
    return ev;
  }

  // p ≥ off and we are in a run.
  if (!s.reached_on) {
    s.pending.emplace_back(time, p);
    // Slide the start: drop the oldest update while the next one alone still spans min_duration.
    while (s.pending.size() >= 2 && time - s.pending[1].first >= min_dur - kTimeEps) s.pending.pop_front();
    if (p >= h.on) {
      s.reached_on = true;
      s.start = s.pending.front().first;
      for (const auto& tp : s.pending) {
        s.peak = std::max(s.peak, tp.second);
        s.sum += tp.second;
        ++s.count;
      }
      s.pending.clear();
    }
  } else {
    s.peak = std::max(s.peak, p);
    s.sum += p;
    ++s.count;
  }

  if (s.reached_on && !s.onset_emitted && time - s.start >= min_dur - kTimeEps) {
    s.onset_emitted = true;
    return make_event(EventType::kOnset, label, std::nullopt);
  }
  return std::nullopt;
}

std::vector<Event> EventDetector::flush(double time) {
  check_time(time, "flush");
  std::vector<Event> events;
  for (std::size_t k = 0; k < kNumEventClasses; ++k) {
    if (state_[k].onset_emitted) events.push_back(make_event(EventType::kOffset, k, time));
  }
  reset();
  return events;
}

}  // namespace cryscope
