// A small WAV parser (PCM 8/16/24/32-bit, IEEE float 32/64, WAVE_FORMAT_EXTENSIBLE), mixed to mono.
// Pure and dependency-free so Node, the CLI and tests share it; throws clear errors on bad files.

export interface DecodedAudio {
  samples: Float32Array;
  sampleRate: number;
}

export function isWav(b: Uint8Array): boolean {
  return b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WAVE';
}

function ascii(b: Uint8Array, o: number, n: number): string {
  return String.fromCharCode(...b.subarray(o, o + n));
}

export function parseWav(bytes: Uint8Array): DecodedAudio {
  if (!isWav(bytes)) throw new Error('not a WAV file (missing RIFF/WAVE header)');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: { format: number; channels: number; rate: number; bits: number; blockAlign: number } | null = null;
  let data: { offset: number; size: number } | null = null;
  let o = 12;
  while (o + 8 <= bytes.length) {
    const id = ascii(bytes, o, 4);
    const size = dv.getUint32(o + 4, true);
    const body = o + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) throw new Error('WAV fmt chunk too short or truncated');
      let format = dv.getUint16(body, true);
      if (format === 0xfffe && size >= 40) format = dv.getUint16(body + 24, true); // extensible: sub-format GUID's first two bytes
      fmt = { format, channels: dv.getUint16(body + 2, true), rate: dv.getUint32(body + 4, true), blockAlign: dv.getUint16(body + 12, true), bits: dv.getUint16(body + 14, true) };
    } else if (id === 'data') {
      // Some writers leave size 0 / 0xFFFFFFFF when streaming: take the rest of the file.
      const avail = bytes.length - body;
      data = { offset: body, size: size === 0 || size > avail ? avail : size };
      break;
    }
    o = body + size + (size & 1);
  }
  if (!fmt) throw new Error('WAV file has no fmt chunk');
  if (!data) throw new Error('WAV file has no data chunk');
  const { format, channels, rate, bits } = fmt;
  if (channels < 1 || channels > 32) throw new Error(`WAV: unsupported channel count ${channels}`);
  if (rate < 1000 || rate > 768000) throw new Error(`WAV: unsupported sample rate ${rate}`);
  const bps = bits / 8;
  if (!((format === 1 && [1, 2, 3, 4].includes(bps)) || (format === 3 && (bps === 4 || bps === 8)))) {
    throw new Error(`WAV: unsupported encoding (format ${format}, ${bits} bits); use PCM or IEEE float`);
  }
  const frame = bps * channels;
  const frames = Math.floor(data.size / frame);
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    let s = 0;
    for (let c = 0; c < channels; c++) {
      const p = data.offset + i * frame + c * bps;
      let v: number;
      if (format === 3) v = bps === 4 ? dv.getFloat32(p, true) : dv.getFloat64(p, true);
      else if (bps === 1) v = (dv.getUint8(p) - 128) / 128;
      else if (bps === 2) v = dv.getInt16(p, true) / 32768;
      else if (bps === 3) v = (((dv.getUint8(p + 2) << 24) | (dv.getUint8(p + 1) << 16) | (dv.getUint8(p) << 8)) >> 8) / 8388608;
      else v = dv.getInt32(p, true) / 2147483648;
      s += v;
    }
    out[i] = s / channels;
  }
  return { samples: out, sampleRate: rate };
}

/** Encodes mono float samples as 16-bit PCM WAV (tests and the fake-microphone helper use it). */
export function encodeWav(samples: Float32Array, sampleRate: number): Uint8Array {
  const buf = new ArrayBuffer(44 + samples.length * 2);
  const dv = new DataView(buf);
  const w = (o: number, s: string) => { for (let i = 0; i < s.length; i++) dv.setUint8(o + i, s.charCodeAt(i)); };
  w(0, 'RIFF'); dv.setUint32(4, 36 + samples.length * 2, true); w(8, 'WAVE');
  w(12, 'fmt '); dv.setUint32(16, 16, true); dv.setUint16(20, 1, true); dv.setUint16(22, 1, true);
  dv.setUint32(24, sampleRate, true); dv.setUint32(28, sampleRate * 2, true); dv.setUint16(32, 2, true); dv.setUint16(34, 16, true);
  w(36, 'data'); dv.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) dv.setInt16(44 + i * 2, Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32767))), true);
  return new Uint8Array(buf);
}
