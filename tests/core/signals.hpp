// Deterministic test signals and measurements shared by the core tests.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace cryscope_test {

constexpr double kPi = 3.14159265358979323846;

inline std::vector<float> sine(double freq_hz, double rate_hz, std::size_t n, double amp = 0.5,
                               double phase = 0.0) {
  std::vector<float> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(amp * std::sin(2.0 * kPi * freq_hz * static_cast<double>(i) / rate_hz + phase));
  }
  return x;
}

// Deterministic uniform noise in [-amp, amp] (xorshift; same on every platform).
inline std::vector<float> noise(std::size_t n, std::uint32_t seed = 1, double amp = 0.5) {
  std::vector<float> x(n);
  std::uint32_t s = seed ? seed : 1;
  for (std::size_t i = 0; i < n; ++i) {
    s ^= s << 13;
    s ^= s >> 17;
    s ^= s << 5;
    x[i] = static_cast<float>(amp * (static_cast<double>(s) / 4294967295.0 * 2.0 - 1.0));
  }
  return x;
}

inline double rms(const std::vector<float>& x, std::size_t begin, std::size_t end) {
  double s = 0.0;
  for (std::size_t i = begin; i < end; ++i) s += static_cast<double>(x[i]) * x[i];
  return std::sqrt(s / static_cast<double>(end - begin));
}

inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  }
  return m;
}

}  // namespace cryscope_test
