// libFuzzer target over the decision half: Decider options / Fusion JSON parsing, then a program
// of update / flush / reset calls with arbitrary probabilities (raw double bits, so NaN, Inf,
// negatives, logits and denormals occur), absent models and arbitrary times.
// Input layout: [options JSON text] 0x00 [program]. The program's opcodes:
//   op % 4 == 0, 1  update: time step byte, then per model a presence bit (op bits 2–3) and three
//                   probabilities (op bit 4: raw f64 bits; else bytes normalised to a distribution)
//   op % 4 == 2     flush(time)
//   op % 4 == 3     reset()
// Invariants (abort on violation, which libFuzzer reports): every failure is a cryscope::Error; a
// rejected update leaves the Decider exactly as it was (checked against a copy); outputs are
// finite distributions; events alternate onset → offset per class with end ≥ start and
// 0 ≤ mean ≤ peak ≤ 1.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "cryscope/decider.hpp"
#include "cryscope/errors.hpp"
#include "fuzz_input.hpp"
#include "cryscope/fusion.hpp"

namespace {

using cryscope_fuzz::check;
using cryscope_fuzz::Reader;

bool same(const cryscope::Probs& a, const cryscope::Probs& b) {
  for (std::size_t c = 0; c < cryscope::kNumClasses; ++c) {
    if (!(a[c] == b[c])) return false;
  }
  return true;
}

void check_distribution(const cryscope::Probs& p, double sum_tolerance) {
  double sum = 0;
  for (double v : p) {
    check(std::isfinite(v) && v >= 0.0 && v <= 1.0 + 1e-12);
    sum += v;
  }
  if (sum_tolerance >= 0) check(std::fabs(sum - 1.0) <= sum_tolerance);
}

// Tracks the onset → offset alternation per event class across the whole program.
struct EventLog {
  std::array<bool, cryscope::kNumEventClasses> open{};
  void see(const std::vector<cryscope::Event>& events) {
    for (const auto& e : events) {
      check(e.label < cryscope::kNumEventClasses);
      check(std::isfinite(e.start) && std::isfinite(e.peak) && std::isfinite(e.mean));
      check(e.mean >= -1e-12 && e.mean <= e.peak + 1e-12 && e.peak <= 1.0 + 1e-12);
      if (e.type == cryscope::EventType::kOnset) {
        check(!open[e.label] && !e.end);
        open[e.label] = true;
      } else {
        check(open[e.label] && e.end && *e.end >= e.start);
        open[e.label] = false;
      }
    }
  }
  void closed_all() {
    for (bool o : open) check(!o);
  }
};

std::optional<cryscope::Probs> read_probs(Reader& in, bool present, bool raw) {
  if (!present) return std::nullopt;
  cryscope::Probs p{};
  if (raw) {
    for (double& v : p) v = in.f64();
  } else {
    double sum = 0;
    for (double& v : p) sum += (v = in.byte());
    for (double& v : p) v = sum > 0 ? v / sum : v;  // all-zero stays invalid on purpose
  }
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto* nul = static_cast<const std::uint8_t*>(std::memchr(data, 0, size));
  const std::size_t text_len = nul ? static_cast<std::size_t>(nul - data) : size;
  const std::string_view text(reinterpret_cast<const char*>(data), text_len);

  // Fusion JSON alone (the same text): parses to a valid config or throws a cryscope::Error.
  try {
    const cryscope::FusionConfig f = cryscope::parse_fusion_config(text);
    f.validate();  // what the parser returns must already be valid
  } catch (const cryscope::Error&) {
  }

  std::optional<cryscope::Decider> decider;
  try {
    decider.emplace(cryscope::parse_decider_options(text));
  } catch (const cryscope::Error&) {
    // Rejected options: fall back to the defaults so the program still exercises updates.
    decider.emplace(cryscope::DeciderConfig{});
  }

  Reader in(nul ? nul + 1 : data + size, nul ? size - text_len - 1 : 0);
  EventLog log;
  double time = 0;
  while (!in.empty()) {
    const std::uint8_t op = in.byte();
    switch (op % 4) {
      case 0:
      case 1: {
        // Mostly forward steps of 0–2.55 s; 1 in 16 steps goes backwards (must be rejected).
        const std::uint8_t step = in.byte();
        const double t = (op & 0x20) && (step & 0x0F) == 0 ? time - 0.5 : time + step / 100.0;
        const auto y = read_probs(in, op & 0x04, op & 0x10);
        const auto w = read_probs(in, op & 0x08, op & 0x10);
        const cryscope::Decider before = *decider;
        try {
          const cryscope::DeciderOutput out = decider->update(t, y, w);
          time = t;
          check(out.time == t);
          check(out.has_yamnet == y.has_value() && out.has_wav2vec2 == w.has_value());
          check(out.degraded == (y.has_value() != w.has_value()));
          check_distribution(out.fused, 1e-9);
          check_distribution(out.smoothed, -1);  // median smoothing need not sum to 1
          log.see(out.events);
        } catch (const cryscope::Error&) {
          // All-or-nothing: the rejected call changed nothing, so both answer the next valid
          // update identically.
          cryscope::Decider copy = before;
          const cryscope::Probs ok{0.7, 0.2, 0.1};
          const double next = time + 0.5;
          const auto a = decider->update(next, ok, std::nullopt);
          const auto b = copy.update(next, ok, std::nullopt);
          check(same(a.fused, b.fused) && same(a.smoothed, b.smoothed) && a.events.size() == b.events.size());
          time = next;
          log.see(a.events);
        }
        break;
      }
      case 2: {
        const double t = time + in.byte() / 100.0;
        log.see(decider->flush(t));
        log.closed_all();
        time = 0;  // after flush the Decider is as new: time may restart at 0
        break;
      }
      case 3:
        decider->reset();
        log = EventLog{};
        time = 0;
        break;
    }
  }
  log.see(decider->flush(time + 1.0));
  log.closed_all();
  return 0;
}
