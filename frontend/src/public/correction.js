// The correction request (申请更正) of a published decision: checked here with messages in the page's language,
// posted to POST /api/v1/public/corrections (no login; a logged-in visitor's cookie session sends the CSRF
// token through common.js), and the reference number the bureau answers shown to the visitor.

const LIMITS = { contact: [3, 255], reason: [5, 5000] };

/** Field problems of the form's values: { contact?: message, reason?: message }. */
export function problemsOf(values, messages) {
  const problems = {};
  for (const [field, [min, max]] of Object.entries(LIMITS)) {
    const text = (values[field] || '').trim();
    if (text.length < min || text.length > max) problems[field] = messages[field];
  }
  return problems;
}

/** The message for a refused request: the status's own, a field's, or the general one. */
export function refusalOf(status, body, messages) {
  if (messages[String(status)]) return { message: messages[String(status)], fields: {} };
  if (status === 422) {
    const errors = (body && body.errors && (body.errors.json || body.errors)) || {};
    const fields = {};
    for (const field of Object.keys(LIMITS)) if (errors[field]) fields[field] = messages[field];
    if (Object.keys(fields).length) return { message: '', fields };
  }
  return { message: messages.other, fields: {} };
}

function showProblems(form, problems) {
  let first = null;
  for (const field of Object.keys(LIMITS)) {
    const input = form.elements[field];
    const out = document.getElementById(`${input.id}-error`);
    const message = problems[field] || '';
    out.textContent = message;
    if (message) {
      input.setAttribute('aria-invalid', 'true');
      first = first || input;
    } else {
      input.removeAttribute('aria-invalid');
    }
  }
  if (first) first.focus();
  return first === null;
}

function showReference(result, reference, messages) {
  result.replaceChildren();
  const box = document.createElement('div');
  box.className = 'flash ok';
  const line = document.createElement('p');
  line.append(messages.sent);
  const number = document.createElement('span');
  number.className = 'public-reference';
  number.id = 'correction-reference';
  number.textContent = reference;
  line.append(number);
  const keep = document.createElement('p');
  keep.className = 'muted';
  keep.textContent = messages.sent_keep;
  box.append(line, keep);
  result.append(box);
}

function showMessage(result, message, { error = false } = {}) {
  result.replaceChildren();
  if (!message) return;
  const box = document.createElement('p');
  box.className = error ? 'flash bad' : 'muted';
  if (error) box.id = 'correction-error';
  box.textContent = message;
  result.append(box);
}

/** Wire the form: ``send(body)`` posts it and resolves to {status, ok, body} (common.js api). */
export function setUpCorrection(form, result, { disclosureId, messages, send }) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const values = { contact: form.elements.contact.value, reason: form.elements.reason.value };
    if (!showProblems(form, problemsOf(values, messages))) return;
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    showMessage(result, messages.sending);
    try {
      const answer = await send({ disclosure_id: disclosureId, contact: values.contact.trim(),
                                  reason: values.reason.trim() });
      if (answer.ok && answer.body && answer.body.reference) {
        showReference(result, answer.body.reference, messages);
        form.hidden = true;
        return;
      }
      const refusal = refusalOf(answer.status, answer.body, messages);
      showProblems(form, refusal.fields);
      showMessage(result, refusal.message, { error: true });
    } catch {
      showMessage(result, messages.network, { error: true });
    } finally {
      button.disabled = false;
    }
  });
}
