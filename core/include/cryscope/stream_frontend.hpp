// StreamFrontEnd: the streaming windower between the microphone and the two models.
//
//   push(chunk at the device rate) → Resampler → 16 kHz RingBuffer → analysis windows:
//     * YAMNet:   15600 samples (0.975 s) → one [96,64] log-mel patch (LogMel), every
//                 yamnet_hop_seconds (default 0.5 s);
//     * Wav2Vec2: wav2vec2_window_seconds (default 2 s, 1–15 s) of waveform, zero-mean/unit-variance
//                 normalised, every wav2vec2_hop_seconds (default 0.5 s).
//   pop() hands out the next ready window, ordered by end time (YAMNet first on a tie).
//
// Timing: stream time starts at 0 with the first pushed sample; window k of a model starts at
// k·hop. start/end are seconds of stream time (16 kHz sample index / 16000). The resampler has
// zero group delay, so times are those of the input signal; a window is ready once the resampler
// has produced its last sample (≈3 ms after that sample arrived, see Resampler).
//
// Streaming-exact: the windows (times and data) do not depend on how the input was chunked.
//
// flush() ends the stream like YAMNet ends a clip: the resampler's tail is emitted, then
//   * YAMNet: the stream is zero-padded to 15600 + k·hop samples (YAMNet's pad_waveform with our
//     hop) so the last samples are covered; padded windows report end = the stream's end;
//   * Wav2Vec2: if the last samples are not covered by a window, one more window is added that
//     ends at the stream's end (the last window_seconds of audio, or the whole stream if shorter,
//     never zero-padded; at least 400 samples, else zero-padded to 400).
//   So a 0.5 s clip yields one window of each model. After flush(), push() throws until reset().
//
// Memory: the ring buffer holds audio from the oldest window not yet popped to the newest
// sample: longest window + hop in steady state. A backlog (pushing without popping, e.g. 10
// minutes in one push) is held as 16 kHz audio only — windows are computed lazily in pop() — and
// is capped at max_pending_seconds: a push that would exceed it throws CapacityError and is
// rejected whole (state unchanged); pop() windows (or push smaller pieces) and retry.
//
// Bad input: NaN/Inf → AudioError, chunk rejected, state unchanged. Invalid config → ConfigError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "cryscope/log_mel.hpp"
#include "cryscope/resampler.hpp"
#include "cryscope/ring_buffer.hpp"

namespace cryscope {

// Defaults for using the core on its own. They are not the shipped models' settings: the npm package
// always sets every field from the model manifest (web/src/options.ts) and never relies on these.
struct StreamFrontEndConfig {
  double input_sample_rate = 16000.0;   ///< Hz, integer in [8000, 96000]
  double yamnet_hop_seconds = 0.5;      ///< s, in [0.01, 0.975]; rounded to whole 16 kHz samples
  double wav2vec2_window_seconds = 2.0;  ///< s, in [1, 15]; rounded to whole 16 kHz samples
  double wav2vec2_hop_seconds = 0.5;     ///< s, in [0.01, wav2vec2_window_seconds]
  bool enable_yamnet = true;            ///< emit YAMNet patches
  bool enable_wav2vec2 = true;          ///< emit Wav2Vec2 windows (at least one model must be on)
  double max_pending_seconds = 900.0;   ///< s of 16 kHz audio held for un-popped windows, in
                                        ///< [longest window + hop, 3600]; default 15 min (≈58 MB)
};

enum class WindowModel { Yamnet, Wav2Vec2 };

/// Name used in JSON/JS: "yamnet" or "wav2vec2".
const char* model_name(WindowModel model);

struct AnalysisWindow {
  WindowModel model = WindowModel::Yamnet;
  double start = 0.0;               ///< s of stream time
  double end = 0.0;                 ///< s of stream time (≤ stream end for flush-padded windows)
  std::uint64_t start_sample = 0;   ///< 16 kHz sample index of the first sample
  std::uint64_t length_samples = 0; ///< 16 kHz samples the window spans (incl. padding)
  std::vector<float> data;          ///< YAMNet: [96·64] patch, row-major; Wav2Vec2: normalised waveform
};

class StreamFrontEnd {
 public:
  static constexpr int kSampleRate = 16000;       ///< Hz, internal rate
  static constexpr int kYamnetWindow = yamnet::kMinSamples;  ///< 15600 samples
  static constexpr int kMinWav2vec2Samples = 400;  ///< shortest Wav2Vec2 window (its first conv)

  /// Throws ConfigError with the offending field and the allowed range.
  explicit StreamFrontEnd(const StreamFrontEndConfig& config);
  ~StreamFrontEnd();

  /// Pushes one chunk at the input rate; returns the number of windows ready to pop().
  /// Throws AudioError (NaN/Inf), CapacityError (backlog cap), Error (after flush) — state unchanged.
  std::size_t push(const float* samples, std::size_t count);
  std::size_t push(const std::vector<float>& samples) { return push(samples.data(), samples.size()); }

  /// The next ready window by end time, or nullopt.
  std::optional<AnalysisWindow> pop();
  /// Windows ready to pop().
  std::size_t pending() const;

  /// Ends the stream (see header comment); returns the number of windows ready.
  std::size_t flush();
  /// Back to a fresh stream at time 0; drops queued windows and audio.
  void reset();

  const StreamFrontEndConfig& config() const { return config_; }
  /// Seconds of 16 kHz audio received so far (excluding flush padding).
  double stream_seconds() const;
  /// 16 kHz samples currently held (audio for un-popped and future windows).
  std::size_t buffered_samples() const { return buffer_.size(); }
  /// Bytes of audio storage currently allocated by the ring buffer.
  std::size_t buffer_bytes() const { return buffer_.capacity() * sizeof(float); }
  std::uint64_t yamnet_hop_samples() const { return yamnet_hop_; }
  std::uint64_t wav2vec2_window_samples() const { return w2v_window_; }
  std::uint64_t wav2vec2_hop_samples() const { return w2v_hop_; }

 private:
  struct Next {  // the next window of one model, if ready
    bool ready = false;
    bool tail = false;  // the end-aligned Wav2Vec2 window added by flush()
    std::uint64_t start = 0, length = 0, end_for_order = 0;
  };
  Next next_yamnet() const;
  Next next_wav2vec2() const;
  void append_resampled(const std::vector<float>& samples);
  void discard_consumed();

  StreamFrontEndConfig config_;
  std::uint64_t yamnet_hop_ = 0, w2v_window_ = 0, w2v_hop_ = 0, max_pending_ = 0;
  Resampler resampler_;
  LogMel log_mel_;
  RingBuffer buffer_;
  std::vector<float> scratch_;     // resampler output, reused
  std::uint64_t real_end_ = 0;     // 16 kHz samples of real audio received
  std::uint64_t yamnet_end_ = 0;   // samples YAMNet windows may use (real_end_, or padded after flush)
  std::uint64_t yamnet_next_ = 0;  // index k of the next YAMNet window to pop
  std::uint64_t w2v_next_ = 0;     // index j of the next regular Wav2Vec2 window
  bool w2v_tail_pending_ = false;  // flush() added an end-aligned Wav2Vec2 window
  bool flushed_ = false;
};

}  // namespace cryscope
