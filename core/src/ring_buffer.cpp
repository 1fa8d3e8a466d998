#include "cryscope/ring_buffer.hpp"

#include <algorithm>
#include <string>

#include "cryscope/errors.hpp"

namespace cryscope {

RingBuffer::RingBuffer(std::size_t initial_capacity)
    : data_(std::max<std::size_t>(initial_capacity, 1)), initial_capacity_(std::max<std::size_t>(initial_capacity, 1)) {}

std::size_t RingBuffer::slot(std::uint64_t index) const {
  return (head_ + static_cast<std::size_t>(index - begin_)) % data_.size();
}

void RingBuffer::reallocate(std::size_t new_capacity) {
  std::vector<float> next(new_capacity);
  copy(begin_, size_, next.data());
  data_.swap(next);
  head_ = 0;
}

void RingBuffer::append(const float* samples, std::size_t count) {
  if (count == 0) return;
  if (size_ + count > data_.size()) {
    std::size_t cap = data_.size();
    while (cap < size_ + count) cap *= 2;
    reallocate(cap);
  }
  std::size_t pos = slot(end());
  std::size_t done = 0;
  while (done < count) {
    const std::size_t run = std::min(count - done, data_.size() - pos);
    if (samples) {
      std::copy(samples + done, samples + done + run, data_.begin() + static_cast<std::ptrdiff_t>(pos));
    } else {
      std::fill_n(data_.begin() + static_cast<std::ptrdiff_t>(pos), run, 0.0f);
    }
    done += run;
    pos = 0;
  }
  size_ += count;
}

void RingBuffer::append_zeros(std::size_t count) { append(nullptr, count); }

void RingBuffer::discard_before(std::uint64_t index) {
  if (index <= begin_) return;
  const std::uint64_t drop = std::min<std::uint64_t>(index - begin_, size_);
  head_ = (head_ + static_cast<std::size_t>(drop)) % data_.size();
  size_ -= static_cast<std::size_t>(drop);
  begin_ += drop;
  if (data_.size() > initial_capacity_ && size_ < data_.size() / 4) {
    reallocate(std::max(initial_capacity_, 2 * size_));
  }
}

void RingBuffer::copy(std::uint64_t start, std::size_t count, float* dst) const {
  if (start < begin_ || start + count > end()) {
    throw ShapeError("RingBuffer::copy: samples [" + std::to_string(start) + ", " + std::to_string(start + count) +
                     ") are not held (buffer holds [" + std::to_string(begin_) + ", " + std::to_string(end()) + "))");
  }
  if (count == 0) return;
  std::size_t pos = slot(start);
  std::size_t done = 0;
  while (done < count) {
    const std::size_t run = std::min(count - done, data_.size() - pos);
    std::copy(data_.begin() + static_cast<std::ptrdiff_t>(pos),
              data_.begin() + static_cast<std::ptrdiff_t>(pos + run), dst + done);
    done += run;
    pos = 0;
  }
}

void RingBuffer::clear() {
  if (data_.size() != initial_capacity_) data_.assign(initial_capacity_, 0.0f);
  head_ = 0;
  size_ = 0;
  begin_ = 0;
}

}  // namespace cryscope
