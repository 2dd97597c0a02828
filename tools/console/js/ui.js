// A small element builder: h("button", {class: "x", onclick: f}, "text").
// Strings are always text nodes (never HTML).
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else if (k === "dataset") Object.assign(el.dataset, v);
      else if (k === "value") el.value = v;
      else if (v === true) el.setAttribute(k, "");
      else el.setAttribute(k, v);
    }
  }
  append(el, kids);
  return el;
}
function append(el, kids) {
  for (const k of kids) {
    if (k === undefined || k === null || k === false) continue;
    if (Array.isArray(k)) append(el, k);
    else el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}
export function clear(el) { while (el.firstChild) el.firstChild.remove(); return el; }
export function replace(el, ...kids) { clear(el); append(el, kids); return el; }

let uid = 0;
// A labelled form field; returns [wrapper, input].
export function field(label, input) {
  const id = "f" + (++uid);
  input.id = id;
  return [h("div", { class: "field" }, h("label", { for: id }, label), input), input];
}
export function announce(text) {
  const a = document.getElementById("announce");
  if (a) { a.textContent = ""; setTimeout(() => { a.textContent = text; }, 30); }
}

// Replace an element's content only when it would look different, so
// that a live update does not take the keyboard focus away.
const lastHtml = new WeakMap();
export function same(el, ...kids) {
  const probe = h("div", null, kids);
  if (probe.innerHTML === lastHtml.get(el)) return false;
  lastHtml.set(el, probe.innerHTML);
  replace(el, ...kids);
  return true;
}
