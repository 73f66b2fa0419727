// The replay: a step slider over a case's own history; the diagram marks the elements completed and active after the
// step, the event panel shows who did what and when, the data panel the case data as it was then.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { el, fill, pairs } from './dom.js';

const DONE = 'replay-done';
const ACTIVE = 'replay-active';
const FOLLOW_ZOOM = 0.8;

function eventPanel(step, texts) {
  const rows = [
    [texts.audit_event_type, step.type_label],
    [texts.audit_element, step.element || step.element_id || ''],
    [texts.audit_who, step.actor],
    [texts.audit_role, step.role],
    [texts.audit_when, step.at],
  ].filter(([, value]) => value);
  const parts = [el('p', {}, el('strong', { id: 'event-title' }, `#${step.seq} ${step.type_label}`)),
    pairs(rows, { id: 'event-facts' })];
  const section = (title, list, id) => {
    if (!list || !list.length) return;
    parts.push(el('h3', {}, title), pairs(list, { id }));
  };
  section(texts.audit_submitted, step.submitted, 'event-submitted');
  if (step.rules && step.rules.length) {
    parts.push(el('h3', {}, texts.audit_rule), el('ul', { id: 'event-rules' },
      step.rules.map((r) => el('li', {}, [`#${r.row ?? ''}`, r.description ? ` ${r.description}` : '',
        r.rule_id ? ` (${r.rule_id})` : ''].join('')))));
  }
  section(texts.audit_outputs, step.outputs, 'event-outputs');
  if (step.taken && step.taken.length) {
    parts.push(el('h3', {}, texts.audit_taken), el('p', { id: 'event-taken' }, step.taken.join(', ')));
  }
  section(texts.audit_details, step.details, 'event-details');
  return parts;
}

function elementName(registry, id) {
  const shape = registry.get(id);
  return (shape && shape.businessObject && shape.businessObject.name) || id;
}

export async function startReplay(data) {
  const { steps, states, texts } = data;
  const slider = document.getElementById('step');
  const out = document.getElementById('step-out');
  const panel = document.getElementById('event-panel');
  const dataPanel = document.getElementById('data-panel');
  const activeList = document.getElementById('active-list');
  let viewer = null;
  let marked = [];

  if (data.bpmn) {
    viewer = new NavigatedViewer({ container: '#canvas' });
    try {
      await viewer.importXML(data.bpmn);
      viewer.get('canvas').zoom('fit-viewport');
    } catch (err) {
      document.getElementById('canvas').append(el('p', { class: 'error' }, String(err.message || err)));
      viewer = null;
    }
  }

  function show(index) {
    const step = steps[index];
    if (!step) return;
    const total = steps.length;
    const label = fill(texts.audit_step_of, { n: index + 1, total });
    out.textContent = label;
    slider.setAttribute('aria-valuetext', `${label}: ${step.type_label}${step.element ? ` · ${step.element}` : ''}`);
    panel.replaceChildren(...eventPanel(step, texts));
    const values = data.data[step.data] || [];
    dataPanel.replaceChildren(values.length ? pairs(values, { id: 'data-at-step' })
      : el('p', { class: 'muted', id: 'data-at-step' }, texts.audit_no_data));
    const state = states[step.state] || { completed: [], active: [] };
    if (viewer) {
      const canvas = viewer.get('canvas');
      const registry = viewer.get('elementRegistry');
      for (const [id, marker] of marked) canvas.removeMarker(id, marker);
      marked = [];
      for (const id of state.completed) {
        if (registry.get(id)) { canvas.addMarker(id, DONE); marked.push([id, DONE]); }
      }
      for (const id of state.active) {
        if (registry.get(id)) { canvas.addMarker(id, ACTIVE); marked.push([id, ACTIVE]); }
      }
      const first = state.active.map((id) => registry.get(id)).find(Boolean);
      if (first && follow.checked) {  // readable size, the active element in view
        canvas.zoom(FOLLOW_ZOOM);
        canvas.scrollToElement(first);
      }
      activeList.textContent = state.active.length
        ? `${texts.audit_active_at_step}: ${state.active.map((id) => elementName(registry, id)).join(', ')}` : '';
    }
  }

  const follow = document.getElementById('follow');
  document.getElementById('fit').addEventListener('click', () => {
    follow.checked = false;
    if (viewer) viewer.get('canvas').zoom('fit-viewport');
  });
  follow.addEventListener('change', () => show(Number(slider.value) - 1));
  slider.addEventListener('input', () => show(Number(slider.value) - 1));
  const move = (delta) => {
    const next = Math.min(steps.length, Math.max(1, Number(slider.value) + delta));
    slider.value = String(next);
    show(next - 1);
  };
  document.getElementById('step-prev').addEventListener('click', () => move(-1));
  document.getElementById('step-next').addEventListener('click', () => move(1));
  show(Number(slider.value) - 1);
  document.body.dataset.replayReady = 'true';
}
