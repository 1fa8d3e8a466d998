// Where a recorded cry actually starts, for onset-latency measurements.
// Why: many labelled cry clips open with silence, breathing or a faint whimper before the cry (in the
// validation split the loud part starts 0.55 s in, median; up to 5 s). Measuring latency from the
// start of the file charges the detector for that lead-in. The acoustic onset is the start of the
// first 100 ms frame whose RMS is within `belowPeakDb` of the clip's loudest frame; the benchmarks
// splice each cry from there onward after normal audio, so the cry starts at a known instant.

/**
 * Seconds from the start of `samples` to its acoustic onset.
 * @param {Float32Array} samples mono audio
 * @param {number} sampleRate Hz
 * @param {{ frameSeconds?: number, belowPeakDb?: number }} [opts] frame length in seconds (default 0.1);
 *   dB below the loudest frame that counts as "started" (default 20)
 * @returns {number} seconds, a multiple of frameSeconds; 0 for a clip shorter than one frame
 */
export function acousticOnset(samples, sampleRate, opts = {}) {
  const frameSeconds = opts.frameSeconds ?? 0.1;
  const belowPeakDb = opts.belowPeakDb ?? 20;
  if (!(sampleRate > 0) || !(frameSeconds > 0) || !(belowPeakDb >= 0)) {
    throw new RangeError(`acousticOnset: sampleRate, frameSeconds must be > 0 and belowPeakDb ≥ 0 (got ${sampleRate}, ${frameSeconds}, ${belowPeakDb})`);
  }
  const frame = Math.max(1, Math.round(frameSeconds * sampleRate));
  const frames = Math.floor(samples.length / frame);
  if (frames === 0) return 0;
  const energy = new Float64Array(frames);
  let peak = 0;
  for (let f = 0; f < frames; f++) {
    let s = 0;
    for (let i = f * frame; i < (f + 1) * frame; i++) s += samples[i] * samples[i];
    energy[f] = s / frame;
    peak = Math.max(peak, energy[f]);
  }
  if (peak === 0) return 0;
  const floor = peak * 10 ** (-belowPeakDb / 10); // energy ratio = power dB / 10
  for (let f = 0; f < frames; f++) if (energy[f] >= floor) return (f * frame) / sampleRate;
  return 0;
}
