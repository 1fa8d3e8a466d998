// Magnitude spectrum of a real frame: KissFFT's real transform (a complex FFT of half the length
// plus a split step), then |X[k]| for k = 0 … n/2. Private to core/ (used by log_mel.cpp).
#pragma once

#include <complex>
#include <cstddef>
#include <memory>

namespace cryscope {

/// Stateless after construction; magnitude() is const and safe to call concurrently
/// (each caller passes its own work buffer).
class RealFftMagnitude {
 public:
  /// `n`: real FFT length (even). Throws ConfigError if n is odd or < 2.
  explicit RealFftMagnitude(std::size_t n);
  ~RealFftMagnitude();
  RealFftMagnitude(const RealFftMagnitude&) = delete;
  RealFftMagnitude& operator=(const RealFftMagnitude&) = delete;

  std::size_t size() const { return n_; }
  /// `in`: n real samples; `work`: n/2 complex scratch values; `mag`: n/2 + 1 magnitudes out.
  void magnitude(const double* in, std::complex<double>* work, double* mag) const;

 private:
  struct Impl;
  std::size_t n_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cryscope
