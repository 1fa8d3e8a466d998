// Shared by the libFuzzer targets: reading the fuzzer's bytes as a little program, and the
// abort-on-violation check libFuzzer reports as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace cryscope_fuzz {

/// Reads the input front to back; past the end every read yields zero bytes, so short inputs
/// still form complete programs.
class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : p_(data), n_(size) {}
  bool empty() const { return n_ == 0; }
  std::uint8_t byte() {
    if (!n_) return 0;
    --n_;
    return *p_++;
  }
  /// The next 4 bytes, big-endian.
  std::uint32_t u32() { return static_cast<std::uint32_t>(bits(4)); }
  /// Raw float32 / float64 bits (big-endian): NaN, Inf, denormals and huge values all occur.
  float f32() { return from_bits<float>(bits(4)); }
  double f64() { return from_bits<double>(bits(8)); }

 private:
  std::uint64_t bits(int bytes) {
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | byte();
    return v;
  }
  template <class T>
  static T from_bits(std::uint64_t v) {
    T out;
    if constexpr (sizeof(T) == 4) {
      const auto b = static_cast<std::uint32_t>(v);
      std::memcpy(&out, &b, sizeof out);
    } else {
      std::memcpy(&out, &v, sizeof out);
    }
    return out;
  }

  const std::uint8_t* p_;
  std::size_t n_;
};

/// An invariant of the API under test: abort (reported by libFuzzer, input saved) when it fails.
inline void check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace cryscope_fuzz
