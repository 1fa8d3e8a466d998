// YAMNet's log-mel front-end, computed exactly as YAMNet's features.py does with TensorFlow:
//   16 kHz mono → frames of 400 samples (25 ms) every 160 (10 ms), no centring, no end padding
//   → periodic Hann (0.5 − 0.5·cos(2πn/400)) → zero-pad to 512 → |rfft| (257 bins)
//   → × tf.signal.linear_to_mel_weight_matrix(64 bands, 257 bins, 16 kHz, 125–7500 Hz)
//     (HTK mel 1127·ln(1 + f/700), triangles in mel space, DC row zeroed)
//   → ln(mel + 0.001) → patches of 96 frames every 48 frames.
// Clip-level padding (pad_waveform): zero-pad at the end to ≥15600 samples, then up to
// 15600 + k·7680, so any clip (even 0.1 s) yields ≥1 patch.
// Numerics: window, FFT (KissFFT), magnitude, mel matrix and log run in double precision and
// are rounded to float32 at the end (parity ≤1e-3 against TensorFlow's float32 pipeline).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

namespace cryscope {

namespace yamnet {
constexpr int kSampleRate = 16000;       ///< Hz
constexpr int kWindowLength = 400;       ///< samples (25 ms)
constexpr int kHopLength = 160;          ///< samples (10 ms)
constexpr int kFftLength = 512;          ///< samples
constexpr int kNumBins = 257;            ///< kFftLength / 2 + 1
constexpr int kMelBands = 64;
constexpr double kMelMinHz = 125.0;
constexpr double kMelMaxHz = 7500.0;
constexpr double kLogOffset = 0.001;
constexpr int kPatchFrames = 96;         ///< frames per patch (0.96 s)
constexpr int kPatchHopFrames = 48;      ///< frames between patches (0.48 s)
constexpr int kMinSamples = 15600;       ///< samples for one patch (0.975 s)
constexpr int kPatchHopSamples = 7680;   ///< kPatchHopFrames · kHopLength
constexpr int kPatchSize = kPatchFrames * kMelBands;  ///< floats in one [96,64] patch
}  // namespace yamnet

/// Stateless after construction; const methods are safe to call concurrently.
class LogMel {
 public:
  LogMel();
  ~LogMel();
  LogMel(const LogMel&) = delete;
  LogMel& operator=(const LogMel&) = delete;

  /// STFT frames from `count` samples without any padding: 0 if count < 400, else 1 + (count−400)/160.
  static std::size_t frame_count(std::size_t count);
  /// Length after YAMNet's pad_waveform: max(count, 15600) rounded up to 15600 + k·7680.
  static std::size_t padded_length(std::size_t count);
  /// Patches from `frames` frames: 0 if frames < 96, else 1 + (frames−96)/48.
  static std::size_t patch_count(std::size_t frames);

  /// Log-mel of the samples as given (no padding): writes frame_count(count)·64 floats,
  /// row-major [frames, 64], to `out`. Throws AudioError on NaN/Inf.
  void frames(const float* samples, std::size_t count, float* out) const;
  std::vector<float> frames(const float* samples, std::size_t count) const;

  /// Log-mel of a whole clip with YAMNet's padding: row-major [frames, 64].
  std::vector<float> clip_log_mel(const float* samples, std::size_t count) const;
  /// Patches of a whole clip with YAMNet's padding: row-major [patches, 96, 64].
  std::vector<float> clip_patches(const float* samples, std::size_t count) const;
  /// One patch from exactly 15600 samples (what the streaming windower uses). Throws ShapeError
  /// if count != 15600. Writes 96·64 floats to `out`.
  void patch(const float* samples, std::size_t count, float* out) const;

  /// Frames a [frames,64] log-mel into [patches,96,64] (YAMNet's tf.signal.frame, complete patches only).
  /// Throws ShapeError if log_mel.size() is not a multiple of 64.
  static std::vector<float> to_patches(const std::vector<float>& log_mel);

  /// The periodic Hann window [400] and the mel matrix [257·64] (row = FFT bin) actually used.
  const std::vector<double>& window() const;
  const std::vector<double>& mel_matrix() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Builds tf.signal.linear_to_mel_weight_matrix in double precision: [num_bins, bands] row-major.
std::vector<double> linear_to_mel_weight_matrix(int bands, int num_bins, double sample_rate,
                                                double lower_hz, double upper_hz);

}  // namespace cryscope
