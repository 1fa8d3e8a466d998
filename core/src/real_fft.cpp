#include "real_fft.hpp"

#include <cmath>
#include <complex>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "cryscope/errors.hpp"

namespace cryscope {
namespace {

// Why this file exists: kissfft.hh multiplies std::complex<double> values with the standard
// operator*. libc++ (Emscripten's C++ library) implements that with the C99 Annex G NaN/Inf
// recovery branch, which makes the function too large for clang to inline: in the WASM build
// every butterfly paid an out-of-line call (7 % of the streaming front-end's profile; log-mel at
// 1.6–1.7× native). Earlier this was papered over by compiling log_mel.cpp with
// -ffinite-math-only, which also silently deletes any NaN check in that file.
//
// Instead, kissfft.hh is included below inside this anonymous namespace, after a plain
// (a+bi)(c+di) = (ac−bd) + (ad+bc)i overload: unqualified lookup from inside the template finds
// this non-template overload first, and it beats the std template in overload resolution. Finite
// inputs give bit-identical products (same four products, same two sums); only the Inf/NaN
// recovery is gone, and no non-finite value can get here (callers run require_valid_audio, and
// |sample| ≤ 1e9 keeps every partial sum finite). The anonymous namespace gives this kissfft
// internal linkage, so it can never be mixed up (ODR) with a kissfft<double> instantiated elsewhere.
inline std::complex<double> operator*(const std::complex<double>& a, const std::complex<double>& b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// kissfft.hh's own includes (<complex>, <utility>, <vector>) are already included above, so their
// include guards keep every std declaration out of this namespace.
#include "kissfft.hh"

std::size_t validated_length(std::size_t n) {
  if (n < 2 || n % 2 != 0) {
    throw ConfigError("RealFftMagnitude: FFT length " + std::to_string(n) + " must be even and ≥ 2");
  }
  return n;
}

}  // namespace

struct RealFftMagnitude::Impl {
  kissfft<double> fft;  // real FFT of n via an n/2-point complex FFT
  explicit Impl(std::size_t half) : fft(half, false) {}
};

RealFftMagnitude::RealFftMagnitude(std::size_t n)
    : n_(validated_length(n)), impl_(std::make_unique<Impl>(n / 2)) {}
RealFftMagnitude::~RealFftMagnitude() = default;

void RealFftMagnitude::magnitude(const double* in, std::complex<double>* work, double* mag) const {
  const std::size_t half = n_ / 2;
  impl_->fft.transform_real(in, work);
  // transform_real packs DC in work[0].real() and Nyquist in work[0].imag().
  mag[0] = std::fabs(work[0].real());
  mag[half] = std::fabs(work[0].imag());
  // sqrt(re² + im²) rather than std::abs (hypot, an out-of-line libm call guarding against
  // overflow that cannot happen at these magnitudes).
  for (std::size_t k = 1; k < half; ++k) {
    const double re = work[k].real(), im = work[k].imag();
    mag[k] = std::sqrt(re * re + im * im);
  }
}

}  // namespace cryscope
