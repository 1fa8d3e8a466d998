#include "cryscope/stream_frontend.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "cryscope/errors.hpp"
#include "cryscope/format.hpp"
#include "cryscope/wav2vec2_input.hpp"

namespace cryscope {
namespace {

void require_range(const char* field, double value, double lo, double hi, const char* unit) {
  if (!std::isfinite(value) || value < lo || value > hi) {
    throw ConfigError(std::string("StreamFrontEnd: ") + field + " = " + format_number(value) + " " + unit +
                      " is out of range; expected " + format_number(lo) + "–" + format_number(hi) + " " + unit);
  }
}

std::uint64_t to_samples(double seconds) {
  return static_cast<std::uint64_t>(std::llround(seconds * StreamFrontEnd::kSampleRate));
}

const StreamFrontEndConfig& validated(const StreamFrontEndConfig& c) {
  if (!c.enable_yamnet && !c.enable_wav2vec2) {
    throw ConfigError("StreamFrontEnd: enable_yamnet and enable_wav2vec2 are both false; enable at least one model");
  }
  const double yamnet_window = static_cast<double>(StreamFrontEnd::kYamnetWindow) / StreamFrontEnd::kSampleRate;
  require_range("yamnet_hop_seconds", c.yamnet_hop_seconds, 0.01, yamnet_window, "s");
  require_range("wav2vec2_window_seconds", c.wav2vec2_window_seconds, 1.0, 15.0, "s");
  require_range("wav2vec2_hop_seconds", c.wav2vec2_hop_seconds, 0.01, c.wav2vec2_window_seconds, "s");
  const double longest = std::max(c.enable_yamnet ? yamnet_window : 0.0,
                                  c.enable_wav2vec2 ? c.wav2vec2_window_seconds : 0.0);
  const double hop = std::max(c.enable_yamnet ? c.yamnet_hop_seconds : 0.0,
                              c.enable_wav2vec2 ? c.wav2vec2_hop_seconds : 0.0);
  require_range("max_pending_seconds", c.max_pending_seconds, longest + hop, 3600.0, "s");
  return c;
}

}  // namespace

const char* model_name(WindowModel model) { return model == WindowModel::Yamnet ? "yamnet" : "wav2vec2"; }

StreamFrontEnd::StreamFrontEnd(const StreamFrontEndConfig& config)
    : config_(validated(config)),
      yamnet_hop_(to_samples(config.yamnet_hop_seconds)),
      w2v_window_(to_samples(config.wav2vec2_window_seconds)),
      w2v_hop_(to_samples(config.wav2vec2_hop_seconds)),
      max_pending_(to_samples(config.max_pending_seconds)),
      resampler_(config.input_sample_rate),
      // Steady state: longest window + hop, plus room for a few render quanta.
      buffer_(static_cast<std::size_t>(std::max<std::uint64_t>(kYamnetWindow, w2v_window_) +
                                       std::max(yamnet_hop_, w2v_hop_) + 4096)) {}

StreamFrontEnd::~StreamFrontEnd() = default;

StreamFrontEnd::Next StreamFrontEnd::next_yamnet() const {
  Next n;
  if (!config_.enable_yamnet) return n;
  n.start = yamnet_next_ * yamnet_hop_;
  n.length = kYamnetWindow;
  n.ready = n.start + n.length <= yamnet_end_;
  n.end_for_order = std::min(n.start + n.length, real_end_);
  return n;
}

StreamFrontEnd::Next StreamFrontEnd::next_wav2vec2() const {
  Next n;
  if (!config_.enable_wav2vec2) return n;
  n.start = w2v_next_ * w2v_hop_;
  n.length = w2v_window_;
  if (n.start + n.length <= real_end_) {
    n.ready = true;
  } else if (w2v_tail_pending_) {
    // End-aligned tail window added by flush(): the last window of audio, never past the end.
    n.length = std::min(w2v_window_, real_end_);
    n.start = real_end_ - n.length;
    n.length = std::max<std::uint64_t>(n.length, kMinWav2vec2Samples);
    n.ready = true;
    n.tail = true;
  }
  n.end_for_order = std::min(n.start + n.length, real_end_);
  return n;
}

std::size_t StreamFrontEnd::pending() const {
  std::size_t count = 0;
  if (config_.enable_yamnet && yamnet_end_ >= static_cast<std::uint64_t>(kYamnetWindow)) {
    const std::uint64_t total = (yamnet_end_ - kYamnetWindow) / yamnet_hop_ + 1;
    if (total > yamnet_next_) count += static_cast<std::size_t>(total - yamnet_next_);
  }
  if (config_.enable_wav2vec2) {
    if (real_end_ >= w2v_window_) {
      const std::uint64_t total = (real_end_ - w2v_window_) / w2v_hop_ + 1;
      if (total > w2v_next_) count += static_cast<std::size_t>(total - w2v_next_);
    }
    count += w2v_tail_pending_ ? 1 : 0;
  }
  return count;
}

std::size_t StreamFrontEnd::push(const float* samples, std::size_t count) {
  if (flushed_) throw Error("StreamFrontEnd::push: the stream was flushed; call reset() to start a new stream");
  require_valid_audio(samples, count, "StreamFrontEnd::push");
  if (count == 0) return pending();
  // Exact number of 16 kHz samples this push can release (outputs with time < input end).
  const std::uint64_t in_total = resampler_.input_count() + count;
  const std::uint64_t rate = static_cast<std::uint64_t>(resampler_.input_rate());
  const std::uint64_t new_samples = (in_total * kSampleRate + rate - 1) / rate - resampler_.output_count();
  if (buffer_.size() + new_samples > max_pending_) {
    throw CapacityError("StreamFrontEnd::push: " + format_number(static_cast<double>(count) / static_cast<double>(rate)) +
                        " s of audio would exceed max_pending_seconds = " + format_number(config_.max_pending_seconds) +
                        " s of un-popped audio (" + std::to_string(pending()) +
                        " windows waiting); pop() windows or push smaller chunks (chunk rejected, state unchanged)");
  }
  scratch_.clear();
  resampler_.process(samples, count, scratch_);
  append_resampled(scratch_);
  return pending();
}

void StreamFrontEnd::append_resampled(const std::vector<float>& samples) {
  buffer_.append(samples.data(), samples.size());
  real_end_ += samples.size();
  yamnet_end_ = real_end_;
}

std::size_t StreamFrontEnd::flush() {
  if (flushed_) return pending();
  scratch_.clear();
  resampler_.flush(scratch_);
  append_resampled(scratch_);
  flushed_ = true;
  if (real_end_ == 0) return 0;
  // YAMNet: pad_waveform with our hop (padding is virtual: zeros past real_end_ when copying).
  const std::uint64_t min = kYamnetWindow;
  yamnet_end_ = real_end_ <= min ? min : min + (real_end_ - min + yamnet_hop_ - 1) / yamnet_hop_ * yamnet_hop_;
  // Wav2Vec2: one end-aligned window if the last regular window does not reach the end.
  if (config_.enable_wav2vec2) {
    const std::uint64_t last_end =
        real_end_ >= w2v_window_ ? (real_end_ - w2v_window_) / w2v_hop_ * w2v_hop_ + w2v_window_ : 0;
    w2v_tail_pending_ = last_end < real_end_;
  }
  return pending();
}

std::optional<AnalysisWindow> StreamFrontEnd::pop() {
  const Next y = next_yamnet(), w = next_wav2vec2();
  if (!y.ready && !w.ready) return std::nullopt;
  const bool take_yamnet = y.ready && (!w.ready || y.end_for_order <= w.end_for_order);
  const Next& n = take_yamnet ? y : w;

  AnalysisWindow out;
  out.model = take_yamnet ? WindowModel::Yamnet : WindowModel::Wav2Vec2;
  out.start_sample = n.start;
  out.length_samples = n.length;
  out.start = static_cast<double>(n.start) / kSampleRate;
  out.end = static_cast<double>(n.end_for_order) / kSampleRate;
  // Real audio from the ring buffer; zeros past the stream end (flush padding).
  std::vector<float> wave(static_cast<std::size_t>(n.length), 0.0f);
  const std::uint64_t real = n.start >= real_end_ ? 0 : std::min(n.length, real_end_ - n.start);
  buffer_.copy(n.start, static_cast<std::size_t>(real), wave.data());
  if (take_yamnet) {
    out.data.resize(yamnet::kPatchSize);
    log_mel_.patch(wave.data(), wave.size(), out.data.data());
    ++yamnet_next_;
  } else {
    normalize_wav2vec2(wave.data(), wave.size(), wave.data());
    out.data = std::move(wave);
    if (n.tail) {
      w2v_tail_pending_ = false;
    } else {
      ++w2v_next_;
    }
  }
  discard_consumed();
  return out;
}

void StreamFrontEnd::discard_consumed() {
  std::uint64_t keep = real_end_;
  if (config_.enable_yamnet) keep = std::min(keep, yamnet_next_ * yamnet_hop_);
  if (config_.enable_wav2vec2) {
    keep = std::min(keep, w2v_next_ * w2v_hop_);
    // flush() may add a window over the last w2v_window_ samples: always keep them.
    keep = std::min(keep, real_end_ > w2v_window_ ? real_end_ - w2v_window_ : 0);
  }
  buffer_.discard_before(keep);
}

void StreamFrontEnd::reset() {
  resampler_.reset();
  buffer_.clear();
  scratch_.clear();
  real_end_ = yamnet_end_ = yamnet_next_ = w2v_next_ = 0;
  w2v_tail_pending_ = false;
  flushed_ = false;
}

double StreamFrontEnd::stream_seconds() const { return static_cast<double>(real_end_) / kSampleRate; }

}  // namespace cryscope
