#include "cryscope/smoothing.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>

#include "cryscope/errors.hpp"
#include "cryscope/format.hpp"

namespace cryscope {

const char* to_string(SmoothingMethod method) {
  switch (method) {
    case SmoothingMethod::kNone: return "none";
    case SmoothingMethod::kEma: return "ema";
    case SmoothingMethod::kMedian: return "median";
  }
  return "?";
}

SmoothingMethod smoothing_method_from_string(std::string_view name) {
  for (SmoothingMethod m : {SmoothingMethod::kNone, SmoothingMethod::kEma, SmoothingMethod::kMedian}) {
    if (name == to_string(m)) return m;
  }
  throw ConfigError("unknown smoothing method \"" + std::string(name) + "\" (allowed: none, ema, median)");
}

void SmoothingConfig::validate() const {
  if (method == SmoothingMethod::kEma && !(alpha > 0.0 && alpha <= 1.0)) {
    throw ConfigError("smoothing.alpha must be in (0, 1] (weight of the newest window), got " +
                      format_number(alpha));
  }
  if (method == SmoothingMethod::kMedian &&
      (size == 0 || size % 2 == 0 || size > kMaxMedianSize)) {
    throw ConfigError("smoothing.size must be an odd number of windows in [1, " +
                      std::to_string(kMaxMedianSize) + "], got " + std::to_string(size));
  }
}

Smoother::Smoother(SmoothingConfig config) : config_(std::move(config)) { config_.validate(); }

void Smoother::reset() {
  has_state_ = false;
  ema_ = {};
  history_.clear();
}

Probs Smoother::update(const Probs& x) {
  switch (config_.method) {
    case SmoothingMethod::kNone:
      return x;
    case SmoothingMethod::kEma:
      if (!has_state_) {
        ema_ = x;
        has_state_ = true;
      } else {
        for (std::size_t c = 0; c < kNumClasses; ++c) {
          ema_[c] = config_.alpha * x[c] + (1.0 - config_.alpha) * ema_[c];
        }
      }
      return ema_;
    case SmoothingMethod::kMedian: {
      history_.push_back(x);
      if (history_.size() > config_.size) history_.pop_front();
      const std::size_t n = history_.size();
      std::array<double, kMaxMedianSize> buf{};
      Probs out{};
      for (std::size_t c = 0; c < kNumClasses; ++c) {
        for (std::size_t i = 0; i < n; ++i) buf[i] = history_[i][c];
        std::sort(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
        out[c] = (n % 2 == 1) ? buf[n / 2] : 0.5 * (buf[n / 2 - 1] + buf[n / 2]);
      }
      return out;
    }
  }
  return x;
}

}  // namespace cryscope
