// Validate and deploy for the three editors: the current file goes to the server's dry run
// (POST /api/v1/definitions/validate) or deploy (POST /api/v1/definitions); problems are listed above the canvas
// and handed to the editor (the BPMN modeler marks each on its element).
import { api } from '../pages/common.js';
import { translateField, translateMessages } from '../messages/translate.js';

function fill(text, values) {
  return Object.entries(values).reduce((acc, [k, v]) => acc.replace(`{${k}}`, v), text);
}

function say(node, text, ok) {
  node.textContent = text;
  node.className = ok === undefined ? 'muted' : `flash ${ok ? 'ok' : 'bad'}`;
}

/**
 * @param {object} data page data (strings, urls, filename)
 * @param {() => Promise<string>} current the editor's current file content
 * @param {{show: (problems: object[]) => void, clear: () => void, select?: (id: string) => boolean}} marks
 * @param {string} mime the file's media type
 */
export function setupToolbar(data, current, marks, mime) {
  const S = data.strings;
  const status = document.getElementById('status');
  const list = document.getElementById('problems');
  const buttons = [document.getElementById('validate'), document.getElementById('deploy')];

  function listProblems(problems) {
    list.replaceChildren();
    for (const p of problems) {
      const li = document.createElement('li');
      li.className = 'problem';
      const where = [p.file, p.line ? fill(S.definitions_line, { n: p.line }) : null].filter(Boolean).join(' · ');
      const known = p.element_id && p.file === data.filename && marks.select;
      if (p.element_id) {
        const target = document.createElement(known ? 'button' : 'code');
        if (known) {
          target.type = 'button';
          target.className = 'secondary problem-element';
          target.addEventListener('click', () => marks.select(p.element_id));
        }
        target.textContent = p.element_id;
        li.append(target, ' ');
      } else {
        li.append(`${S.definitions_no_element} `);
      }
      const msg = document.createElement('span');
      msg.textContent = `${where}: ${p.message}`;
      li.append(msg);
      li.dataset.element = p.element_id || '';
      list.append(li);
    }
  }

  async function send(url) {
    buttons.forEach((b) => { b.disabled = true; });
    say(status, S.definitions_working);
    marks.clear();
    list.replaceChildren();
    try {
      const form = new FormData();
      form.append('files', new Blob([await current()], { type: mime }), data.filename);
      const resp = await api('POST', url, form);
      const problems = await translateField(data.translate_url,
        (resp.body && resp.body.errors && resp.body.errors.problems) || [], 'message');
      if (problems.length) {
        say(status, fill(S.definitions_problems, { n: problems.length }), false);
        listProblems(problems);
        marks.show(problems);
      } else if (!resp.ok) {
        const [detail] = await translateMessages(data.translate_url,
          [(resp.body && (resp.body.message || resp.body.rule)) || '']);
        say(status, `${S.definitions_refused} (${resp.status})${detail ? `: ${detail}` : ''}`, false);
      }
      return resp;
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  buttons[0].addEventListener('click', async () => {
    const resp = await send(data.validate_url);
    if (resp.ok) say(status, S.definitions_valid, true);
  });
  buttons[1].addEventListener('click', async () => {
    const resp = await send(data.deploy_url);
    if (!resp.ok) return;
    const versions = (resp.body && resp.body.versions) || [];
    const mine = versions.find((v) => v.key === data.key) || versions[0];
    if (!mine) { say(status, S.definitions_no_change, true); return; }
    const next = new URL(data.list_url, window.location.href);
    next.searchParams.set('deployed', mine.key);
    next.searchParams.set('version', mine.version);
    window.location.assign(`${next.pathname}${next.search}#${mine.kind === 'bpmn' ? 'process' : mine.kind === 'dmn' ? 'decision' : 'form'}-${mine.key}`);
  });
}
