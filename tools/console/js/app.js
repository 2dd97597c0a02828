// The husvagt staff console: log-in, the shell (header, navigation, mode
// banner, intercom call cards) and the live state; the screens are in the
// other modules.  Nothing is written to any browser storage: the login,
// the password and every name live in this page's memory only, and a
// log-out reloads the page, which drops all of it.
// bus.js (and MQTT.js, the bulk of the page) is loaded while the log-in
// form is already on the screen: see boot().
let busModule = null;
const loadBus = () => (busModule = busModule || import("./bus.js"));
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { h, replace, same, announce } from "./ui.js";
import { langButton, loginScreen as showLogin } from "./login.js";
import { houseView, visitorsView, alarmsView } from "./views.js";
import { intercomCards } from "./intercom.js";
import { rollcallView } from "./rollcall.js";
import { registerView } from "./register.js";
import { reportsView } from "./reports.js";

// Which roles may run a verb: docs/mqtt.md's table, used only to leave out
// buttons a role may not use.  The broker's ACL and husvagtd decide.
const ROLES = {
  "door.release": "SMI", "door.lock": "SMI", "alarm.ack": "SM",
  "mode.lockdown": "SM", "mode.lift": "SM", "mode.reset": "SM",
  "mode.fire": "M", "mode.drill": "M",
  "chip.enrol": "M", "chip.enrol_status": "M", "chip.revoke": "M", "chip.list": "SM",
  "staff.on": "SM", "staff.off": "SM", "staff.duty": "SMI",
  "evac.status": "SM", "evac.account": "SM", "evac.unaccount": "SM", "evac.close": "SM",
  "room.list": "SM", "stay.admit": "SM", "stay.discharge": "SM", "stay.move": "SM",
  "stay.list": "SM", "enquiry.record": "SM", "report.occupancy": "M", "report.safety": "M",
  "guest.agree": "SM", "guest.list": "SM", "guest.end": "SM", "guest.block": "SM",
  "guest.unblock": "M", "guest.blocked": "SM", "guest.evaluate": "SM", "guest.admit": "SM",
  "guest.refuse": "SM", "guest.checkout": "SM", "guest.inside": "SM",
};
const LETTER = { staff: "S", management: "M", installer: "I" };

const SCREENS = [
  { id: "house", label: "nav.house", view: houseView },
  { id: "visitors", label: "nav.visitors", view: visitorsView, verb: "guest.inside" },
  { id: "alarms", label: "nav.alarms", view: alarmsView },
  { id: "rollcall", label: "nav.rollcall", view: rollcallView, verb: "evac.status" },
  { id: "register", label: "nav.register", view: registerView, verb: "stay.list" },
  { id: "reports", label: "nav.reports", view: reportsView, verb: "report.occupancy" },
];

const app = document.getElementById("app");
const CALL_FRESH_MS = 120000;
let config = { site: "villa", idle_min: 15, mqtt_path: "/mqtt" };
let ctx = null;           // the signed-in session; null when logged out
let current = null;       // the mounted screen

function emptyState() {
  return { doors: {}, mode: null, alarms: [], occupancy: null, evacuation: null,
           status: null, inside: null, duty: null, calls: [], connected: false };
}

async function boot() {
  const wanted = new URLSearchParams(location.search).get("lang");
  const cfg = fetch("config.json", { cache: "no-store" })
    .then((r) => (r.ok ? r.json() : {})).catch(() => ({}));
  await Promise.all([cfg.then((c) => { config = Object.assign(config, c); }),
                     i18n.load(i18n.LANGS.includes(wanted) ? wanted : "da")]);
  loginScreen(location.hash === "#idle" ? t("login.idle_out", { min: config.idle_min }) :
              location.hash === "#out" ? t("login.logged_out") : "");
  if (location.hash) history.replaceState(null, "", location.pathname + location.search);
  performance.mark("usable");
  loadBus();
}

// The log-in screen (login.js) with the house's name and start() behind it.
const housePage = {
  title: () => t("app.title"),
  heading: () => t("login.title", { site: config.site }),
  logIn: (login, password) => start(login, password),
};
const loginScreen = (message) => showLogin(app, housePage, message);

