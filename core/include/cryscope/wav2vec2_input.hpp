// Wav2Vec2 input normalisation, as transformers' Wav2Vec2FeatureExtractor(do_normalize=True)
// computes it per window (zero_mean_unit_var_norm, no attention mask):
//     y = (x − mean(x)) / sqrt(var(x) + 1e-7)      (population variance, ddof = 0)
// Computed in double precision (two passes), rounded to float32. Silence gives all zeros.
#pragma once

#include <cstddef>
#include <vector>

namespace cryscope {

namespace wav2vec2 {
constexpr double kVarianceEpsilon = 1e-7;  ///< added to the variance, as in transformers
constexpr int kSampleRate = 16000;         ///< Hz, the rate Wav2Vec2 expects
}  // namespace wav2vec2

/// Normalises `count` samples from `input` into `output` (may be the same buffer).
/// Throws ShapeError if count == 0, AudioError on NaN/Inf (output untouched).
void normalize_wav2vec2(const float* input, std::size_t count, float* output);
std::vector<float> normalize_wav2vec2(const float* input, std::size_t count);

}  // namespace cryscope
