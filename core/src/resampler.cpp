#include "cryscope/resampler.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>

#include "cryscope/errors.hpp"
#include "cryscope/format.hpp"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace cryscope {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Kaiser design targets (see header): stop-band attenuation and transition as a fraction of N.
constexpr double kDesignAttenuationDb = 80.0;
constexpr double kPassFraction = 0.90;  // pass band edge = 0.9·N
constexpr double kStopFraction = 1.00;  // stop band edge = N

// Modified Bessel function of the first kind, order 0 (power series; converges fast for x ≤ 30).
double bessel_i0(double x) {
  double sum = 1.0, term = 1.0;
  const double q = x * x / 4.0;
  for (int k = 1; k < 200; ++k) {
    term *= q / (static_cast<double>(k) * static_cast<double>(k));
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

double sinc(double x) {
  if (std::fabs(x) < 1e-12) return 1.0;
  return std::sin(kPi * x) / (kPi * x);
}

// Dot product of n floats with eight partial sums: sum g·4+k (g = 0, 1; k = 0..3) collects the
// terms t ≡ 4g+k (mod 8), then the eight are combined in a fixed order and the n mod 4 tail added.
// Same order every call (streaming-exact) and in both builds (WASM matches native bit for bit).
// Why eight sums in two 4-lane groups: the two vector additions per step are independent, so the
// loop is not bound by one add chain's latency. Why intrinsics under WASM: clang's auto-vectoriser
// turned this pattern into scalar code there (measured 3–6× slower than the 4-sum loop it
// replaced); the scalar loop below is what GCC/clang vectorise natively.
float dot(const float* x, const float* c, int n) {
  int t = 0;
#if defined(__wasm_simd128__)
  v128_t v0 = wasm_f32x4_splat(0.f), v1 = wasm_f32x4_splat(0.f);
  for (; t + 8 <= n; t += 8) {
    v0 = wasm_f32x4_add(v0, wasm_f32x4_mul(wasm_v128_load(x + t), wasm_v128_load(c + t)));
    v1 = wasm_f32x4_add(v1, wasm_f32x4_mul(wasm_v128_load(x + t + 4), wasm_v128_load(c + t + 4)));
  }
  for (; t + 4 <= n; t += 4) {
    v0 = wasm_f32x4_add(v0, wasm_f32x4_mul(wasm_v128_load(x + t), wasm_v128_load(c + t)));
  }
  float a0[4], a1[4];
  wasm_v128_store(a0, v0);
  wasm_v128_store(a1, v1);
#else
  float a0[4] = {0.f, 0.f, 0.f, 0.f}, a1[4] = {0.f, 0.f, 0.f, 0.f};
  for (; t + 8 <= n; t += 8) {
    for (int k = 0; k < 4; ++k) a0[k] += x[t + k] * c[t + k];
    for (int k = 0; k < 4; ++k) a1[k] += x[t + 4 + k] * c[t + 4 + k];
  }
  for (; t + 4 <= n; t += 4) {
    for (int k = 0; k < 4; ++k) a0[k] += x[t + k] * c[t + k];
  }
#endif
  float s = ((a0[0] + a1[0]) + (a0[1] + a1[1])) + ((a0[2] + a1[2]) + (a0[3] + a1[3]));
  for (; t < n; ++t) s += x[t] * c[t];
  return s;
}

int validated_rate(double rate) {
  if (!std::isfinite(rate) || rate < Resampler::kMinInputRate || rate > Resampler::kMaxInputRate ||
      rate != std::floor(rate)) {
    throw ConfigError("Resampler: input sample rate " + format_number(rate) +
                      " Hz is not supported; expected an integer in [" +
                      std::to_string(Resampler::kMinInputRate) + ", " +
                      std::to_string(Resampler::kMaxInputRate) + "] Hz");
  }
  return static_cast<int>(rate);
}

}  // namespace

Resampler::Resampler(double input_rate) : input_rate_(validated_rate(input_rate)) {
  passthrough_ = input_rate_ == kOutputRate;
  const std::int64_t g = std::gcd<std::int64_t, std::int64_t>(input_rate_, kOutputRate);
  up_ = kOutputRate / g;
  down_ = input_rate_ / g;
  if (!passthrough_) build_filter();
  reset();
}

void Resampler::build_filter() {
  const double fs = input_rate_;
  const double nyquist = std::min(fs, static_cast<double>(kOutputRate)) / 2.0;
  const double pass = kPassFraction * nyquist, stop = kStopFraction * nyquist;
  const double cutoff = 0.5 * (pass + stop) / fs;  // cycles per input sample
  const double transition = (stop - pass) / fs;     // cycles per input sample
  // Kaiser's estimates: filter length (in input samples) and shape parameter for the attenuation.
  const double length = (kDesignAttenuationDb - 7.95) / (2.285 * 2.0 * kPi * transition);
  const double beta = 0.1102 * (kDesignAttenuationDb - 8.7);
  const double half_width = length / 2.0;  // W, input samples
  half_taps_ = static_cast<int>(std::ceil(half_width));
  taps_ = 2 * half_taps_;  // taps j = -(Wc-1) .. Wc around q (see compute_one)

  exact_phases_ = up_ <= kMaxExactPhases;
  phases_ = exact_phases_ ? static_cast<int>(up_) : kMaxExactPhases;
  const double i0_beta = bessel_i0(beta);
  // Every tap sits at a distance tau = p/phases - j from its output position, i.e. on a grid of
  // 1/phases; the filter is even, so evaluate it once per |tau| grid point (halves the Bessel work).
  const std::size_t grid = static_cast<std::size_t>(half_taps_) * static_cast<std::size_t>(phases_) + 1;
  std::vector<double> proto(grid, 0.0);
  for (std::size_t m = 0; m < grid; ++m) {
    const double tau = static_cast<double>(m) / phases_;
    if (tau < half_width) {
      const double u = tau / half_width;
      const double window = bessel_i0(beta * std::sqrt(1.0 - u * u)) / i0_beta;
      proto[m] = 2.0 * cutoff * sinc(2.0 * cutoff * tau) * window;
    }
  }
  table_.assign(static_cast<std::size_t>(phases_ + 1) * static_cast<std::size_t>(taps_), 0.0f);
  std::vector<double> row(static_cast<std::size_t>(taps_));
  for (int p = 0; p <= phases_; ++p) {
    // Row p: output position q + p/phases; tap t reads input q + j.
    double sum = 0.0;
    for (int t = 0; t < taps_; ++t) {
      const long long j = t - (half_taps_ - 1);
      const long long m = std::llabs(static_cast<long long>(p) - j * phases_);
      const double h = proto[static_cast<std::size_t>(m)];
      row[static_cast<std::size_t>(t)] = h;
      sum += h;
    }
    // Unit DC gain in every phase: no ripple from phase-dependent gain.
    for (int t = 0; t < taps_; ++t) {
      table_[static_cast<std::size_t>(p) * taps_ + t] = static_cast<float>(row[t] / sum);
    }
  }
}

void Resampler::reset() {
  next_out_ = 0;
  q_ = 0;
  r_ = 0;
  input_received_ = 0;
  // Samples before the stream start are zeros: pre-fill the taps that reach back before t=0.
  base_ = -static_cast<std::int64_t>(std::max(half_taps_ - 1, 0));
  history_.assign(static_cast<std::size_t>(-base_), 0.0f);
}

float Resampler::compute_one(std::int64_t q, std::int64_t r) const {
  const float* x = history_.data() + (q - (half_taps_ - 1) - base_);
  const float* c0;
  // Rational phase r/L → table row. Exact rates index directly; others interpolate two rows.
  if (exact_phases_) {
    c0 = table_.data() + static_cast<std::size_t>(r) * taps_;
  } else {
    const std::int64_t scaled = r * phases_;
    const std::int64_t idx = scaled / up_;
    const float mu = static_cast<float>(static_cast<double>(scaled % up_) / static_cast<double>(up_));
    const float* a = table_.data() + static_cast<std::size_t>(idx) * taps_;
    const float* b = a + taps_;
    float acc[4] = {0.f, 0.f, 0.f, 0.f};
    int t = 0;
    for (; t + 4 <= taps_; t += 4) {
      for (int k = 0; k < 4; ++k) acc[k] += x[t + k] * (a[t + k] + mu * (b[t + k] - a[t + k]));
    }
    float s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; t < taps_; ++t) s += x[t] * (a[t] + mu * (b[t] - a[t]));
    return s;
  }
  return dot(x, c0, taps_);
}

