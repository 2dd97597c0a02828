// The regional intake view (docs/regional.md): every house's vacancy in
// one table, from the regional broker the houses bridge to.  Intake staff
// log in with their own read-only login; the page subscribes to
// husvagt/+/vacancy (the figures) and husvagt/+/bridge (Mosquitto's
// bridge state: "1" connected, "0" down).  Nothing is written to any
// browser storage; a log-out reloads the page.
import mqtt from "../vendor/mqtt.esm.js";
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { h, replace, same, announce } from "./ui.js";
import { langButton, loginScreen as showLogin } from "./login.js";

const app = document.getElementById("app");
let config = { mqtt_path: "/mqtt" };
let client = null;
const houses = new Map();   // site -> {vacancy, bridge}
let connected = false;
let table = null, conn = null;

async function boot() {
  const wanted = new URLSearchParams(location.search).get("lang");
  const cfg = fetch("config.json", { cache: "no-store" })
    .then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  await Promise.all([cfg.then((c) => { config = Object.assign(config, c); }),
                     i18n.load(i18n.LANGS.includes(wanted) ? wanted : "da")]);
  loginScreen(location.hash === "#out" ? t("login.logged_out") : "");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
}

// The log-in screen (login.js): the regional broker, then the table.
const regionPage = {
  title: () => t("region.title"),
  heading: () => t("region.title"),
  logIn: async (login, password) => { await connect(login, password); shell(login); },
};
const loginScreen = (message) => showLogin(app, regionPage, message);

// Resolves on the first CONNACK; rejects with "auth" or "network".  The
// regional broker makes the client id the login (one connection per login).
function connect(login, password) {
  const url = (location.protocol === "https:" ? "wss://" : "ws://") +
    location.host + (config.mqtt_path || "/mqtt");
  return new Promise((resolve, reject) => {
    let settled = false;
    const c = mqtt.connect(url, {
      protocolVersion: 5, username: login, password, clientId: login,
      clean: true, reconnectPeriod: 2000, connectTimeout: 8000, keepalive: 20,
      resubscribe: true, timerVariant: "native",
    });
    client = c;
    c.on("connect", () => {
      connected = true;
      c.subscribe(["husvagt/+/vacancy", "husvagt/+/bridge"], { qos: 1 });
      draw();
      if (!settled) { settled = true; resolve(); }
    });
    c.on("message", onMessage);
    const down = () => { if (connected) { connected = false; draw(); } };
    c.on("close", down);
    c.on("offline", down);
    c.on("error", (err) => {
      const code = err && err.code;
      if (code === 134 || code === 135 || code === 4 || code === 5) {
        c.end(true);
        if (!settled) { settled = true; reject(new Error("auth")); }
      }
    });
    setTimeout(() => {
      if (!settled) { settled = true; c.end(true); reject(new Error("network")); }
    }, 10000);
  });
}

function onMessage(topic, payload) {
  const m = /^husvagt\/([^/]+)\/(vacancy|bridge)$/.exec(topic);
  if (!m) return;
  const text = new TextDecoder().decode(payload);
  const house = houses.get(m[1]) || { vacancy: null, bridge: null };
  if (m[2] === "bridge") {
    const was = house.bridge;
    house.bridge = text === "1" ? "up" : text === "0" ? "down" : null;
    if (was === "up" && house.bridge === "down")
      announce(t("region.went_down", { house: m[1] }));
  } else {
    let v = null;
    try { v = text.length ? JSON.parse(text) : null; } catch { return; }
    if (v && (typeof v.free_places !== "number" || typeof v.as_of !== "string")) return;
    house.vacancy = v;
  }
  houses.set(m[1], house);
  draw();
}

// "3 t 20 min" / "3 h 20 min": the figure's age, to the minute.
function age(iso) {
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  const hours = Math.floor(s / 3600), min = Math.floor((s % 3600) / 60);
  return hours ? t("region.age_hm", { h: hours, m: min }) : t("region.age_m", { m: min });
}

function row(site, house) {
  const v = house.vacancy;
  const down = house.bridge === "down";
  const children = !v ? "" : v.children && Array.isArray(v.child_ages) ?
    t("region.children_ages", { from: v.child_ages[0], to: v.child_ages[1] }) : t("no");
  return h("tr", { dataset: { house: site, bridge: house.bridge || "unknown" },
                   class: down ? "bad" : null },
    h("th", { scope: "row" }, site),
    h("td", { class: "num" }, v ? v.free_places : "–"),
    h("td", { class: "num" }, v ? v.free_rooms : "–"),
    h("td", null, children),
    h("td", null, v ? (v.accessible ? t("yes") : t("no")) : ""),
    h("td", { class: "age" }, v ? age(v.as_of) : t("region.no_figure")),
    h("td", { class: "link" }, down ?
      h("strong", { class: "bad stale" }, "⚠ " + t("region.stale")) :
      house.bridge === "up" ? h("span", { class: "ok" }, t("region.fresh")) :
      h("span", { class: "muted" }, t("region.unknown"))));
}

function draw() {
  if (!table) return;
  same(conn, connected ? h("span", { class: "ok" }, t("region.connected")) :
    h("strong", { class: "bad" }, t("region.disconnected")));
  // Most free places first; a house with no figure last; then by name.
  const list = [...houses.entries()].sort(([a, x], [b, y]) =>
    ((y.vacancy ? y.vacancy.free_places : -1) - (x.vacancy ? x.vacancy.free_places : -1)) ||
    a.localeCompare(b));
  same(table.tBodies[0], list.map(([site, house]) => row(site, house)));
}

function shell(login) {
  document.title = t("region.title");
  conn = h("p", { id: "conn", role: "status" });
  table = h("table", { class: "grid", tabindex: "0", id: "houses" },
    h("caption", { class: "sr-only" }, t("region.caption")),
    h("thead", null, h("tr", null,
      h("th", { scope: "col" }, t("region.col.house")),
      h("th", { scope: "col" }, t("region.col.places")),
      h("th", { scope: "col" }, t("region.col.rooms")),
      h("th", { scope: "col" }, t("region.col.children")),
      h("th", { scope: "col" }, t("region.col.accessible")),
      h("th", { scope: "col" }, t("region.col.age")),
      h("th", { scope: "col" }, t("region.col.link")))),
    h("tbody"));
  const out = h("button", { id: "logout", type: "button", onclick: () => {
    if (client) client.end(true);
    location.hash = "out";
    location.reload();
  } }, t("logout"));
  replace(app, h("header", { class: "top" },
                 h("span", { class: "brand" }, t("region.title")),
                 h("span", { class: "who" }, login),
                 langButton(() => shell(login)), out),
          h("main", { class: "main" },
            h("h1", null, t("region.heading")),
            conn,
            h("p", { class: "muted" }, t("region.explain")),
            table));
  draw();
  // Ages move with the clock.
  setInterval(draw, 15000);
}

boot();
