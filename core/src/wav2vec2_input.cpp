#include "cryscope/wav2vec2_input.hpp"

#include <cmath>

#include "cryscope/errors.hpp"

namespace cryscope {

void normalize_wav2vec2(const float* input, std::size_t count, float* output) {
  if (count == 0) throw ShapeError("normalize_wav2vec2: empty window (need at least one sample)");
  require_valid_audio(input, count, "normalize_wav2vec2");
  // Two passes in double: exact enough for 15 s windows without the cancellation of sum-of-squares.
  // Each pass keeps four partial sums (element i goes to sum i mod 4), added in a fixed order: the
  // same result on every call and in both builds, and four independent add chains instead of one,
  // which the compilers vectorise (f64x2 under -msimd128) without -ffast-math.
  const auto sum4 = [count](auto&& term) {
    double a[4] = {0.0, 0.0, 0.0, 0.0};
    std::size_t i = 0;
    for (; i + 4 <= count; i += 4) {
      for (std::size_t k = 0; k < 4; ++k) a[k] += term(i + k);
    }
    for (std::size_t k = 0; i < count; ++i, ++k) a[k] += term(i);
    return (a[0] + a[1]) + (a[2] + a[3]);
  };
  const double mean = sum4([input](std::size_t i) { return static_cast<double>(input[i]); }) /
                      static_cast<double>(count);
  const double var = sum4([input, mean](std::size_t i) {
                       const double d = input[i] - mean;
                       return d * d;
                     }) /
                     static_cast<double>(count);
  const double scale = 1.0 / std::sqrt(var + wav2vec2::kVarianceEpsilon);
  for (std::size_t i = 0; i < count; ++i) output[i] = static_cast<float>((input[i] - mean) * scale);
}

std::vector<float> normalize_wav2vec2(const float* input, std::size_t count) {
  std::vector<float> out(count);
  normalize_wav2vec2(input, count, out.data());
  return out;
}

}  // namespace cryscope