void Resampler::produce(std::int64_t limit_outputs, std::vector<float>& out) {
  const std::int64_t available_end = base_ + static_cast<std::int64_t>(history_.size());
  const std::int64_t step_q = down_ / up_, step_r = down_ % up_;
  // Output n needs input samples up to q_n + Wc.
  while (q_ + half_taps_ < available_end &&
         (limit_outputs < 0 || static_cast<std::int64_t>(next_out_) < limit_outputs)) {
    out.push_back(compute_one(q_, r_));
    ++next_out_;
    q_ += step_q;
    r_ += step_r;
    if (r_ >= up_) {
      r_ -= up_;
      ++q_;
    }
  }
  // Drop input no future output can reach (one erase per call: linear in the chunk size).
  const std::int64_t keep_from = q_ - (half_taps_ - 1);
  if (keep_from > base_) {
    const std::int64_t drop = std::min<std::int64_t>(keep_from - base_, static_cast<std::int64_t>(history_.size()));
    history_.erase(history_.begin(), history_.begin() + static_cast<std::ptrdiff_t>(drop));  // drop ≤ size()
    base_ += drop;
  }
}

void Resampler::process(const float* input, std::size_t count, std::vector<float>& out) {
  require_valid_audio(input, count, "Resampler::process");  // before any state change
  if (count == 0) return;
  input_received_ += count;
  if (passthrough_) {
    out.insert(out.end(), input, input + count);
    next_out_ += count;
    return;
  }
  out.reserve(out.size() + static_cast<std::size_t>(count * up_ / down_ + 2));
  history_.insert(history_.end(), input, input + count);
  produce(-1, out);
}

std::vector<float> Resampler::process(const std::vector<float>& input) {
  std::vector<float> out;
  process(input.data(), input.size(), out);
  return out;
}

void Resampler::flush(std::vector<float>& out) {
  if (!passthrough_) {
    // Outputs whose time lies inside the received input: n·M < N_in·L.
    const std::int64_t n_in = static_cast<std::int64_t>(input_received_);
    const std::int64_t wanted = (n_in * up_ + down_ - 1) / down_;
    history_.insert(history_.end(), static_cast<std::size_t>(half_taps_) + 1, 0.0f);
    produce(wanted, out);
  }
  reset();
}

std::vector<float> Resampler::flush() {
  std::vector<float> out;
  flush(out);
  return out;
}

}  // namespace cryscope
