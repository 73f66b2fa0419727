// The task page: the form-js form with the case data, refusals shown next to it (the typed values stay), and the
// evidence panel of enforcement acts (drag and drop, device from the ledger, upload progress, players).
import { pageData } from './common.js';
import { mountForm, submitForm } from '../task/form.js';
import { mountEvidence } from '../task/evidence.js';

async function start() {
  const page = pageData();
  const strings = pageData('page-strings');
  const holder = document.getElementById('task-form');
  if (!holder) return;
  // the page's own elements are found before the form renders: nothing the form shows can take their ids
  const button = document.getElementById('task-submit');
  const box = document.getElementById('task-refusal');
  const status = document.getElementById('task-status');
  const form = await mountForm(holder, page);
  if (button) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await submitForm(form, page, strings, { box, status });
      } finally {
        button.disabled = false;
      }
    });
  }
  if (page.evidence) mountEvidence(page.evidence, strings, page.rules);
  document.body.dataset.taskReady = 'true';
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
