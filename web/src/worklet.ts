// AudioWorkletProcessor: runs on the real-time audio thread at the device's own rate.
// It only copies mono samples out (SharedArrayBuffer ring when the page is cross-origin isolated,
// else batched transferable messages). Resampling, features and inference all happen in the Worker.
import { SampleRing } from './ring.js';

declare const sampleRate: number;
declare class AudioWorkletProcessor {
  readonly port: MessagePort;
}
declare function registerProcessor(name: string, ctor: unknown): void;

interface Init {
  ring?: SharedArrayBuffer;
  port?: MessagePort;
}

class CaptureProcessor extends AudioWorkletProcessor {
  private ring: SampleRing | null = null;
  private out: MessagePort | null = null;
  private batch: Float32Array;
  private fill = 0;
  private running = true;

  constructor(options: { processorOptions: Init }) {
    super();
    const init = options.processorOptions ?? {};
    if (init.ring) this.ring = new SampleRing(init.ring);
    // ~20 ms batches keep message overhead low without adding noticeable latency.
    this.batch = new Float32Array(Math.max(128, Math.round(sampleRate * 0.02)));
    this.port.onmessage = (e: MessageEvent) => {
      if (e.data?.port) this.out = e.data.port as MessagePort;
      if (e.data?.type === 'pause') this.running = false;
      if (e.data?.type === 'resume') this.running = true;
      if (e.data?.type === 'stop') { this.running = false; this.out?.close(); }
    };
  }

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0];
    if (!this.running || !input || input.length === 0) return true;
    const n = input[0].length;
    // Mono mix without allocating on the audio thread.
    const ch = input.length;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < ch; c++) s += input[c][i];
      this.batch[this.fill++] = s / ch;
      if (this.fill === this.batch.length) this.emit();
    }
    return true;
  }

  private emit(): void {
    if (this.ring) this.ring.write(this.batch);
    else if (this.out) {
      const copy = this.batch.slice();
      this.out.postMessage(copy, [copy.buffer]);
    }
    this.fill = 0;
  }
}

registerProcessor('cryscope-capture', CaptureProcessor);
