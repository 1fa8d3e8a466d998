// The demo page: live detection from the microphone, file analysis, settings, backend status.
import { CryDetector, CryDetectorError, LABELS, OptionsError, type CryDetectorOptions, type DetectionEvent, type DetectorState, type HealthEvent, type WakeLockState, type WindowResult } from '../src/index.js';
import { drawTimeline, episodesFrom, type Episode } from './timeline.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  start: $<HTMLButtonElement>('start'), pause: $<HTMLButtonElement>('pause'), stop: $<HTMLButtonElement>('stop'),
  status: $('status'), error: $('error'), warning: $('warning'), loading: $('loading'),
  progressText: $('progress-text'), progressBar: $<HTMLProgressElement>('progress-bar'),
  bars: $('bars'), audioset: $('audioset'), timeline: $<HTMLCanvasElement>('timeline'),
  events: $('events'), noEvents: $('no-events'), drop: $('drop'), file: $<HTMLInputElement>('file'),
  fileResult: $('file-result'), fileTimeline: $<HTMLCanvasElement>('file-timeline'), fileEvents: $('file-events'),
  settings: $<HTMLFormElement>('settings'), backendStatus: $('backend-status'), reportedState: $('reported-state'), about: $('about'),
  wakeLock: $('wake-lock'),
  pairing: $('pairing'), pair: $<HTMLButtonElement>('pair'), pairResult: $('pair-result'), pairCode: $('pair-code'),
  pairExpiry: $('pair-expiry'), pairLink: $<HTMLAnchorElement>('pair-link'),
};

let detector: CryDetector | null = null;
let creating: Promise<CryDetector> | null = null;
let backend: { backendUrl: string; apiKey?: string; deviceId?: string } | null = null;
const windows: WindowResult[] = [];
const events: DetectionEvent[] = [];
const rows = new Map<string, HTMLTableRowElement>();

function setStatus(state: string, text: string) {
  ui.status.dataset.state = state;
  ui.status.textContent = text;
  // The tab title carries the state too: a nursery tab is often in the background.
  const mark = state === 'listening' ? '● ' : state === 'recovering' || state === 'degraded' || state === 'error' ? '⚠ ' : '';
  document.title = `${mark}cryscope — cry & scream detector`;
}

// --- listening health: what the detector says about the microphone and the audio -------------
let lastHealth: HealthEvent | null = null;
function listeningText(d: CryDetector) {
  return `Listening at ${d.sampleRate} Hz (${d.transport === 'ring' ? 'shared-memory ring' : 'message'} transport)…`;
}
function onState(d: CryDetector, s: DetectorState) {
  ui.pause.disabled = s !== 'listening' && s !== 'paused' && s !== 'degraded';
  ui.stop.disabled = s !== 'listening' && s !== 'paused' && s !== 'degraded' && s !== 'recovering';
  ui.pause.textContent = s === 'paused' ? 'Resume' : 'Pause';
  ui.start.disabled = s === 'listening' || s === 'paused' || s === 'starting' || s === 'degraded' || s === 'recovering';
  const why = lastHealth?.type === 'interrupted' || lastHealth?.type === 'retrying' ? ` ${lastHealth.type === 'interrupted' ? lastHealth.message : `Attempt ${lastHealth.attempt} failed (${lastHealth.error}); next in ${Math.round(lastHealth.retryInMs / 1000)} s.`}` : '';
  if (s === 'recovering') setStatus('recovering', `Not hearing anything — reconnecting the microphone…${why}`);
  else if (s === 'degraded') setStatus('degraded', `Not hearing anything.${why}`);
  else if (s === 'listening' && d.transport) setStatus('listening', listeningText(d));
}
const WAKE_TEXT: Record<WakeLockState, string> = {
  off: '',
  held: 'The screen is kept on while listening.',
  released: 'Screen lock released while the page is hidden; it is taken again when you come back.',
  unsupported: 'This browser cannot keep the screen on: keep the device plugged in and turn off sleep, or the microphone may stop.',
  refused: 'The screen may sleep (the browser refused to keep it on, e.g. battery saver): keep the device plugged in and turn off sleep.',
};
function onWakeLock(s: WakeLockState) {
  ui.wakeLock.dataset.state = s;
  ui.wakeLock.textContent = WAKE_TEXT[s];
  ui.wakeLock.hidden = s === 'off';
  ui.wakeLock.classList.toggle('warning', s === 'unsupported' || s === 'refused');
}

