// The caregiver monitor: reads GET /api/v1/devices and the SSE stream GET /api/v1/stream with
// a read-only caregiver key. fetch() streams the SSE body instead of EventSource because
// EventSource cannot send an Authorization header (a key in the URL would end up in logs);
// reconnects send Last-Event-ID so no event is missed across a dropped connection.
import { parseSse } from './sse-parse.js';

const KEY_STORE = 'cryscope.monitor.key';
const RECONNECT_MS = 2000;
/** While an onset is unacknowledged and sound is on, beep again this often, ms. */
const BEEP_EVERY_MS = 3000;

const $ = (id) => document.getElementById(id);
let lastEventId = null;
let controller = null;
let beepTimer = null;
let audio = null;

function setConn(state, text) {
  $('conn').dataset.state = state;
  $('conn').textContent = text;
}

/** Why a device is degraded, as the caregiver reads it (reason codes of cryscope.batch/1 `device.reasons`). */
const REASON_TEXT = {
  'microphone-ended': 'microphone disconnected',
  'microphone-muted': 'microphone muted by the system',
  'audio-suspended': 'audio suspended by the browser',
  'audio-interrupted': 'audio interrupted (another app or a call)',
  'audio-closed': 'audio shut down by the browser',
  'model-fallback': 'a model failed; detecting with the other one',
  'outbox-backlog': 'results are not reaching the server',
};

function renderDevices(devices) {
  $('devices').replaceChildren(...devices.map((d) => {
    const tr = document.createElement('tr');
    tr.dataset.device = d.deviceId;
    tr.dataset.state = d.state;
    const reasons = (d.reasons ?? []).map((r) => REASON_TEXT[r] ?? r).join('; ');
    const cells = [
      [d.deviceId],
      [d.state, d.state],
      [reasons || (d.state === 'stopped' ? 'stopped by the nursery device' : d.state === 'offline' && d.reported ? `last reported ${d.reported}` : '')],
      [d.lastBatchAt ? new Date(d.lastBatchAt).toLocaleTimeString() : 'never'],
    ];
    for (const [text, state] of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      if (state) { td.dataset.state = state; td.className = 'state'; }
      tr.append(td);
    }
    return tr;
  }));
}

function unacknowledged() {
  return document.querySelectorAll('#events li.alert[data-acked="false"]').length;
}

function beep() {
  // WebAudio tone: no sound file to fetch, nothing leaves the page.
  audio ??= new AudioContext();
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.frequency.value = 880;
  gain.gain.setValueAtTime(0.2, audio.currentTime);
  gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
  osc.connect(gain).connect(audio.destination);
  osc.start();
  osc.stop(audio.currentTime + 0.4);
}

function alertFor(e) {
  const what = `${e.label} on ${e.deviceId}`;
  if ($('alert-sound').checked) {
    beep();
    beepTimer ??= setInterval(() => {
      if (unacknowledged() && $('alert-sound').checked) beep();
      else { clearInterval(beepTimer); beepTimer = null; }
    }, BEEP_EVERY_MS);
  }
  if ($('alert-notify').checked && 'Notification' in window && Notification.permission === 'granted') {
    new Notification('cryscope', { body: `${what} at ${new Date(e.at).toLocaleTimeString()}`, tag: `cryscope-${e.id}` });
  }
  if ($('alert-vibrate').checked && navigator.vibrate) navigator.vibrate([300, 150, 300]);
}

function addEvent(e) {
  const li = document.createElement('li');
  li.dataset.id = String(e.id);
  li.dataset.type = e.type;
  // What the alert is about, readable from the DOM (tests and the alert-latency benchmark match it
  // to the nursery page's event): device, session, label and session-relative start in seconds.
  li.dataset.device = e.deviceId;
  li.dataset.session = e.sessionId;
  li.dataset.label = e.label;
  li.dataset.start = String(e.start);
  const when = new Date(e.at).toLocaleTimeString();
  const text = document.createElement('span');
  text.textContent = e.type === 'onset'
    ? `${when} — ${e.label} started on ${e.deviceId} (peak ${e.peak.toFixed(2)})`
    : `${when} — ${e.label} ended on ${e.deviceId} after ${(e.end - e.start).toFixed(1)} s`;
  li.append(text);
  if (e.type === 'onset') {
    li.classList.add('alert');
    li.dataset.acked = 'false';
    const ack = document.createElement('button');
    ack.type = 'button';
    ack.textContent = 'Acknowledge';
    ack.dataset.testid = 'ack';
    ack.addEventListener('click', () => { li.dataset.acked = 'true'; ack.remove(); });
    li.append(' ', ack);
    alertFor(e);
  }
  $('events').prepend(li);
}

