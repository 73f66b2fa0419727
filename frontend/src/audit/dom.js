// Small DOM helpers for the audit pages: elements with text only (never innerHTML from data).

/** An element with attributes and children (strings become text nodes). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A definition list of [label, value] pairs. */
export function pairs(rows, attrs = {}) {
  const list = el('dl', { class: 'kv', ...attrs });
  for (const [label, value] of rows) {
    list.append(el('dt', {}, label), el('dd', {}, value === '' ? '—' : value));
  }
  return list;
}

/** ``text`` with ``{name}`` filled from ``values``. */
export function fill(text, values) {
  return String(text).replace(/\{(\w+)\}/g, (m, name) => (name in values ? String(values[name]) : m));
}
