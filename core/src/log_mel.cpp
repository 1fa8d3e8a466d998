#include "cryscope/log_mel.hpp"

#include <cmath>
#include <complex>
#include <string>

#include "cryscope/errors.hpp"
#include "cryscope/format.hpp"
#include "real_fft.hpp"

namespace cryscope {
namespace {

constexpr double kPi = 3.14159265358979323846;

double hz_to_mel(double hz) { return 1127.0 * std::log(1.0 + hz / 700.0); }

// One mel band as a contiguous run of non-zero weights over FFT bins (the matrix is sparse:
// every bin feeds at most two bands), so the product costs ~2 MACs per bin instead of 64.
struct Band {
  int first_bin = 0;
  std::vector<double> weights;
};

}  // namespace

std::vector<double> linear_to_mel_weight_matrix(int bands, int num_bins, double sample_rate,
                                                double lower_hz, double upper_hz) {
  if (bands <= 0 || num_bins < 2 || !(sample_rate > 0) || !(lower_hz >= 0) || !(upper_hz > lower_hz) ||
      upper_hz > sample_rate / 2.0) {
    throw ConfigError("linear_to_mel_weight_matrix: invalid arguments (bands " + std::to_string(bands) +
                      ", bins " + std::to_string(num_bins) + ", edges " + format_number(lower_hz) + "–" +
                      format_number(upper_hz) + " Hz at " + format_number(sample_rate) + " Hz)");
  }
  const double nyquist = sample_rate / 2.0;
  const double mel_lo = hz_to_mel(lower_hz), mel_hi = hz_to_mel(upper_hz);
  // Band edges: bands + 2 points evenly spaced in mel (tf.linspace); band b uses edges b, b+1, b+2.
  std::vector<double> edges(static_cast<std::size_t>(bands) + 2);
  for (int i = 0; i < bands + 2; ++i) {
    edges[static_cast<std::size_t>(i)] = mel_lo + (mel_hi - mel_lo) * i / (bands + 1);
  }
  std::vector<double> m(static_cast<std::size_t>(num_bins) * bands, 0.0);
  // Bin 0 (DC) stays all zero, as in TensorFlow (bands_to_zero = 1).
  for (int k = 1; k < num_bins; ++k) {
    const double mel = hz_to_mel(nyquist * k / (num_bins - 1));
    for (int b = 0; b < bands; ++b) {
      const double lo = edges[b], c = edges[b + 1], hi = edges[b + 2];
      const double lower_slope = (mel - lo) / (c - lo);
      const double upper_slope = (hi - mel) / (hi - c);
      m[static_cast<std::size_t>(k) * bands + b] = std::max(0.0, std::min(lower_slope, upper_slope));
    }
  }
  return m;
}

struct LogMel::Impl {
  std::vector<double> window;  // [400]
  std::vector<double> mel;     // [257 × 64]
  std::vector<Band> bands;     // sparse view of mel, per band
  RealFftMagnitude fft{yamnet::kFftLength};  // |rfft| of 512 (KissFFT)

  Impl() {
    using namespace yamnet;
    window.resize(kWindowLength);
    for (int n = 0; n < kWindowLength; ++n) {
      window[n] = 0.5 - 0.5 * std::cos(2.0 * kPi * n / kWindowLength);  // periodic Hann
    }
    mel = linear_to_mel_weight_matrix(kMelBands, kNumBins, kSampleRate, kMelMinHz, kMelMaxHz);
    bands.resize(kMelBands);
    for (int b = 0; b < kMelBands; ++b) {
      int first = -1, last = -1;
      for (int k = 0; k < kNumBins; ++k) {
        if (mel[static_cast<std::size_t>(k) * kMelBands + b] != 0.0) {
          if (first < 0) first = k;
          last = k;
        }
      }
      Band& band = bands[b];
      if (first < 0) continue;  // cannot happen for YAMNet's settings; an empty band stays 0
      band.first_bin = first;
      for (int k = first; k <= last; ++k) band.weights.push_back(mel[static_cast<std::size_t>(k) * kMelBands + b]);
    }
  }

