// The task's form-js form: rendered by the form-js viewer with the case data, its messages in the page's language,
// submitted as JSON to the page's submit route; a refusal keeps the form (and what was typed) as it is.
import { Form } from '@bpmn-io/form-js-viewer';
import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';
import { api } from '../pages/common.js';

/** Field key (dotted for keyed groups) → component id, for placing server errors on their fields. */
export function keyToId(schema) {
  const out = {};
  const walk = (components, prefix) => {
    for (const c of components || []) {
      if (c.type === 'group' || c.type === 'dynamiclist') {
        const path = c.path || c.key;
        walk(c.components, path ? `${prefix}${path}.` : prefix);
      } else if (c.key) {
        out[`${prefix}${c.key}`] = c.id;
      }
    }
  };
  walk(schema.components, '');
  return out;
}

/** A translator built from the server's table [[regex source, text with {0} {1}]]. */
export function translator(table) {
  const compiled = (table || []).map(([source, text]) => [new RegExp(source), text]);
  return (message) => {
    const trimmed = String(message).trim();
    for (const [re, text] of compiled) {
      const m = trimmed.match(re);
      if (m) {
        const groups = m.slice(1).filter((g) => g !== undefined);
        return text.replace(/\{(\d)\}/g, (_, i) => groups[Number(i)] ?? '');
      }
    }
    return message;
  };
}

/**
 * The form-js widgets' own English texts ("Select", "Search", "No results", "All values selected", "Remove tag";
 * form-js has no locale option) in the page's language: each text node or attribute is rewritten in place when
 * form-js renders it (text nodes keep their identity, so form-js still updates them when a value is chosen).
 * @param {HTMLElement} root the form's container
 * @param {Record<string, string>} texts English text → the page's text
 */
export function localizeWidgets(root, texts) {
  if (!texts) return;
  const swapText = (node) => {
    const text = node.firstChild;
    if (text && text.nodeType === Node.TEXT_NODE && texts[text.data]) text.data = texts[text.data];
  };
  const swapAttr = (node, name) => {
    const value = node.getAttribute(name);
    if (value && texts[value]) node.setAttribute(name, texts[value]);
  };
  const apply = () => {
    root.querySelectorAll('.fjs-select-placeholder, .fjs-dropdownlist-empty').forEach(swapText);
    root.querySelectorAll('input[placeholder]').forEach((n) => swapAttr(n, 'placeholder'));
    root.querySelectorAll('button[title]').forEach((n) => swapAttr(n, 'title'));
  };
  apply();
  new MutationObserver(apply).observe(root, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ['placeholder', 'title', 'class'],
  });
}

export async function mountForm(container, page) {
  const translate = translator(page.messages);
  const form = new Form({ container });
  localizeWidgets(container, page.widget_texts);
  await form.importSchema(page.schema, page.data);
  const validator = form.get('validator');
  const original = validator.validateFieldInstance.bind(validator);
  validator.validateFieldInstance = (...args) => original(...args).map(translate);
  if (page.task.state !== 'ready') form.setProperty('readOnly', true);
  return form;
}

function showRefusal(box, strings, refusal, message) {
  box.replaceChildren();
  const title = document.createElement('strong');
  title.textContent = `${strings.refused}：${refusal ? refusal.text : message}`;
  box.append(title);
  if (refusal) {
    const advice = document.createElement('p');
    advice.className = 'advice';
    advice.textContent = `${strings.what_to_do}${refusal.advice}`;
    box.append(advice);
    box.dataset.rule = refusal.rule;
  } else {
    delete box.dataset.rule;
  }
  const kept = document.createElement('p');
  kept.className = 'muted';
  kept.textContent = strings.kept;
  box.append(kept);
  box.hidden = false;
  box.focus();
}

/** Submit the form: client checks first (form-js), then the server; 200 goes to the inbox with its message. */
export async function submitForm(form, page, strings, { box, status }) {
  const result = form.submit();
  if (Object.keys(result.errors || {}).length) {
    status.textContent = strings.fix_fields;
    return { ok: false, kind: 'client' };
  }
  status.textContent = strings.submitting;
  box.hidden = true;
  let resp;
  try {
    resp = await api('POST', page.submit_url, { data: result.data });
  } catch {
    status.textContent = strings.network;
    return { ok: false, kind: 'network' };
  }
  if (resp.ok && resp.body && resp.body.redirect) {
    window.location.assign(resp.body.redirect);
    return { ok: true };
  }
  const body = resp.body || {};
  if (resp.status === 422 && body.errors) {
    const ids = keyToId(page.schema);
    const errors = {};
    const unplaced = [];
    for (const [key, messages] of Object.entries(body.errors)) {
      if (ids[key]) errors[ids[key]] = messages;
      else unplaced.push(`${key}: ${messages.join('；')}`);
    }
    form._setState({ errors });
    status.textContent = strings.fix_fields;
    if (unplaced.length) showRefusal(box, strings, null, unplaced.join('；'));
    const first = container(form).querySelector('.fjs-has-errors input, .fjs-has-errors textarea, .fjs-has-errors select');
    if (first) first.focus();
    return { ok: false, kind: 'fields' };
  }
  status.textContent = '';
  showRefusal(box, strings, body.refusal, body.message || String(resp.status));
  return { ok: false, kind: 'refusal' };
}

function container(form) {
  return form._container || document;
}
