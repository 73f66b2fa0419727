// Two versions of a process side by side (bpmn-js viewers). What changed is the server's answer — the page
// carries what GET /api/v1/definitions/<key>/compare answers (engine/version_diff.py): elements added, removed and
// changed (names, scripts, conditions, timers, lanes, properties, and the forms and decision tables they use),
// coloured in the diagrams and listed below them with each change's before and after.
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import '../modeler/editor.css';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { pageData } from './common.js';
import spiffworkflow from '../modeler/spiffworkflow.json';

const data = pageData();
const S = data.strings;
const diff = data.diff;
const viewers = {
  old: new NavigatedViewer({ container: '#canvas-old', moddleExtensions: { spiffworkflow } }),
  new: new NavigatedViewer({ container: '#canvas-new', moddleExtensions: { spiffworkflow } }),
};
const LONGEST = 160;

function mark(side, id, cls) {
  const viewer = viewers[side];
  if (viewer.get('elementRegistry').get(id)) viewer.get('canvas').addMarker(id, cls);
}

function show(value) {
  if (value === undefined || value === null || value === '') return '—';
  if (Array.isArray(value)) return value.length ? value.join(', ') : '—';
  if (typeof value === 'object') return JSON.stringify(value);
  const text = String(value).replace(/\s+/g, ' ').trim();
  return text.length > LONGEST ? `${text.slice(0, LONGEST)}…` : text;
}

function version(ref) {
  return ref && ref.version ? S.compare_version_short.replace('{version}', ref.version) : '—';
}

function keys(list, field = 'key') {
  return list.map((item) => (typeof item === 'string' ? item : item[field] || item.id)).join(', ');
}

/** One change as text: "name: before → after"; a form or decision table with the fields or rules it changed. */
function describe(change) {
  const what = change.what.replace(/^(property|extension|child):/, '');
  const d = change.detail || {};
  if (change.what === 'form') {
    const parts = [['added', S.compare_fields_added], ['removed', S.compare_fields_removed],
      ['changed', S.compare_fields_changed]].filter(([k]) => d[k]).map(([k, label]) => `${label} ${keys(d[k])}`);
    return `${S.compare_form} ${change.after.key}: ${version(change.before)} → ${version(change.after)}`
      + (parts.length ? ` (${parts.join('; ')})` : '');
  }
  if (change.what === 'decision') {
    const rules = d.rules || {};
    const parts = [['added', S.compare_rules_added], ['removed', S.compare_rules_removed],
      ['changed', S.compare_rules_changed]].filter(([k]) => rules[k]).map(([k, label]) => `${label} ${keys(rules[k], 'id')}`);
    ['hit_policy', 'inputs', 'outputs', 'name'].filter((k) => d[k]).forEach((k) => parts.push(k));
    return `${S.compare_decision} ${change.after.id}: ${version(change.before)} → ${version(change.after)}`
      + (parts.length ? ` (${parts.join('; ')})` : '');
  }
  return `${what}: ${show(change.before)} → ${show(change.after)}`;
}

function row(kind, element, detail) {
  const tr = document.createElement('tr');
  tr.className = `change change-${kind}`;
  tr.dataset.element = element.id;
  const cells = [
    [S.definitions_change, S[`definitions_${kind}`]],
    [S.definitions_element, `${element.name ? `${element.name} ` : ''}(${element.id}, ${element.type || ''})`],
    [S.definitions_detail, detail],
  ];
  cells.forEach(([label, text], i) => {
    const td = document.createElement('td');
    td.dataset.label = label;
    td.textContent = text;
    if (i === 0) td.className = `change-${kind}`;
    tr.append(td);
  });
  return tr;
}

async function run() {
  await viewers.old.importXML(data.old.xml);
  await viewers.new.importXML(data.new.xml);
  Object.values(viewers).forEach((v) => v.get('canvas').zoom('fit-viewport'));
  const body = document.querySelector('#changes tbody');
  diff.added.forEach((element) => { mark('new', element.id, 'diff-added'); body.append(row('added', element, '')); });
  diff.removed.forEach((element) => { mark('old', element.id, 'diff-removed'); body.append(row('removed', element, '')); });
  diff.changed.forEach((element) => {
    mark('old', element.id, 'diff-changed');
    mark('new', element.id, 'diff-changed');
    body.append(row('changed', element, element.changes.map(describe).join('; ')));
  });
  diff.layout.forEach((element) => body.append(row('layout', element, '')));
  const count = diff.added.length + diff.removed.length + diff.changed.length + diff.layout.length;
  document.getElementById('no-changes').hidden = count > 0;
  document.body.dataset.compared = 'true';
}

run();
