// FLAC → mono float samples for Node, with @wasm-audio-decoders/flac.
//
// Why the sentinel: that decoder (codec-parser 2.5) drops a file's last frame when the frame is
// only a few bytes long (a short final block of silence or a constant, 11–40 bytes): it waits for
// bytes that never come. Measured on the test split: 6 of 269 files lost 177–4096 samples each. A
// frame is emitted once the parser sees the NEXT frame's header, so we append a copy of the first
// frame's header after the data; the sentinel itself fails its CRC and is dropped. The result is
// then checked against STREAMINFO's sample count, so a file is never silently shortened.
import type { DecodedAudio } from '../wav.js';

interface StreamInfo {
  /** Total samples per channel (0 = unknown). */
  totalSamples: number;
  /** Byte offset of the first audio frame. */
  firstFrame: number;
}

/** Reads the metadata blocks; throws on a malformed header. */
export function flacStreamInfo(bytes: Uint8Array): StreamInfo {
  if (bytes.length < 42 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'fLaC') throw new Error('not a FLAC file');
  let off = 4;
  let totalSamples = 0;
  for (;;) {
    if (off + 4 > bytes.length) throw new Error('FLAC metadata is truncated');
    const last = (bytes[off] & 0x80) !== 0;
    const type = bytes[off] & 0x7f;
    const len = (bytes[off + 1] << 16) | (bytes[off + 2] << 8) | bytes[off + 3];
    if (type === 0) {
      if (len < 34 || off + 4 + 34 > bytes.length) throw new Error('FLAC STREAMINFO is truncated');
      const si = off + 4;
      totalSamples = (bytes[si + 13] & 0x0f) * 2 ** 32 + bytes[si + 14] * 2 ** 24 + (bytes[si + 15] << 16) + (bytes[si + 16] << 8) + bytes[si + 17];
    }
    off += 4 + len;
    if (last) break;
  }
  return { totalSamples, firstFrame: off };
}

export async function decodeFlac(bytes: Uint8Array): Promise<DecodedAudio> {
  const info = flacStreamInfo(bytes);
  const { FLACDecoder } = await import('@wasm-audio-decoders/flac');
  const dec = new FLACDecoder();
  await dec.ready;
  try {
    const sentinel = bytes.subarray(info.firstFrame, Math.min(bytes.length, info.firstFrame + 16));
    const data = new Uint8Array(bytes.length + sentinel.length);
    data.set(bytes);
    data.set(sentinel, bytes.length);
    const r = await dec.decodeFile(data);
    if (!r.channelData.length || r.samplesDecoded === 0) {
      throw new Error(r.errors?.length ? `FLAC decode failed: ${JSON.stringify(r.errors[0])}` : 'FLAC file has no audio');
    }
    const n = info.totalSamples ? Math.min(r.samplesDecoded, info.totalSamples) : r.samplesDecoded;
    if (info.totalSamples && r.samplesDecoded < info.totalSamples) {
      throw new Error(`FLAC decode lost audio: ${r.samplesDecoded} of ${info.totalSamples} samples decoded (convert the file to WAV)`);
    }
    // The decoder scales b-bit integers by 1/(2^(b-1) - 1); WAV parsing, Web Audio and libsndfile (the
    // models' evaluation) use 1/2^(b-1). Rescale so the same file gives the same samples everywhere —
    // the int8 models turn a 3e-5 relative difference into visible probability differences.
    const full = 2 ** ((r.bitDepth || 16) - 1);
    const k = (full - 1) / full / r.channelData.length;
    const out = new Float32Array(n);
    for (const ch of r.channelData) for (let i = 0; i < n; i++) out[i] += ch[i] * k;
    return { samples: out, sampleRate: r.sampleRate };
  } finally {
    dec.free();
  }
}
