// Writes deterministic inputs and the native core's outputs for them, so the Vitest suite can run
// the same inputs through the WASM build and compare (tests/wasm/parity.test.ts).
// Usage: cryscope_native_dump OUT_DIR   → OUT_DIR/index.json + *.f32 (little-endian float32)
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cryscope/decider.hpp"
#include "cryscope/log_mel.hpp"
#include "cryscope/resampler.hpp"
#include "cryscope/stream_frontend.hpp"
#include "cryscope/wav2vec2_input.hpp"

using nlohmann::json;

namespace {

std::string g_dir;

std::string write_f32(const std::string& name, const std::vector<float>& v) {
  std::ofstream f(g_dir + "/" + name, std::ios::binary);
  f.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(float)));
  if (!f) throw std::runtime_error("cannot write " + name);
  return name;
}

// Deterministic test signal: two tones, a chirp and LCG noise (no libm differences matter because
// the JS side reads the samples from the file rather than regenerating them).
std::vector<float> signal(double rate, double seconds, std::uint32_t seed) {
  const std::size_t n = static_cast<std::size_t>(rate * seconds);
  std::vector<float> x(n);
  std::uint32_t s = seed;
  const double pi = 3.14159265358979323846;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / rate;
    s = s * 1664525u + 1013904223u;
    const double noise = (static_cast<double>(s >> 8) / 16777216.0 - 0.5) * 0.1;
    x[i] = static_cast<float>(0.4 * std::sin(2 * pi * 440 * t) + 0.2 * std::sin(2 * pi * 3000 * t) +
                              0.2 * std::sin(2 * pi * (200 + 2000 * t) * t) + noise);
  }
  return x;
}

json resampler_case(int rate, std::size_t chunk) {
  const std::vector<float> in = signal(rate, 1.3, static_cast<std::uint32_t>(rate));
  cryscope::Resampler r(rate);
  std::vector<float> out;
  for (std::size_t i = 0; i < in.size(); i += chunk) {
    r.process(in.data() + i, std::min(chunk, in.size() - i), out);
  }
  r.flush(out);
  const std::string tag = "resampler_" + std::to_string(rate);
  return {{"name", tag}, {"inputRate", rate}, {"chunk", chunk},
          {"input", write_f32(tag + "_in.f32", in)}, {"output", write_f32(tag + "_out.f32", out)}};
}

json log_mel_case(const std::string& tag, double seconds) {
  const std::vector<float> in = signal(16000, seconds, 7);
  const cryscope::LogMel lm;
  return {{"name", tag}, {"input", write_f32(tag + "_in.f32", in)},
          {"logMel", write_f32(tag + "_logmel.f32", lm.clip_log_mel(in.data(), in.size()))},
          {"patches", write_f32(tag + "_patches.f32", lm.clip_patches(in.data(), in.size()))}};
}

// Models emit float32, and the JS side passes Float32Arrays: round through float the same way.
// (Kept out of line: GCC 12 -O3 dropped the float round-trip when this was an inlined lambda.)
[[gnu::noinline]] cryscope::Probs to_float32_probs(const std::array<double, 3>& raw, double sum) {
  volatile float f[3];
  for (std::size_t c = 0; c < 3; ++c) f[c] = static_cast<float>(raw[c] / sum);
  return cryscope::Probs{f[0], f[1], f[2]};
}

// StreamFrontEnd at `rate`, pushed in `chunk`-sample pieces, popped after every push, then flushed.
// Writes all window data concatenated and the window list (model, start, end, length).
json stream_case(const std::string& tag, int rate, std::size_t chunk, double seconds, double w2v_window) {
  const std::vector<float> in = signal(rate, seconds, 99);
  cryscope::StreamFrontEndConfig c;
  c.input_sample_rate = rate;
  c.wav2vec2_window_seconds = w2v_window;
  cryscope::StreamFrontEnd fe(c);
  std::vector<float> data;
  json windows = json::array();
  auto drain = [&] {
    while (auto w = fe.pop()) {
      windows.push_back({{"model", cryscope::model_name(w->model)}, {"start", w->start}, {"end", w->end},
                         {"length", w->data.size()}});
      data.insert(data.end(), w->data.begin(), w->data.end());
    }
  };
  for (std::size_t i = 0; i < in.size(); i += chunk) {
    fe.push(in.data() + i, std::min(chunk, in.size() - i));
    drain();
  }
  fe.flush();
  drain();
  return {{"name", tag}, {"options", {{"inputSampleRate", rate}, {"wav2vec2WindowSeconds", w2v_window}}},
          {"chunk", chunk}, {"input", write_f32(tag + "_in.f32", in)}, {"windows", windows},
          {"data", write_f32(tag + "_windows.f32", data)}};
}

json normalize_case() {
  std::vector<float> in = signal(16000, 2.0, 5);
  for (float& v : in) v = 0.3f * v + 0.05f;  // non-zero mean
  return {{"name", "normalize_2s"}, {"input", write_f32("normalize_in.f32", in)},
          {"output", write_f32("normalize_out.f32", cryscope::normalize_wav2vec2(in.data(), in.size()))}};
}