function showError(code: string, text: string) {
  ui.error.hidden = false;
  ui.error.dataset.code = code;
  ui.error.textContent = text;
}

function clearError() {
  ui.error.hidden = true;
  ui.error.textContent = '';
  delete ui.error.dataset.code;
}

// --- bars: one group per source, three classes each -------------------------------------------
const groups = ['fused', 'yamnet', 'wav2vec2'] as const;
const fills: Record<string, { fill: HTMLElement; value: HTMLElement; row: HTMLElement }> = {};
for (const g of groups) {
  const div = document.createElement('div');
  div.className = 'group';
  div.innerHTML = `<strong>${g === 'fused' ? 'Fused' : g === 'yamnet' ? 'YAMNet' : 'Wav2Vec2'}</strong>`;
  for (const l of LABELS) {
    const row = document.createElement('div');
    row.className = 'row';
    row.innerHTML = `<span>${l}</span><div class="track"><div class="fill ${l}"></div></div><span class="v">–</span>`;
    row.setAttribute('data-testid', g === 'fused' ? `prob-${l}` : `${g}-${l}`);
    div.appendChild(row);
    fills[`${g}-${l}`] = { fill: row.querySelector('.fill')!, value: row.querySelector('.v')!, row };
  }
  ui.bars.appendChild(div);
}

function setBars(g: string, p?: number[]) {
  LABELS.forEach((l, i) => {
    const f = fills[`${g}-${l}`];
    const v = p ? p[i] : NaN;
    f.fill.style.width = p ? `${(v * 100).toFixed(1)}%` : '0';
    f.value.textContent = p ? v.toFixed(2) : '–';
    f.row.dataset.value = p ? String(v) : '';
  });
}

// Stream time restarts at 0 with every start and every automatic restart (a new session).
let session = 0;
function onWindow(w: WindowResult) {
  if (windows.length && w.end < windows[windows.length - 1].end) { windows.length = 0; session++; }
  windows.push(w);
  while (windows.length && windows[0].end < w.end - 65) windows.shift();
  setBars('fused', w.fused);
  setBars('yamnet', w.yamnet);
  setBars('wav2vec2', w.wav2vec2);
  ui.bars.dataset.time = String(w.end);
  if (w.topAudioSet) {
    ui.audioset.replaceChildren(...w.topAudioSet.map((t) => {
      const li = document.createElement('li');
      li.textContent = `${t.label} ${(t.score * 100).toFixed(0)}%`;
      return li;
    }));
  }
}

function onEvent(e: DetectionEvent) {
  events.push(e);
  ui.noEvents.hidden = true;
  const key = `${session}:${e.label}@${e.start}`;
  let tr = rows.get(key);
  if (!tr) {
    tr = document.createElement('tr');
    tr.setAttribute('data-testid', 'event');
    tr.dataset.label = e.label;
    tr.dataset.start = e.start.toFixed(2);
    rows.set(key, tr);
    ui.events.prepend(tr);
  }
  const dur = e.end !== undefined ? `${(e.end - e.start).toFixed(1)} s` : 'ongoing…';
  tr.dataset.peak = e.peak.toFixed(3);
  if (e.end !== undefined) tr.dataset.end = e.end.toFixed(2);
  tr.innerHTML = `<td>${e.label}</td><td>${fmtTime(e.start)}</td><td>${dur}</td><td>${(e.peak * 100).toFixed(0)}%</td>`;
}