async function start(login, password) {
  const { Bus } = await loadBus();
  const bus = new Bus(config.site, config.mqtt_path || "/mqtt");
  await bus.connect(login, password);
  password = null;
  ctx = { bus, login, role: "staff", state: emptyState(), route: "house",
          can: (verb) => (ROLES[verb] || "").includes(LETTER[ctx.role]),
          go, refresh, render: () => render(), lastActive: Date.now() };
  ctx.state.connected = true;
  // The role: the console asks husvagtd (read-only verbs, not journalled)
  // instead of keeping a list of its own.  staff.list: management and
  // installer; evac.status: staff and management.
  // Retained state arrives at once: keep it while the role is asked.
  bus.addEventListener("state", (e) => onState(e.detail));
  bus.addEventListener("event", (e) => onEvent(e.detail));
  bus.addEventListener("status", (e) => {
    const was = ctx.state.status;
    ctx.state.status = e.detail;
    // husvagtd back on the broker: what it did meanwhile can be read now.
    if (e.detail === "online" && was && was !== "online") { refresh("all"); catchUp(); }
    shell();
  });
  const [sl, es, st] = await Promise.all([bus.call("staff.list"), bus.call("evac.status"),
                                          bus.call("status")]);
  // Rows from here on are news; a catch-up after an outage starts here.
  if (st.ok && st.result.journal_seq > bus.lastEventSeq) bus.lastEventSeq = st.result.journal_seq;
  ctx.role = sl.ok ? (es.ok ? "management" : "installer") : "staff";
  ctx.ready = true;
  bus.addEventListener("online", () => { ctx.state.connected = true; refresh("all"); shell();
                                         catchUp();
                                         current && current.online && current.online(); });
  bus.addEventListener("offline", () => { ctx.state.connected = false; update("conn"); });
  startIdle();
  const ev = ctx.state.evacuation, m = ctx.state.mode && ctx.state.mode.mode;
  if (ctx.can("evac.status") && ((ev && ev.active) || m === "fire" || m === "drill")) ctx.route = "rollcall";
  shell(true);
  refresh("all");
}

function logout(why) {
  if (ctx) ctx.bus.close();
  ctx = null;
  // A reload drops every name the page held, in the DOM and in memory.
  location.replace(location.pathname + location.search + (why ? "#" + why : "#out"));
  location.reload();
}

// -- idle log-out --------------------------------------------------------
let idleTimer = null;
function startIdle() {
  const ms = Math.max(1000, config.idle_min * 60000);
  const poke = () => { if (ctx) ctx.lastActive = Date.now(); };
  for (const ev of ["pointerdown", "keydown", "touchstart", "wheel"])
    document.addEventListener(ev, poke, { passive: true, capture: true });
  idleTimer = setInterval(() => {
    if (!ctx) return;
    // Never in the middle of a roll call: the phone at the assembly point
    // stays signed in while an evacuation is open.
    const ev = ctx.state.evacuation;
    if (ev && ev.active) { ctx.lastActive = Date.now(); return; }
    if (Date.now() - ctx.lastActive >= ms) { clearInterval(idleTimer); logout("idle"); }
  }, 500);
}

// -- live state -------------------------------------------------------------
function onState({ key, body }) {
  const s = ctx.state;
  if (key.startsWith("door/")) {
    const name = key.slice(5);
    if (body) s.doors[name] = Object.assign(body, { seen: performance.now() });
    else delete s.doors[name];
  } else if (key === "mode") {
    const was = s.mode && s.mode.mode;
    s.mode = body;
    const now = body && body.mode;
    if ((now === "fire" || now === "drill") && was !== now && ctx.ready && ctx.can("evac.status")) {
      go("rollcall");
      return;
    }
  } else if (key === "alarms") s.alarms = (body && body.alarms) || [];
  else if (key === "occupancy") s.occupancy = body;
  else if (key === "evacuation") {
    const was = s.evacuation && s.evacuation.active;
    s.evacuation = body;
    if (body && body.active && !was && ctx.ready && ctx.can("evac.status") && ctx.route !== "rollcall") {
      go("rollcall");
      return;
    }
  }
  update(key);
}

function onEvent(row) {
  const ty = row.type || "";
  if (ty === "intercom.call") {
    // A ring caught up after an outage is shown only while still fresh.
    if (row.catchup && Date.now() - new Date(row.time) > CALL_FRESH_MS) return;
    ctx.state.calls.push({ door: row.point, time: row.time, seq: row.seq });
    ring();
    shell();
    announce(t("call.title", { door: row.point }));
  } else if (ty.startsWith("visit.")) {
    // Answered at another console: that door's earlier calls are done.
    if ((ty === "visit.admitted" || ty === "visit.refused") && row.actor !== ctx.login) {
      const before = ctx.state.calls.length;
      ctx.state.calls = ctx.state.calls.filter((c) => c.door !== row.point || c.seq > row.seq);
      if (ctx.state.calls.length !== before) shell();
    }
    refresh("inside");
  }
  else if (ty.startsWith("staff.")) refresh("duty");
  if (current && current.event) current.event(row);
}