json probs_json(const cryscope::Probs& p) { return json::array({p[0], p[1], p[2]}); }

json decider_case(const std::string& tag, const json& options) {
  cryscope::Decider d(cryscope::parse_decider_options(options.dump()));
  json updates = json::array();
  std::uint32_t s = 12345;
  auto rnd = [&s] {
    s = s * 1664525u + 1013904223u;
    return static_cast<double>(s >> 8) / 16777216.0;
  };
  for (int i = 0; i < 120; ++i) {
    const double t = 0.5 * i;
    // Alternating quiet / cry / scream stretches with noise; some windows miss a model.
    const int phase = (i / 15) % 4;
    cryscope::Probs base = phase == 1 ? cryscope::Probs{0.8, 0.1, 0.1}
                           : phase == 3 ? cryscope::Probs{0.15, 0.75, 0.1}
                                        : cryscope::Probs{0.1, 0.1, 0.8};
    auto noisy = [&] {
      std::array<double, 3> raw{};
      double sum = 0;
      for (std::size_t c = 0; c < 3; ++c) sum += (raw[c] = base[c] + 0.4 * rnd());
      return to_float32_probs(raw, sum);
    };
    std::optional<cryscope::Probs> y = noisy(), w = noisy();
    if (i % 17 == 5) y.reset();
    if (i % 23 == 7) w.reset();
    const cryscope::DeciderOutput o = d.update(t, y, w);
    json events = json::array();
    for (const auto& e : o.events) {
      json je = {{"type", cryscope::to_string(e.type)}, {"label", cryscope::kLabels[e.label]},
                 {"start", e.start}, {"peak", e.peak}, {"mean", e.mean}};
      if (e.end) je["end"] = *e.end;
      events.push_back(je);
    }
    updates.push_back({{"time", t}, {"yamnet", y ? probs_json(*y) : json(nullptr)},
                       {"wav2vec2", w ? probs_json(*w) : json(nullptr)}, {"fused", probs_json(o.fused)},
                       {"smoothed", probs_json(o.smoothed)}, {"events", events}});
  }
  json flushed = json::array();
  for (const auto& e : d.flush(60.0)) {
    flushed.push_back({{"type", cryscope::to_string(e.type)}, {"label", cryscope::kLabels[e.label]},
                       {"start", e.start}, {"end", *e.end}, {"peak", e.peak}, {"mean", e.mean}});
  }
  return {{"name", tag}, {"options", options}, {"updates", updates}, {"flushTime", 60.0}, {"flush", flushed}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: cryscope_native_dump OUT_DIR\n";
    return 2;
  }
  g_dir = argv[1];
  try {
    json index;
    index["resampler"] = json::array({resampler_case(48000, 128), resampler_case(44100, 441),
                                      resampler_case(8000, 1000), resampler_case(22050, 333),
                                      resampler_case(16000, 100)});
    index["stream"] = json::array({stream_case("stream_48k", 48000, 128, 4.3, 2.0),
                                   stream_case("stream_44k1", 44100, 441, 3.1, 1.5),
                                   stream_case("stream_16k_short", 16000, 1000, 0.6, 2.0)});
    index["normalize"] = normalize_case();
    index["logMel"] = json::array({log_mel_case("logmel_short", 0.3), log_mel_case("logmel_long", 3.7)});
    const json fusion = {{"labels", {"cry", "scream", "normal"}}, {"default", "logistic"}, {"weights", {0.6, 0.4}},
                         {"logistic", {{"features", "log_probs"},
                                       {"coef", {{1.2, -0.3, 0.1, 0.9, -0.2, 0.0},
                                                 {-0.2, 1.1, 0.0, -0.1, 1.3, 0.2},
                                                 {0.1, 0.2, 0.8, 0.0, -0.1, 1.0}}},
                                       {"intercept", {0.1, -0.2, 0.05}}}}};
    index["decider"] = json::array({
        decider_case("decider_logistic_ema", {{"fusion", fusion}, {"smoothing", {{"method", "ema"}, {"alpha", 0.4}}},
                                              {"minDurationSeconds", 1.0}, {"cooldownSeconds", 2.0}}),
        decider_case("decider_vote_median", {{"fusion", fusion.dump()}, {"method", "vote"},
                                             {"smoothing", {{"method", "median"}, {"size", 5}}},
                                             {"thresholds", {{"cry", {{"on", 0.55}, {"off", 0.35}}}}},
                                             {"minDurationSeconds", 0.5}, {"cooldownSeconds", 1.0}}),
        decider_case("decider_geometric_none", {{"fusion", fusion}, {"method", "geometric_mean"},
                                                {"smoothing", {{"method", "none"}}}, {"minDurationSeconds", 0.0}}),
    });
    std::ofstream(g_dir + "/index.json") << index.dump(1) << "\n";
  } catch (const std::exception& e) {
    std::cerr << "native_dump: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
