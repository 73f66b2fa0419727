// The form editor (form-js FormEditor) for task forms: validate and deploy as a new version of the form key.
import '@bpmn-io/form-js/dist/assets/form-js.css';
import '@bpmn-io/form-js/dist/assets/form-js-editor.css';
import '@bpmn-io/form-js/dist/assets/properties-panel.css';
import '../modeler/editor.css';
import { FormEditor } from '@bpmn-io/form-js';
import { pageData } from './common.js';
import { setupToolbar } from '../modeler/toolbar.js';

const data = pageData();
const editor = new FormEditor({ container: document.getElementById('canvas') });
window.sanxiangFormEditor = editor; // for the browser tests

editor.importSchema(JSON.parse(data.content)).then(() => {
  document.getElementById('canvas').dataset.ready = 'true';
});
setupToolbar(data, async () => `${JSON.stringify(editor.saveSchema(), null, 2)}\n`, { show() {}, clear() {} },
  'application/json');
