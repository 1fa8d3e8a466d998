// Smoothing of fused probabilities over successive analysis windows (one update per window, i.e.
// every hop, 0.5 s by default). Works per class; time gaps are not modelled (a window is a window).
//   none    output = input.
//   ema     s_t = alpha·x_t + (1−alpha)·s_{t−1}; the first update passes through (s_0 = x_0).
//           alpha in (0,1]; alpha = 1 is "none". Preserves sum-to-1.
//   median  per-class median over the last `size` windows (size odd, ≥1). Until `size` windows have
//           been seen, the median of those available (mean of the two middle values for an even
//           count), so the first output is not delayed. Per-class medians need not sum to 1 and are
//           deliberately NOT renormalised: thresholds apply per class, and renormalising would move a
//           class's value because of another class.
#pragma once

#include <cstddef>
#include <deque>
#include <string_view>

#include "cryscope/fusion.hpp"

namespace cryscope {

enum class SmoothingMethod { kNone, kEma, kMedian };

/// "none", "ema", "median".
const char* to_string(SmoothingMethod method);
/// Inverse of to_string; throws ConfigError listing the allowed names.
SmoothingMethod smoothing_method_from_string(std::string_view name);

struct SmoothingConfig {
  SmoothingMethod method = SmoothingMethod::kEma;  ///< default: ema (manifest default)
  double alpha = 0.5;      ///< EMA weight of the newest window, in (0,1]; default 0.5
  std::size_t size = 3;    ///< median window length in windows, odd, in [1, 101]; default 3

  /// Throws ConfigError for alpha outside (0,1] (or NaN) or an even/zero/huge median size.
  void validate() const;
};

/// Maximum median window (windows). Why a cap: it bounds memory and latency (101 × 0.5 s ≈ 50 s).
inline constexpr std::size_t kMaxMedianSize = 101;

class Smoother {
 public:
  /// Throws ConfigError if the config is invalid.
  explicit Smoother(SmoothingConfig config);

  /// Adds one window's probabilities and returns the smoothed values. Input is trusted (it comes
  /// from Fusion, which validated it).
  Probs update(const Probs& x);
  /// Forgets history (next update passes through).
  void reset();

  const SmoothingConfig& config() const { return config_; }

 private:
  SmoothingConfig config_;
  bool has_state_ = false;
  Probs ema_{};
  std::deque<Probs> history_;  // median: last `size` inputs, oldest first
};

}  // namespace cryscope