async function connect(key) {
  controller?.abort();
  const ctl = new AbortController();
  controller = ctl;
  while (!ctl.signal.aborted) {
    try {
      const headers = { authorization: `Bearer ${key}`, accept: 'text/event-stream' };
      const devices = await fetch('/api/v1/devices', { headers, signal: ctl.signal });
      if (devices.status === 401 || devices.status === 403) {
        setConn('error', `The server refused this key (${devices.status}): ${(await devices.json()).message}`);
        return;
      }
      if (devices.ok) renderDevices((await devices.json()).devices);
      if (lastEventId !== null) headers['last-event-id'] = lastEventId;
      const res = await fetch('/api/v1/stream', { headers, signal: ctl.signal, cache: 'no-store' });
      if (!res.ok) throw new Error(`stream answered ${res.status}`);
      setConn('live', 'Live.');
      for await (const ev of parseSse(res.body)) {
        if (ev.event === 'devices') renderDevices(JSON.parse(ev.data).devices);
        if (ev.event === 'detection') { addEvent(JSON.parse(ev.data)); lastEventId = ev.id; }
      }
      throw new Error('stream ended');
    } catch (err) {
      if (ctl.signal.aborted) return;
      setConn('reconnecting', `Connection lost (${err.message}); reconnecting…`);
      await new Promise((r) => setTimeout(r, RECONNECT_MS));
    }
  }
}

$('key-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const key = $('key').value.trim();
  localStorage.setItem(KEY_STORE, key);
  setConn('connecting', 'Connecting…');
  connect(key);
});
// A pairing code (POST /api/v1/pairing/redeem, no key needed) is exchanged for a viewer key for
// the device that showed it; the key is then kept and used exactly like a typed one.
$('pair-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  setConn('connecting', 'Pairing…');
  try {
    const res = await fetch('/api/v1/pairing/redeem', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: $('pair-code').value.trim() }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) {
      setConn('error', res.status === 429 ? `Too many wrong codes: ${body.message}` : `Pairing failed (${res.status}): ${body.message ?? 'no answer'}`);
      return;
    }
    $('pair-code').value = '';
    $('key').value = body.viewerKey;
    localStorage.setItem(KEY_STORE, body.viewerKey);
    setConn('connecting', `Paired with ${body.devices.join(', ')}. Connecting…`);
    connect(body.viewerKey);
  } catch (err) {
    setConn('error', `Pairing failed: ${err.message}`);
  }
});
$('forget').addEventListener('click', () => {
  localStorage.removeItem(KEY_STORE);
  controller?.abort();
  $('key').value = '';
  setConn('idle', 'Not connected.');
});
// Permissions and the audio context need the caregiver's gesture: ask when they opt in.
$('alert-notify').addEventListener('change', async () => {
  if ($('alert-notify').checked && 'Notification' in window && Notification.permission === 'default') await Notification.requestPermission();
});
$('alert-sound').addEventListener('change', () => { if ($('alert-sound').checked) { audio ??= new AudioContext(); audio.resume(); } });

// A link of the form /monitor/#key=<viewer key> (the demo prints one) hands the key over in
// the fragment, which the browser never sends to a server; it is stored, then removed from
// the address bar and history.
const fromLink = new URLSearchParams(location.hash.slice(1)).get('key');
if (fromLink) {
  localStorage.setItem(KEY_STORE, fromLink);
  history.replaceState(null, '', location.pathname);
}
const saved = localStorage.getItem(KEY_STORE);
if (saved) {
  $('key').value = saved;
  setConn('connecting', 'Connecting…');
  connect(saved);
}
