/**
 * Reads the duration of a WAV or FLAC clip from its header, so the API can refuse a clip
 * outside 5–15 s with a 4xx before anything is stored (decoding happens in the workflow).
 */
export interface ClipHeader {
  format: 'wav' | 'flac';
  sampleRate: number;
  channels: number;
  durationSeconds: number;
}

export function readClipHeader(bytes: Uint8Array): ClipHeader {
  const ascii = (o: number, n: number) => String.fromCharCode(...bytes.subarray(o, o + n));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WAVE') return wav(bytes, view, ascii);
  if (bytes.length >= 42 && ascii(0, 4) === 'fLaC') return flac(bytes);
  throw new Error('not a WAV (RIFF/WAVE) or FLAC (fLaC) file');
}

function wav(bytes: Uint8Array, view: DataView, ascii: (o: number, n: number) => string): ClipHeader {
  let off = 12;
  let fmt: { channels: number; sampleRate: number; blockAlign: number } | null = null;
  while (off + 8 <= bytes.length) {
    const id = ascii(off, 4);
    const size = view.getUint32(off + 4, true);
    if (id === 'fmt ') {
      if (size < 16 || off + 24 > bytes.length) throw new Error('WAV fmt chunk truncated');
      fmt = { channels: view.getUint16(off + 10, true), sampleRate: view.getUint32(off + 12, true), blockAlign: view.getUint16(off + 20, true) };
    } else if (id === 'data') {
      if (!fmt) throw new Error('WAV data chunk before fmt chunk');
      if (!fmt.sampleRate || !fmt.blockAlign || !fmt.channels) throw new Error('WAV header has zero sample rate, channels or block size');
      const available = Math.min(size, bytes.length - off - 8);
      return { format: 'wav', sampleRate: fmt.sampleRate, channels: fmt.channels, durationSeconds: Math.floor(available / fmt.blockAlign) / fmt.sampleRate };
    }
    off += 8 + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}

function flac(bytes: Uint8Array): ClipHeader {
  // STREAMINFO is the first metadata block: 4-byte block header at 4, body at 8.
  if ((bytes[4] & 0x7f) !== 0) throw new Error('FLAC does not start with STREAMINFO');
  const b = bytes.subarray(8);
  const sampleRate = (b[10] << 12) | (b[11] << 4) | (b[12] >> 4);
  const channels = ((b[12] >> 1) & 0x07) + 1;
  const totalSamples = (b[13] & 0x0f) * 2 ** 32 + ((b[14] << 24) >>> 0) + (b[15] << 16) + (b[16] << 8) + b[17];
  if (!sampleRate) throw new Error('FLAC STREAMINFO has sample rate 0');
  if (!totalSamples) throw new Error('FLAC STREAMINFO does not state the number of samples');
  return { format: 'flac', sampleRate, channels, durationSeconds: totalSamples / sampleRate };
}
