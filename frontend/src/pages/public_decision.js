// A published decision's page: the correction request form (frontend/src/public/correction.js).
import { api, pageData } from './common.js';
import { setUpCorrection } from '../public/correction.js';

document.addEventListener('DOMContentLoaded', () => {
  const form = document.getElementById('correction-form');
  const result = document.getElementById('correction-result');
  if (!form || !result) return;
  const data = pageData();
  setUpCorrection(form, result, {
    disclosureId: data.disclosure_id,
    messages: data.messages,
    send: (body) => api('POST', '/api/v1/public/corrections', body),
  });
  form.dataset.ready = 'true';
});
