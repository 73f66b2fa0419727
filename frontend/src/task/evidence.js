// The evidence panel of an enforcement act's task: a file by drag and drop or picker, the metadata the API needs
// (start time, place, device from the equipment ledger, officers present, opening statement), an upload progress
// bar (XMLHttpRequest upload progress) and the case's evidence with players. A file larger than one chunk
// (panel.chunk_bytes, EVIDENCE_CHUNK_BYTES) goes as a resumable tus upload (tus-js-client): chunk by chunk, retried
// from the server's offset after a dropped connection, and resumed after a reload of the page (the upload's
// address is kept in localStorage under the file's fingerprint until it finishes).
import * as tus from 'tus-js-client';
import { api, csrfToken } from '../pages/common.js';

const BEIJING = '+08:00';

/** "2026-11-30T09:30" typed in Beijing time → ISO 8601 with the offset. */
export function beijingIso(local) {
  if (!local) return '';
  return `${local.length === 16 ? `${local}:00` : local}${BEIJING}`;
}

/** An ISO time as Beijing local "YYYY-MM-DD HH:MM". */
export function beijingText(iso) {
  if (!iso) return '';
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const shifted = new Date(at.getTime() + 8 * 3600 * 1000);
  return shifted.toISOString().slice(0, 16).replace('T', ' ');
}

function nowLocal() {
  // to the second: a device checked out a moment ago was held at this time (the ledger checks it)
  const shifted = new Date(Date.now() + 8 * 3600 * 1000);
  return shifted.toISOString().slice(0, 19);
}

async function loadDevices(panel, select, strings) {
  const resp = await api('GET', panel.devices_url);
  if (!resp.ok || !Array.isArray(resp.body)) return;
  const officers = new Set(panel.officers.map((o) => o.value));
  const devices = [...resp.body].sort((a, b) => Number(officers.has(b.holder)) - Number(officers.has(a.holder)));
  for (const d of devices) {
    const option = document.createElement('option');
    option.value = d.code;
    option.textContent = `${d.name}（${d.code}）— ${d.holder ? `${strings.held_by} ${d.holder}` : strings.not_out}`;
    select.append(option);
  }
  const held = devices.find((d) => officers.has(d.holder));
  if (held) select.value = held.code;
}

function player(item) {
  const type = item.media_type || '';
  let node;
  if (type.startsWith('video/')) {
    node = document.createElement('video');
  } else if (type.startsWith('audio/')) {
    node = document.createElement('audio');
  } else if (type.startsWith('image/')) {
    node = document.createElement('img');
    node.alt = item.title || item.filename;
    node.src = item.url;
    return node;
  } else {
    return null;
  }
  node.controls = true;
  node.preload = 'metadata';
  node.src = item.url;
  node.setAttribute('aria-label', item.title || item.filename);
  return node;
}

async function loadList(panel, strings, list) {
  const resp = await api('GET', `/api/v1/instances/${panel.instance_id}/evidence`);
  if (!resp.ok || !Array.isArray(resp.body)) return [];
  list.replaceChildren();
  if (!resp.body.length) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = strings.none;
    list.append(p);
    return [];
  }
  const ul = document.createElement('ul');
  for (const item of resp.body) {
    const li = document.createElement('li');
    li.className = 'evidence-item';
    li.dataset.taskId = item.task_id || '';
    const head = document.createElement('div');
    const kind = strings.kinds[item.kind] || '';
    const mine = item.task_id === panel.task_id ? `（${strings.this_task}）` : '';
    head.textContent = `${item.title || item.filename} · ${kind}${mine} · ${beijingText(item.captured_at || item.uploaded_at)}`
      + ` · ${strings.by} ${item.uploaded_by}`;
    li.append(head);
    const media = player(item);
    if (media) li.append(media);
    const link = document.createElement('a');
    link.href = item.url;
    link.textContent = `${strings.download} ${item.filename}`;
    li.append(link);
    ul.append(li);
  }
  list.append(ul);
  return resp.body;
}

/** Upload with progress; resolves {status, body}. */
export function uploadWithProgress(url, data, onProgress) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('X-CSRF-Token', csrfToken());
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(Math.round((e.loaded / e.total) * 100));
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      if (xhr.status < 300) onProgress(100);
      resolve({ status: xhr.status, body });
    });
    xhr.addEventListener('error', () => resolve({ status: 0, body: null }));
    xhr.send(data);
  });
}

/** The metadata of a tus upload: the fields of a one-request upload (api/services/resumable.py evidence_meta). */
function tusMetadata(file, data) {
  const meta = { filename: file.name, filetype: file.type || 'application/octet-stream' };
  const officers = [];
  for (const [key, value] of data.entries()) {
    if (key === 'file') continue;
    if (key === 'officers') officers.push(value);
    else meta[key] = String(value);
  }
  if (officers.length) meta.officers = JSON.stringify(officers);
  return meta;
}

function responseBody(res) {
  try { return JSON.parse(res.getBody()); } catch { return null; }
}