  // One frame: 400 samples → 64 log-mel values.
  void frame(const float* x, float* out, std::vector<double>& buf, std::vector<std::complex<double>>& spec,
             std::vector<double>& mag) const {
    using namespace yamnet;
    for (int n = 0; n < kWindowLength; ++n) buf[n] = static_cast<double>(x[n]) * window[n];
    for (int n = kWindowLength; n < kFftLength; ++n) buf[n] = 0.0;
    fft.magnitude(buf.data(), spec.data(), mag.data());
    for (int b = 0; b < kMelBands; ++b) {
      const Band& band = bands[b];
      double s = 0.0;
      for (std::size_t i = 0; i < band.weights.size(); ++i) s += mag[band.first_bin + i] * band.weights[i];
      out[b] = static_cast<float>(std::log(s + kLogOffset));
    }
  }
};

LogMel::LogMel() : impl_(std::make_unique<Impl>()) {}
LogMel::~LogMel() = default;

std::size_t LogMel::frame_count(std::size_t count) {
  if (count < static_cast<std::size_t>(yamnet::kWindowLength)) return 0;
  return 1 + (count - yamnet::kWindowLength) / yamnet::kHopLength;
}

std::size_t LogMel::padded_length(std::size_t count) {
  const std::size_t min = yamnet::kMinSamples, hop = yamnet::kPatchHopSamples;
  if (count <= min) return min;
  const std::size_t hops = (count - min + hop - 1) / hop;
  return min + hops * hop;
}

std::size_t LogMel::patch_count(std::size_t frames) {
  if (frames < static_cast<std::size_t>(yamnet::kPatchFrames)) return 0;
  return 1 + (frames - yamnet::kPatchFrames) / yamnet::kPatchHopFrames;
}

void LogMel::frames(const float* samples, std::size_t count, float* out) const {
  require_valid_audio(samples, count, "LogMel");
  const std::size_t n = frame_count(count);
  std::vector<double> buf(yamnet::kFftLength), mag(yamnet::kNumBins);
  std::vector<std::complex<double>> spec(yamnet::kFftLength / 2);
  for (std::size_t f = 0; f < n; ++f) {
    impl_->frame(samples + f * yamnet::kHopLength, out + f * yamnet::kMelBands, buf, spec, mag);
  }
}

std::vector<float> LogMel::frames(const float* samples, std::size_t count) const {
  std::vector<float> out(frame_count(count) * yamnet::kMelBands);
  frames(samples, count, out.data());
  return out;
}

std::vector<float> LogMel::clip_log_mel(const float* samples, std::size_t count) const {
  require_valid_audio(samples, count, "LogMel::clip_log_mel");
  std::vector<float> padded(padded_length(count), 0.0f);
  if (count > 0) std::copy(samples, samples + count, padded.begin());
  return frames(padded.data(), padded.size());
}

std::vector<float> LogMel::clip_patches(const float* samples, std::size_t count) const {
  return to_patches(clip_log_mel(samples, count));
}

void LogMel::patch(const float* samples, std::size_t count, float* out) const {
  if (count != static_cast<std::size_t>(yamnet::kMinSamples)) {
    throw ShapeError("LogMel::patch: expected exactly " + std::to_string(yamnet::kMinSamples) +
                     " samples (0.975 s at 16 kHz) for one [96,64] patch, got " + std::to_string(count));
  }
  frames(samples, count, out);  // 15600 samples → exactly 96 frames
}

std::vector<float> LogMel::to_patches(const std::vector<float>& log_mel) {
  using namespace yamnet;
  if (log_mel.size() % kMelBands != 0) {
    throw ShapeError("LogMel::to_patches: log-mel of " + std::to_string(log_mel.size()) +
                     " floats is not [frames, 64]");
  }
  const std::size_t frames = log_mel.size() / kMelBands;
  const std::size_t patches = patch_count(frames);
  std::vector<float> out(patches * kPatchSize);
  for (std::size_t p = 0; p < patches; ++p) {
    const float* src = log_mel.data() + p * kPatchHopFrames * kMelBands;
    std::copy(src, src + kPatchSize, out.begin() + static_cast<std::ptrdiff_t>(p * kPatchSize));
  }
  return out;
}

const std::vector<double>& LogMel::window() const { return impl_->window; }
const std::vector<double>& LogMel::mel_matrix() const { return impl_->mel; }

}  // namespace cryscope
