// The BPMN modeler for process owners: bpmn-js with the properties panel (general properties plus the Sanxiang
// group of frontend/src/modeler/properties.js), validate (problems marked on their elements) and deploy.
import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import '../modeler/editor.css';
import BpmnModeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import { pageData } from './common.js';
import spiffworkflow from '../modeler/spiffworkflow.json';
import sanxiangProperties, { configure } from '../modeler/properties.js';
import { setupToolbar } from '../modeler/toolbar.js';

const data = pageData();
configure({ strings: data.strings, forms: data.forms, roles: data.roles, actKinds: data.act_kinds });

const modeler = new BpmnModeler({
  container: '#canvas',
  propertiesPanel: { parent: '#properties' },
  additionalModules: [BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, sanxiangProperties],
  moddleExtensions: { spiffworkflow },
});
window.sanxiangModeler = modeler; // for the browser tests

const overlays = modeler.get('overlays');
const canvas = modeler.get('canvas');
const registry = modeler.get('elementRegistry');
let marked = [];

const marks = {
  clear() {
    overlays.remove({ type: 'sx-problem' });
    marked.forEach((id) => canvas.removeMarker(id, 'sx-problem'));
    marked = [];
  },
  show(problems) {
    const byElement = new Map();
    for (const p of problems) {
      if (!p.element_id || p.file !== data.filename || !registry.get(p.element_id)) continue;
      byElement.set(p.element_id, [...(byElement.get(p.element_id) || []), p]);
    }
    for (const [id, list] of byElement) {
      canvas.addMarker(id, 'sx-problem');
      marked.push(id);
      const note = document.createElement('div');
      note.className = 'sx-problem-note';
      note.setAttribute('role', 'note');
      note.dataset.element = id;
      const text = list.map((p) => p.message).join(' / ');
      note.textContent = text.length > 90 ? `${text.slice(0, 88)}…` : text;
      note.title = text;
      overlays.add(id, 'sx-problem', { position: { top: -8, left: 0 }, html: note });
    }
  },
  select(id) {
    const element = registry.get(id);
    if (!element) return false;
    modeler.get('selection').select(element);
    canvas.scrollToElement(element);
    return true;
  },
};

async function open() {
  await modeler.importXML(data.content);
  canvas.zoom('fit-viewport');
  document.getElementById('canvas').dataset.ready = 'true';
}

open();
setupToolbar(data, async () => (await modeler.saveXML({ format: true })).xml, marks, 'application/xml');
