// RingBuffer: a circular float buffer addressed by absolute stream sample index.
// Why absolute indices: windows are described by their start sample in stream time; the buffer
// keeps only [begin(), end()) and the owner discards what no future window needs.
// Grows by doubling when an append does not fit; shrinks back (never below the initial capacity)
// once a backlog has been consumed, so a one-off huge push does not pin memory forever.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cryscope {

class RingBuffer {
 public:
  /// initial_capacity: samples (≥ 1); also the floor the buffer shrinks back to.
  explicit RingBuffer(std::size_t initial_capacity);

  void append(const float* samples, std::size_t count);
  void append_zeros(std::size_t count);
  /// Drops samples with index < index (no-op for indices ≤ begin(); clamps to end()).
  void discard_before(std::uint64_t index);
  /// Copies samples [start, start + count) to dst. Throws ShapeError if not fully held.
  void copy(std::uint64_t start, std::size_t count, float* dst) const;
  /// Empties the buffer and restarts indexing at 0.
  void clear();

  std::uint64_t begin() const { return begin_; }    ///< absolute index of the oldest sample held
  std::uint64_t end() const { return begin_ + size_; }  ///< one past the newest sample
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return data_.size(); }

 private:
  void reallocate(std::size_t new_capacity);
  std::size_t slot(std::uint64_t index) const;  // physical position of an absolute index

  std::vector<float> data_;
  std::size_t initial_capacity_;
  std::size_t head_ = 0;  // physical position of begin_
  std::size_t size_ = 0;
  std::uint64_t begin_ = 0;
};

}  // namespace cryscope