function fmtTime(s: number) {
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, '0')}`;
}

function render() {
  const now = windows.length ? windows[windows.length - 1].end : 0;
  drawTimeline(ui.timeline, windows, episodesFrom(events), { from: Math.max(0, now - 60), to: Math.max(60, now) });
  requestAnimationFrame(render);
}
requestAnimationFrame(render);

// --- settings -------------------------------------------------------------------------------
/** Shows the thresholds in use (the model's unless the user set them) in the empty settings fields. */
function fillThresholds(d: CryDetector) {
  for (const label of ['cry', 'scream'] as const) {
    for (const level of ['on', 'off'] as const) {
      const input = ui.settings.elements.namedItem(`${label}${level === 'on' ? 'On' : 'Off'}`) as HTMLInputElement | null;
      if (input && input.value === '') input.value = String(d.info.settings.thresholds[label][level]);
    }
  }
}

function currentOptions(): CryDetectorOptions {
  const f = new FormData(ui.settings);
  const num = (k: string) => Number(f.get(k));
  const set = (k: string) => String(f.get(k) ?? '').trim() !== '';
  // Thresholds are the model's (manifest) unless the user typed both levels of a label: the fields start
  // empty and are filled with the model's values once the detector is ready (fillThresholds).
  const o: CryDetectorOptions = {};
  const thresholds: NonNullable<CryDetectorOptions['thresholds']> = {};
  for (const label of ['cry', 'scream'] as const) {
    if (set(`${label}On`) && set(`${label}Off`)) thresholds[label] = { on: num(`${label}On`), off: num(`${label}Off`) };
  }
  if (thresholds.cry || thresholds.scream) o.thresholds = thresholds;
  const fusion = String(f.get('fusion') ?? '');
  if (fusion) o.fusionMethod = fusion as CryDetectorOptions['fusionMethod'];
  if (f.get('backend') && backend) Object.assign(o, backend);
  const q = new URLSearchParams(location.search);
  if (q.get('models')) o.models = q.get('models')!.split(',') as CryDetectorOptions['models'];
  if (q.get('modelBaseUrl')) o.modelBaseUrl = q.get('modelBaseUrl')!;
  return o;
}

async function getDetector(): Promise<CryDetector> {
  if (detector) return detector;
  if (creating) return creating;
  ui.loading.hidden = false;
  setStatus('loading', 'Loading the detector (models are cached after the first visit)…');
  const sizes: Record<string, [number, number]> = {};
  creating = CryDetector.create(currentOptions(), {
    onProgress: (p) => {
      sizes[p.asset] = [p.loaded, p.total || p.loaded];
      const [l, t] = Object.values(sizes).reduce((a, b) => [a[0] + b[0], a[1] + b[1]], [0, 0]);
      ui.progressBar.value = t ? l / t : 0;
      ui.progressText.textContent = `${p.asset} ${(p.loaded / 1e6).toFixed(1)} MB${p.cached ? ' (cached)' : ''}`;
      ui.loading.dataset.asset = p.asset;
    },
  }).then((d) => {
    detector = d;
    ui.loading.hidden = true;
    ui.loading.dataset.done = 'true';
    d.on('window', onWindow);
    d.on('event', onEvent);
    d.on('warning', (m) => { ui.warning.hidden = false; ui.warning.textContent = m; });
    d.on('error', (e) => showError(e.code, e.message));
    d.on('health', (h) => { lastHealth = h; onState(d, d.state); });
    d.on('state', (s) => onState(d, s));
    d.on('wakelock', onWakeLock);
    // What the caregiver view is told about this device (sent with the results, see web/README.md).
    d.on('report', (r) => {
      ui.reportedState.hidden = !d.options.backendUrl;
      ui.reportedState.textContent = `Reported to the caregiver view: ${r.state}${r.reasons ? ` (${r.reasons.join(', ')})` : ''}`;
      ui.reportedState.dataset.state = r.state;
    });
    d.on('backend', (s) => {
      const text = { idle: 'connected, nothing to send yet', sending: 'sending…', sent: `results sent (${s.sent} batches)`, retrying: `offline — ${s.queued} batch(es) queued, retrying (${s.error ?? ''})`, rejected: `rejected: ${s.error}`, stopped: 'stopped' }[s.state];
      ui.backendStatus.textContent = `Backend: ${text}`;
      ui.backendStatus.dataset.state = s.state;
    });
    fillThresholds(d);
    ui.about.textContent = `Models ${d.info.models.join(' + ')} (v${d.info.manifestVersion}), fusion ${d.info.fusionMethod}, core ${d.info.versions.core}, ${d.info.threads} ORT thread(s) in ${d.info.modelWorkers} model worker(s), loaded in ${(d.info.loadMs / 1000).toFixed(1)} s.`;
    ui.about.dataset.models = d.info.models.join(',');
    ui.about.dataset.modelWorkers = String(d.info.modelWorkers);
    setBackendLine(d);
    setStatus('ready', 'Ready.');
    return d;
  }).catch((e) => {
    ui.loading.hidden = true;
    creating = null;
    const code = e instanceof CryDetectorError ? e.code : e instanceof OptionsError ? 'options' : 'runtime';
    showError(code, code === 'model-download' ? `Could not download the models: ${e.message}. Check your connection and reload.` : e.message);
    setStatus('error', 'Not running.');
    throw e;
  });
  return creating;
}

function setBackendLine(d: CryDetector) {
  ui.backendStatus.dataset.state = d.options.backendUrl ? 'on' : 'off';
  ui.backendStatus.textContent = d.options.backendUrl
    ? `Backend: on — results (never audio) are sent to ${new URL(d.options.backendUrl, location.href).origin}`
    : 'Backend: off — results stay in this tab.';
}

ui.start.onclick = async () => {
  clearError();
  try {
    const d = await getDetector();
    setStatus('starting', 'Waiting for microphone permission…');
    windows.length = 0; // stream time restarts at 0 with every start
    session++;
    await d.start();
    setStatus('listening', listeningText(d));
  } catch (e) {
    if (e instanceof CryDetectorError && e.code === 'unsupported') setStatus('error', 'This browser is not supported.');
    else setStatus('error', 'Not listening.');
    // Loading failures were already explained by getDetector(); don't overwrite that message.
    if (e instanceof CryDetectorError && ui.error.hidden) showError(e.code, e.message);
  }
};
// A fresh read of the detector's state: resume() may leave it 'degraded' (the health handler then says why),
// and TypeScript would otherwise keep `detector.state` narrowed to 'paused' across the call.
const stateOf = (d: CryDetector): DetectorState => d.state;
ui.pause.onclick = () => {
  if (!detector) return;
  if (detector.state === 'paused') { detector.resume(); if (stateOf(detector) === 'listening') setStatus('listening', 'Listening…'); }
  else { detector.pause(); setStatus('paused', 'Paused.'); }
};
ui.stop.onclick = async () => {
  await detector?.stop();
  setStatus('stopped', 'Stopped.');
};

ui.settings.onsubmit = async (ev) => {
  ev.preventDefault();
  clearError();
  const wasListening = detector?.state === 'listening';
  const old = detector;
  detector = null;
  creating = null;
  await old?.destroy();
  try {
    const d = await getDetector();
    if (wasListening) await d.start();
  } catch { /* shown by getDetector */ }
};

// --- file analysis ------------------------------------------------------------------------------
async function analyse(file: File) {
  ui.fileResult.hidden = false;
  ui.fileResult.textContent = `Analysing ${file.name}…`;
  ui.fileResult.dataset.state = 'busy';
  try {
    const d = await getDetector();
    const bytes = await file.arrayBuffer();
    // Decode at the file's own rate: the core resamples exactly like for the microphone.
    const probe = new OfflineAudioContext(1, 1, 16000);
    const buf = await probe.decodeAudioData(bytes).catch(() => { throw new Error(`could not decode ${file.name}: not a supported audio file`); });
    const mono = new Float32Array(buf.length);
    for (let c = 0; c < buf.numberOfChannels; c++) {
      const ch = buf.getChannelData(c);
      for (let i = 0; i < ch.length; i++) mono[i] += ch[i] / buf.numberOfChannels;
    }
    const t0 = performance.now();
    const r = await d.classify(mono, buf.sampleRate);
    const ms = performance.now() - t0;
    ui.fileResult.dataset.state = 'done';
    ui.fileResult.dataset.label = r.file.label;
    ui.fileResult.dataset.events = String(r.events.filter((e) => e.type === 'onset').length);
    ui.fileResult.textContent = `${file.name}: ${r.file.label} — ${LABELS.map((l, i) => `${l} ${(r.file.probs[i] * 100).toFixed(0)}%`).join(', ')} · ${r.duration.toFixed(1)} s analysed in ${(ms / 1000).toFixed(2)} s`;
    ui.fileTimeline.hidden = false;
    const eps: Episode[] = episodesFrom(r.events);
    drawTimeline(ui.fileTimeline, r.windows, eps, { from: 0, to: Math.max(r.duration, 1) });
    ui.fileEvents.replaceChildren(...eps.map((e) => {
      const li = document.createElement('li');
      li.setAttribute('data-testid', 'file-event');
      li.dataset.label = e.label;
      li.dataset.start = e.start.toFixed(2);
      li.textContent = `${e.label} from ${e.start.toFixed(1)} s to ${(e.end ?? r.duration).toFixed(1)} s`;
      return li;
    }));
  } catch (e) {
    ui.fileResult.dataset.state = 'error';
    ui.fileResult.textContent = e instanceof Error ? e.message : String(e);
  }
}
ui.file.onchange = () => { if (ui.file.files?.[0]) void analyse(ui.file.files[0]); };
ui.drop.addEventListener('dragover', (e) => { e.preventDefault(); ui.drop.classList.add('over'); });
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
ui.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.drop.classList.remove('over');
  const f = e.dataTransfer?.files?.[0];
  if (f) void analyse(f);
});

// --- backend discovery: the local demo server hands out a generated device key --------------
(async () => {
  const form = ui.settings.elements.namedItem('backend') as HTMLInputElement;
  const q = new URLSearchParams(location.search);
  try {
    const res = await fetch('/api/v1/demo/credentials', { cache: 'no-store' });
    if (res.ok) {
      backend = await res.json();
      ui.pairing.hidden = !backend?.apiKey; // pairing needs this device's key
      form.checked = q.get('backend') !== 'off';
      ui.backendStatus.textContent = form.checked ? 'Backend: available — results (never audio) will be sent once listening.' : 'Backend: off — results stay in this tab.';
    } else form.disabled = true;
  } catch {
    form.disabled = true;
  }
})();

// --- pairing a caregiver device: a one-time code from the server (POST /api/v1/pairing with this
// device's key), typed into the caregiver page (/monitor/), which exchanges it for its own key ----
ui.pair.onclick = async () => {
  if (!backend?.apiKey) return;
  ui.pair.disabled = true;
  try {
    const url = new URL('api/v1/pairing', new URL(backend.backendUrl, location.href));
    const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${backend.apiKey}` }, cache: 'no-store' });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(`the server answered ${res.status}: ${body.message ?? ''}`);
    ui.pairCode.textContent = body.code;
    ui.pairExpiry.textContent = new Date(body.expiresAt).toLocaleTimeString();
    ui.pairExpiry.dataset.expiresAt = body.expiresAt;
    const monitor = new URL('/monitor/', url);
    ui.pairLink.href = monitor.href;
    ui.pairLink.textContent = monitor.href;
    ui.pairResult.hidden = false;
  } catch (e) {
    showError('pairing', `Could not create a pairing code: ${e instanceof Error ? e.message : e}`);
  } finally {
    ui.pair.disabled = false;
  }
};

// Expose for automated checks and curious users.
(globalThis as unknown as { cryscope: unknown }).cryscope = { get detector() { return detector; }, windows, events, CryDetector };