// After an outage (a clean session: the broker kept nothing for us), the
// rows published meanwhile are read from the journal (docs/mqtt.md), so
// that a ring during the outage still raises its card.
async function catchUp() {
  const bus = ctx && ctx.bus;
  if (!bus || !bus.lastEventSeq) return;
  const r = await bus.call("journal.rows", { after: bus.lastEventSeq, limit: 1000 });
  if (!r.ok || !ctx) return;
  for (const row of r.result.rows) bus.deliver(row, { catchup: true });
}

async function refresh(what) {
  if (!ctx) return;
  const bus = ctx.bus, s = ctx.state;
  const jobs = [];
  if ((what === "all" || what === "inside") && ctx.can("guest.inside"))
    jobs.push(bus.call("guest.inside").then((r) => { if (r.ok) s.inside = r.result; }));
  if ((what === "all" || what === "duty") && ctx.can("staff.duty"))
    jobs.push(bus.call("staff.duty").then((r) => { if (r.ok) s.duty = r.result; }));
  await Promise.all(jobs);
  update(what);
}

// A short two-tone chime (Web Audio: no sound file to fetch).
let audio = null;
function ring() {
  try {
    audio = audio || new AudioContext();
    const now = audio.currentTime;
    for (const [i, f] of [[0, 880], [1, 660], [2, 880]]) {
      const o = audio.createOscillator(), g = audio.createGain();
      o.frequency.value = f;
      g.gain.setValueAtTime(0.0001, now + i * 0.25);
      g.gain.exponentialRampToValueAtTime(0.3, now + i * 0.25 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.25 + 0.22);
      o.connect(g).connect(audio.destination);
      o.start(now + i * 0.25);
      o.stop(now + i * 0.25 + 0.24);
    }
  } catch { /* no audio device */ }
}

// -- the shell ------------------------------------------------------------------
const parts = {};
function go(route) {
  if (!ctx) return;
  ctx.route = route;
  mount();
  shell();
}

function mount() {
  if (current && current.destroy) current.destroy();
  const scr = SCREENS.find((x) => x.id === ctx.route) || SCREENS[0];
  current = scr.view(ctx);
  replace(parts.main, current.el);
  document.title = t(scr.label) + " · " + t("app.title");
  const h1 = parts.main.querySelector("h1");
  if (h1) { h1.setAttribute("tabindex", "-1"); }
}

function update(what) {
  if (!ctx || !ctx.ready) return;
  shell();
  if (current && current.update) current.update(what);
}

function render() { if (ctx) { mount(); shell(); } }

function shell(first) {
  if (!ctx || !ctx.ready) return;
  if (first || !parts.header) {
    parts.header = h("header", { class: "top" });
    parts.banner = h("div", { class: "banners" });
    parts.nav = h("nav", { class: "nav", "aria-label": t("nav.label") });
    parts.calls = h("section", { class: "calls", "aria-label": t("call.region") });
    parts.main = h("main", { class: "main", id: "main" });
    replace(app, parts.header, parts.banner, parts.calls, parts.nav, parts.main);
    mount();
  }
  const s = ctx.state;
  same(parts.header,
    h("span", { class: "brand" }, t("app.title"), " · ", config.site),
    h("span", { class: "conn " + (s.connected && s.status !== "offline" ? "ok" : "bad"),
                role: "status", "data-conn": s.connected ? "online" : "offline" },
      !s.connected ? t("conn.offline") : s.status === "offline" ? t("conn.daemon_offline") : t("conn.online")),
    h("span", { class: "who" }, t("who", { login: ctx.login, role: t("role." + ctx.role) })),
    langButton(() => render()),
    h("button", { type: "button", class: "logout", id: "logout", onclick: () => logout("out") },
      t("logout")));
  // The mode banner: nobody can miss it.
  const m = s.mode && s.mode.mode;
  const banners = [];
  if (m && m !== "normal")
    banners.push(h("div", { class: "banner mode-" + m, role: "alert", id: "mode-banner" },
      h("strong", null, t("mode." + m)), " ", t("mode." + m + ".what")));
  same(parts.banner, banners);
  same(parts.nav, h("ul", null, SCREENS.filter((x) => !x.verb || ctx.can(x.verb)).map((x) =>
    h("li", null, h("a", { href: "#" + x.id, id: "nav-" + x.id,
      "aria-current": ctx.route === x.id ? "page" : false,
      onclick: (e) => { e.preventDefault(); go(x.id); } },
      t(x.label), x.id === "alarms" && openAlarms() ? h("span", { class: "count" }, " " + openAlarms()) : null)))));
  intercomCards(ctx, parts.calls);
}

function openAlarms() { return ctx.state.alarms.filter((a) => !a.acked).length; }

boot();