/** Resumable upload (tus 1.0) in chunks; resolves {status, body} like uploadWithProgress. */
export function uploadResumable(panel, file, data, onProgress) {
  return new Promise((resolve) => {
    let finalStatus = 0;
    const upload = new tus.Upload(file, {
      endpoint: panel.tus_url,
      chunkSize: panel.chunk_bytes,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      metadata: tusMetadata(file, data),
      headers: { 'X-CSRF-Token': csrfToken(), Accept: 'application/json' },
      removeFingerprintOnSuccess: true,
      // the same file for the same task and case resumes where it stopped, not elsewhere
      fingerprint: async (f) => ['sanxiang-tus', panel.instance_id, panel.task_id, f.name, f.type, f.size,
        f.lastModified].join('/'),
      onProgress: (sent, total) => onProgress(Math.floor((sent / total) * 100)),
      onAfterResponse: (req, res) => { if (req.getMethod() === 'PATCH') finalStatus = res.getStatus(); },
      // every byte is there; the evidence is recorded only if the completion's checks passed: ask, and if it is
      // not, an empty PATCH at the end tries the completion again and answers the refusal (docs/API.md)
      onSuccess: async () => {
        const state = await api('GET', upload.url);
        if (state.ok && state.body && state.body.evidence_id) {
          onProgress(100);
          resolve({ status: finalStatus || 204, body: state.body });
          return;
        }
        const again = await fetch(upload.url, {
          method: 'PATCH', credentials: 'same-origin', body: new Blob([]),
          headers: { 'X-CSRF-Token': csrfToken(), Accept: 'application/json', 'Tus-Resumable': '1.0.0',
            'Content-Type': 'application/offset+octet-stream', 'Upload-Offset': String(file.size) } });
        let body = null;
        try { body = await again.json(); } catch { body = null; }
        resolve({ status: again.ok ? 204 : again.status, body });
      },
      onError: (err) => {
        const res = err.originalResponse;
        resolve(res ? { status: res.getStatus(), body: responseBody(res) } : { status: 0, body: null });
      },
    });
    upload.findPreviousUploads().then((previous) => {
      if (previous.length) upload.resumeFromPreviousUpload(previous[0]);
      upload.start();
    });
  });
}

function problemText(resp, strings, rules) {
  const body = resp.body || {};
  const rule = body.errors && body.errors.rule;
  if (rule) {
    const r = rules[rule] || rules.unknown;
    return `${r.text} ${strings.what_to_do}${r.advice}`;
  }
  const fields = body.errors ? Object.entries(body.errors).map(([k, v]) => `${k}: ${[].concat(v).join('；')}`) : [];
  return [body.message || String(resp.status), ...fields].join(' ');
}

export function mountEvidence(panel, strings, rules = {}) {
  const formEl = document.getElementById('evidence-form');
  const list = document.getElementById('evidence-list');
  if (!formEl || !list) return;
  const fileInput = document.getElementById('ev-file');
  const drop = document.getElementById('evidence-drop');
  const fileName = document.getElementById('ev-file-name');
  const progress = document.getElementById('ev-progress');
  const percent = document.getElementById('ev-percent');
  const message = document.getElementById('ev-message');
  const start = document.getElementById('ev-start');
  if (!start.value) start.value = nowLocal();
  let chosen = null;
  const choose = (file) => {
    chosen = file || null;
    fileName.textContent = chosen ? `${chosen.name}（${Math.ceil(chosen.size / 1024)} KB）` : '';
  };
  fileInput.addEventListener('change', () => choose(fileInput.files[0]));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer && e.dataTransfer.files.length) choose(e.dataTransfer.files[0]);
  });
  loadDevices(panel, document.getElementById('ev-device'), strings);
  loadList(panel, strings, list);
  const setProgress = (p) => {
    progress.value = p;
    progress.textContent = `${p}%`;
    percent.textContent = `${p}%`;
  };
  formEl.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!chosen) {
      message.className = 'error';
      message.textContent = strings.choose_file;
      return;
    }
    const fields = new FormData(formEl);
    const data = new FormData();
    data.append('file', chosen, chosen.name);
    const kind = fields.get('kind');
    data.append('kind', kind);
    data.append('task_id', panel.task_id);
    for (const key of ['title', 'place']) if (fields.get(key)) data.append(key, fields.get(key));
    if (fields.get('captured_at')) data.append('captured_at', beijingIso(fields.get('captured_at')));
    if (kind === 'audio_video') {
      if (fields.get('device_id')) data.append('device_id', fields.get('device_id'));
      if (fields.get('opening_statement')) data.append('opening_statement', fields.get('opening_statement'));
    }
    for (const o of fields.getAll('officers')) data.append('officers', o);
    setProgress(0);
    message.className = '';
    message.textContent = '';
    const button = document.getElementById('ev-upload');
    button.disabled = true;
    const resumable = panel.tus_url && panel.chunk_bytes > 0 && chosen.size > panel.chunk_bytes;
    const resp = resumable
      ? await uploadResumable(panel, chosen, data, setProgress)
      : await uploadWithProgress(panel.upload_url, data, setProgress);
    button.disabled = false;
    if (resp.status === 200 || resp.status === 201 || resp.status === 204) {
      message.className = 'flash ok';
      message.textContent = strings.uploaded;
      const refusal = document.getElementById('task-refusal');
      if (refusal && refusal.dataset.rule === 'av_required') refusal.hidden = true;  // the record is there now
      await loadList(panel, strings, list);
    } else {
      message.className = 'flash bad';
      message.textContent = `${strings.failed}${problemText(resp, strings, rules)}`;
    }
  });
}
