// The heatmap of a process version: the figures of GET /api/v1/definitions/<key>/versions/<v>/stats (handed in
// with the page) on the diagram — each element coloured by its median time spent there, with a blue badge for the
// cases now there and a green one for those that passed it (bpmn-js markers and overlays).
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import '../modeler/editor.css';
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { pageData } from './common.js';
import spiffworkflow from '../modeler/spiffworkflow.json';

const data = pageData();
const S = data.strings;
const viewer = new NavigatedViewer({ container: '#canvas-heatmap', moddleExtensions: { spiffworkflow } });
const LEVELS = 5;

function duration(seconds) {
  if (seconds === null || seconds === undefined) return S.heatmap_none;
  if (seconds < 60) return `${Math.round(seconds)} ${S.heatmap_seconds}`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} ${S.heatmap_minutes}`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} ${S.heatmap_hours}`;
  return `${(seconds / 86400).toFixed(1)} ${S.heatmap_days}`;
}

function badge(cls, count, label) {
  const span = document.createElement('span');
  span.className = `heat-badge ${cls}`;
  span.textContent = String(count);
  span.title = `${label}: ${count}`;
  return span;
}

async function run() {
  await viewer.importXML(data.xml);
  const canvas = viewer.get('canvas');
  const overlays = viewer.get('overlays');
  const registry = viewer.get('elementRegistry');
  canvas.zoom('fit-viewport');
  const elements = data.stats.elements.filter((e) => registry.get(e.element_id));
  const longest = Math.max(0, ...elements.map((e) => e.median_seconds || 0));
  for (const e of elements) {
    if (!e.active && !e.passed) continue;
    const level = longest && e.median_seconds ? Math.min(LEVELS, 1 + Math.floor((e.median_seconds / longest) * (LEVELS - 1))) : 0;
    canvas.addMarker(e.element_id, `heat-${level}`);
    const box = document.createElement('div');
    box.className = 'heat-badges';
    box.dataset.element = e.element_id;
    if (e.active) box.append(badge('heat-active', e.active, S.heatmap_active));
    if (e.passed) box.append(badge('heat-passed', e.passed, S.heatmap_passed));
    if (e.median_seconds !== null) box.title = `${S.heatmap_median}: ${duration(e.median_seconds)}`;
    overlays.add(e.element_id, 'heatmap', { position: { bottom: 8, right: 10 }, html: box });
  }
  document.querySelectorAll('#heatmap-table td.median').forEach((td) => {
    if (td.dataset.seconds) td.textContent = duration(Number(td.dataset.seconds));
  });
  document.body.dataset.heatmap = 'ready';
}

run();
