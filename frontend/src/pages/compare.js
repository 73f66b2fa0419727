// Two versions of a process side by side (bpmn-js viewers); bpmn-js-differ finds the added, removed and changed
// elements, which are coloured in the diagrams and listed below them.
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import '../modeler/editor.css';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { diff } from 'bpmn-js-differ';
import { pageData } from './common.js';
import spiffworkflow from '../modeler/spiffworkflow.json';
import { getProperty } from '../modeler/properties.js';

const data = pageData();
const S = data.strings;
const viewers = {
  old: new NavigatedViewer({ container: '#canvas-old', moddleExtensions: { spiffworkflow } }),
  new: new NavigatedViewer({ container: '#canvas-new', moddleExtensions: { spiffworkflow } }),
};

function mark(side, id, cls) {
  const viewer = viewers[side];
  if (viewer.get('elementRegistry').get(id)) viewer.get('canvas').addMarker(id, cls);
}

function show(value) {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'object') return value.id || value.name || value.body || value.$type || '…';
  return String(value);
}

function row(kind, cls, element, detail) {
  const tr = document.createElement('tr');
  tr.className = `change change-${kind}`;
  tr.dataset.element = element.id;
  const cells = [
    [S.definitions_change, S[`definitions_${cls}`]],
    [S.definitions_element, `${element.name ? `${element.name} ` : ''}(${element.id}, ${(element.$type || '').replace('bpmn:', '')})`],
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

const TIMER_KINDS = ['timeDate', 'timeDuration', 'timeCycle'];

/** id -> {setting: value} of what the differ does not look into: spiffworkflow properties and timer expressions. */
function settings(viewer) {
  const out = {};
  viewer.get('elementRegistry').forEach((shape) => {
    const bo = shape.businessObject;
    if (!bo || !bo.id || shape.type === 'label') return;
    const found = {};
    const ext = bo.extensionElements;
    const props = ext ? (ext.values || []).find((v) => v.$type === 'spiffworkflow:Properties') : null;
    (props ? props.properties || [] : []).forEach((p) => { found[p.name] = getProperty(bo, p.name); });
    (bo.eventDefinitions || []).filter((d) => d.$type === 'bpmn:TimerEventDefinition').forEach((timer) => {
      TIMER_KINDS.filter((k) => timer[k]).forEach((k) => { found[k] = timer[k].body; });
    });
    out[bo.id] = { bo, found };
  });
  return out;
}

function settingChanges(before, after) {
  const changes = {};
  for (const [id, { bo, found }] of Object.entries(after)) {
    if (!before[id]) continue;
    const old = before[id].found;
    const keys = new Set([...Object.keys(old), ...Object.keys(found)]);
    const attrs = {};
    keys.forEach((k) => { if (old[k] !== found[k]) attrs[k] = { before: old[k], after: found[k] }; });
    if (Object.keys(attrs).length) changes[id] = { model: bo, attrs };
  }
  return changes;
}

async function run() {
  await viewers.old.importXML(data.old.xml);
  await viewers.new.importXML(data.new.xml);
  Object.values(viewers).forEach((v) => v.get('canvas').zoom('fit-viewport'));
  const changes = diff(viewers.old.getDefinitions(), viewers.new.getDefinitions());
  const body = document.querySelector('#changes tbody');
  let count = 0;
  for (const [id, element] of Object.entries(changes._added)) {
    mark('new', id, 'diff-added');
    body.append(row('added', 'added', element, ''));
    count += 1;
  }
  for (const [id, element] of Object.entries(changes._removed)) {
    mark('old', id, 'diff-removed');
    body.append(row('removed', 'removed', element, ''));
    count += 1;
  }
  // bpmn-js-differ 3 reports an attribute's values the other way round (oldValue holds the newer diagram's)
  const changed = {};
  for (const [id, change] of Object.entries(changes._changed)) {
    changed[id] = { model: change.model, attrs: Object.fromEntries(Object.entries(change.attrs || {})
      .map(([attr, v]) => [attr, { before: v.newValue, after: v.oldValue }])) };
  }
  for (const [id, change] of Object.entries(settingChanges(settings(viewers.old), settings(viewers.new)))) {
    changed[id] = { model: change.model, attrs: { ...(changed[id] ? changed[id].attrs : {}), ...change.attrs } };
  }
  for (const [id, change] of Object.entries(changed)) {
    mark('old', id, 'diff-changed');
    mark('new', id, 'diff-changed');
    const detail = Object.entries(change.attrs)
      .map(([attr, v]) => `${attr}: ${show(v.before)} → ${show(v.after)}`).join('; ');
    body.append(row('changed', 'changed', change.model, detail));
    count += 1;
  }
  for (const element of Object.values(changes._layoutChanged)) {
    if (changed[element.id]) continue;
    body.append(row('layout', 'layout', element, ''));
    count += 1;
  }
  document.getElementById('no-changes').hidden = count > 0;
  document.body.dataset.compared = 'true';
}

run();
