// Every string the console shows comes from i18n/<lang>.json.  A key the
// catalogue lacks is shown as the key itself, so a test scanning the page
// for raw keys finds it.
let cat = {};
export let lang = "da";
export const LANGS = ["da", "en"];

export async function load(l) {
  const r = await fetch("i18n/" + l + ".json", { cache: "no-store" });
  cat = await r.json();
  lang = l;
  document.documentElement.lang = l;
}

export function t(key, vars) {
  let s = Object.prototype.hasOwnProperty.call(cat, key) ? cat[key] : key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
  return s;
}

export function has(key) { return Object.prototype.hasOwnProperty.call(cat, key); }

// A reason or error code from the daemon as a sentence; an unknown code
// gets the generic sentence with the code beside it.
export function reason(code) {
  return has("reason." + code) ? t("reason." + code) : t("reason.unknown", { code });
}
export function error(reply) {
  const code = reply && reply.error;
  return has("error." + code) ? t("error." + code) : t("error.unknown", { code });
}

const pad = (n) => String(n).padStart(2, "0");
export function time(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
}
export function datetime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
    pad(d.getHours()) + ":" + pad(d.getMinutes());
}
export function duration(sec) {
  sec = Math.max(0, Math.floor(sec));
  const h = Math.floor(sec / 3600), m = Math.floor((sec % 3600) / 60), s = sec % 60;
  return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
}
export function today() {
  const d = new Date();
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
}
