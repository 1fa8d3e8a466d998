#include "cryscope/wav2vec2_input.hpp"

#include <cmath>

#include "cryscope/errors.hpp"

namespace cryscope {

void normalize_wav2vec2(const float* input, std::size_t count, float* output) {
  if (count == 0) throw ShapeError("normalize_wav2vec2: empty window (need at least one sample)");
  require_valid_audio(input, count, "normalize_wav2vec2");
  // Two passes in double: exact enough for 15 s windows without the cancellation of sum-of-squares.
  double mean = 0.0;
  for (std::size_t i = 0; i < count; ++i) mean += input[i];
  mean /= static_cast<double>(count);
  double var = 0.0;
  for (std::size_t i = 0; i < count; ++i) {
    const double d = input[i] - mean;
    var += d * d;
  }
  var /= static_cast<double>(count);
  const double scale = 1.0 / std::sqrt(var + wav2vec2::kVarianceEpsilon);
  for (std::size_t i = 0; i < count; ++i) output[i] = static_cast<float>((input[i] - mean) * scale);
}

std::vector<float> normalize_wav2vec2(const float* input, std::size_t count) {
  std::vector<float> out(count);
  normalize_wav2vec2(input, count, out.data());
  return out;
}

}  // namespace cryscope
