// The register: rooms and stays (admit, discharge, move), guest
// agreements, the blocklist, enquiries, and (management) chips.
import { t, error, today, datetime } from "./i18n.js";
import { h, replace, field } from "./ui.js";

const RELATIONS = ["family", "friend", "professional", "other"];
const OUTCOMES = ["no_room", "not_target", "referred", "offered", "other", "asked_about_resident"];

export function registerView(ctx) {
  const bus = ctx.bus;
  const el = h("div", { class: "register" });
  const msg = h("p", { class: "msg", role: "status", id: "reg-msg" });
  const tabs = [["stays", "reg.tab.stays"], ["guests", "reg.tab.guests"],
                ["blocklist", "reg.tab.blocklist"], ["enquiry", "reg.tab.enquiry"]];
  if (ctx.can("chip.enrol")) tabs.push(["chips", "reg.tab.chips"]);
  let tab = ctx.regTab || "stays";
  const body = h("div");
  const tabbar = h("div", { class: "tabs", role: "group", "aria-label": t("reg.sections") });
  replace(el, h("h1", null, t("reg.title")), tabbar, msg, body);

  const pane = { ctx, bus, body, msg, tab: () => tab, again: () => show(),
                 say(r, okText) { msg.textContent = r.ok ? okText : error(r); return r.ok; } };
  function drawTabs() {
    replace(tabbar, tabs.map(([id, key]) => h("button", { type: "button", id: "tab-" + id,
      "aria-pressed": String(tab === id), onclick: () => { tab = ctx.regTab = id; msg.textContent = ""; drawTabs(); show(); } }, t(key))));
  }

  async function show() {
    replace(body, h("p", null, t("loading")));
    return { stays, guests, blocklist, enquiry, chips }[tab](pane);
  }

  drawTabs();
  show();
  return { el };
}

function table(id, cols, rows) {
  return h("table", { class: "grid", tabindex: "0", id },
    h("thead", null, h("tr", null, cols.map((k) => h("th", { scope: "col" }, t(k))))),
    h("tbody", null, rows));
}
function num(label, min, max, value) {
  return field(label, h("input", { type: "number", min: String(min), max: String(max), value: String(value), inputmode: "numeric" }));
}

async function stays(p) {
  const { ctx, bus, body, msg } = p;
  const [rr, sr] = await Promise.all([bus.call("room.list"), bus.call("stay.list")]);
  if (!rr.ok || !sr.ok) { replace(body, h("p", { class: "err" }, error(rr.ok ? sr : rr))); return; }
  const rooms = rr.result.rooms, current = sr.result.stays.filter((s) => !s.departure);
  const free = rooms.filter((r) => !r.occupied);
  const roomSel = () => h("select", null, free.map((r) => h("option", { value: r.room },
    t("reg.room_opt", { room: r.room, type: t("reg.roomtype." + r.type), beds: r.beds }))));
  const [fa, alias] = field(t("reg.alias"), h("input", { type: "text", autocomplete: "off", maxlength: "40" }));
  const [fr, room] = field(t("reg.room"), roomSel());
  const [fad, adults] = num(t("reg.adults"), 1, 4, 1);
  const bands = ["0_2", "3_5", "6_9", "10_17"].map((b) => num(t("reg.children_band", { band: t("rc.band." + b) }), 0, 10, 0));
  const nh = h("input", { type: "checkbox" });
  const [fnh] = field(t("reg.needs_help"), nh);
  const admit = h("form", { class: "card", "aria-labelledby": "adm-h", onsubmit: async (e) => {
    e.preventDefault();
    const args = { alias: alias.value.trim(), room: room.value, adults: Number(adults.value), needs_help: nh.checked };
    ["0_2", "3_5", "6_9", "10_17"].forEach((b, i) => { args["children_" + b] = Number(bands[i][1].value); });
    const r = await bus.call("stay.admit", args);
    if (p.say(r, t("reg.admitted", { alias: args.alias, room: args.room }) + (r.ok && r.result.warning ? " " + t("reg.warning") : ""))) p.again();
  } }, h("h2", { id: "adm-h" }, t("reg.admit")), fa, fr, fad, bands.map((b) => b[0]), fnh,
    h("button", { type: "submit", class: "primary" }, t("reg.admit_btn")));
  const rows = current.map((s) => {
    const moveSel = h("select", { "aria-label": t("reg.move_to", { alias: s.alias || s.id }) },
      free.map((r) => h("option", { value: r.room }, r.room)));
    return h("tr", { "data-stay": s.id },
      h("td", null, String(s.id)), h("td", null, s.alias || "–"), h("td", null, s.room),
      h("td", null, s.arrival), h("td", null, t("reg.people", { adults: s.adults,
        children: s.children_0_2 + s.children_3_5 + s.children_6_9 + s.children_10_17 })),
      h("td", null, s.needs_help ? t("rc.needs_help") : ""),
      h("td", null, h("div", { class: "actions" },
        free.length ? [moveSel, h("button", { type: "button", "data-act": "move", onclick: async () => {
          const r = await bus.call("stay.move", { id: s.id, room: moveSel.value });
          if (p.say(r, t("reg.moved", { alias: s.alias, room: moveSel.value }))) p.again(); } }, t("reg.move"))] : null,
        h("button", { type: "button", "data-act": "discharge", onclick: async () => {
          if (!confirm(t("reg.discharge_confirm", { alias: s.alias || s.id }))) return;
          const r = await bus.call("stay.discharge", { id: s.id });
          if (p.say(r, t("reg.discharged", { alias: s.alias, chips: r.ok ? r.result.chips_revoked : 0 }))) p.again(); } }, t("reg.discharge")))));
  });
  replace(body,
    h("h2", null, t("reg.stays")),
    current.length ? table("stays", ["reg.col.stay", "reg.col.alias", "reg.col.room", "reg.col.arrival", "reg.col.people", "reg.col.help", "reg.col.action"], rows)
                   : h("p", null, t("reg.no_stays")),
    free.length ? admit : h("p", null, t("reg.no_free")),
    h("h2", null, t("reg.rooms")),
    table("rooms", ["reg.col.room", "reg.col.floor", "reg.col.type", "reg.col.beds", "reg.col.child", "reg.col.occupied"],
      rooms.map((r) => h("tr", null, h("td", null, r.room), h("td", null, String(r.floor)),
        h("td", null, t("reg.roomtype." + r.type)), h("td", null, String(r.beds)),
        h("td", null, r.child_friendly ? t("yes") : t("no")),
        h("td", null, r.occupied ? t("reg.occupied") : t("reg.free"))))));
}

async function guests(p) {
  const { ctx, bus, body, msg } = p;
  const [gr, sr] = await Promise.all([bus.call("guest.list"), bus.call("stay.list")]);
  if (!gr.ok || !sr.ok) { replace(body, h("p", { class: "err" }, error(gr.ok ? sr : gr))); return; }
  const current = sr.result.stays.filter((s) => !s.departure);
  const [fs, stay] = field(t("reg.resident"), h("select", null, current.map((s) => h("option", { value: String(s.id) }, (s.alias || s.id) + " · " + s.room))));
  const [fg, guest] = field(t("reg.guest"), h("input", { type: "text", autocomplete: "off", maxlength: "100" }));
  const [frel, rel] = field(t("reg.relation"), h("select", null, RELATIONS.map((x) => h("option", { value: x }, t("reg.relation." + x)))));
  const [fw, windows] = field(t("reg.windows"), h("input", { type: "text", autocomplete: "off", placeholder: "mon-fri 14:00-18:00" }));
  const form = h("form", { class: "card", "aria-labelledby": "agree-h", onsubmit: async (e) => {
    e.preventDefault();
    const args = { stay: Number(stay.value), guest: guest.value.trim(), relation: rel.value };
    if (windows.value.trim()) args.windows = windows.value.trim();
    const r = await bus.call("guest.agree", args);
    if (p.say(r, t("reg.agreed", { guest: args.guest }))) p.again();
  } }, h("h2", { id: "agree-h" }, t("reg.agree")), fs, fg, frel, fw, h("button", { type: "submit", class: "primary" }, t("reg.agree_btn")));
  const list = gr.result.agreements.filter((a) => !a.ended_at);
  replace(body, h("h2", null, t("reg.agreements")),
    list.length ? table("agreements", ["reg.col.guest", "reg.col.resident", "reg.col.relation", "reg.col.windows", "reg.col.to", "reg.col.action"],
      list.map((a) => h("tr", { "data-agreement": a.agreement },
        h("td", null, a.guest || "–"), h("td", null, a.alias || String(a.stay)),
        h("td", null, t("reg.relation." + a.relation)), h("td", null, a.windows || t("reg.house_hours")),
        h("td", null, a.to || "–"),
        h("td", null, h("button", { type: "button", "data-act": "end", onclick: async () => {
          const r = await bus.call("guest.end", { id: a.agreement });
          if (p.say(r, t("reg.ended"))) p.again(); } }, t("reg.end"))))))
      : h("p", null, t("reg.no_agreements")),
    current.length ? form : null);
}

async function blocklist(p) {
  const { ctx, bus, body, msg } = p;
  const r = await bus.call("guest.blocked");
  if (!r.ok) { replace(body, h("p", { class: "err" }, error(r))); return; }
  const [fn, name] = field(t("reg.block_name"), h("input", { type: "text", autocomplete: "off", maxlength: "100" }));
  const [fd, desc] = field(t("reg.description"), h("textarea", { rows: "2", maxlength: "500" }));
  const form = h("form", { class: "card", "aria-labelledby": "blk-h", onsubmit: async (e) => {
    e.preventDefault();
    const rr = await bus.call("guest.block", { name: name.value.trim(), description: desc.value.trim() });
    if (p.say(rr, t("reg.blocked"))) p.again();
  } }, h("h2", { id: "blk-h" }, t("reg.block")), fn, fd, h("button", { type: "submit", class: "primary" }, t("reg.block_btn")));
  const list = r.result.blocked;
  replace(body, h("h2", null, t("reg.blocklist")),
    list.length ? table("blocked", ["reg.col.name", "reg.col.description", "reg.col.since", "reg.col.action"],
      list.map((b) => h("tr", null, h("td", null, b.name), h("td", null, b.description || ""),
        h("td", null, datetime(b.since)),
        h("td", null, ctx.can("guest.unblock") ? h("button", { type: "button", "data-act": "unblock", onclick: async () => {
          const rr = await bus.call("guest.unblock", { id: b.block });
          if (p.say(rr, t("reg.unblocked"))) p.again(); } }, t("reg.unblock")) : null))))
      : h("p", null, t("reg.no_blocked")), form);
}

function enquiry(p) {
  const { ctx, bus, body, msg } = p;
  const [fo, outcome] = field(t("reg.outcome"), h("select", null, OUTCOMES.map((x) => h("option", { value: x }, t("reg.outcome." + x)))));
  const [fd, desc] = field(t("reg.description"), h("textarea", { rows: "3", maxlength: "500" }));
  replace(body, h("form", { class: "card", "aria-labelledby": "enq-h", onsubmit: async (e) => {
    e.preventDefault();
    const r = await bus.call("enquiry.record", { outcome: outcome.value, description: desc.value.trim() });
    if (p.say(r, t("reg.recorded", { n: r.ok ? r.result.enquiry : "" }))) desc.value = "";
  } }, h("h2", { id: "enq-h" }, t("reg.enquiry")), h("p", { class: "muted" }, t("reg.enquiry_hint")), fo, fd,
    h("button", { type: "submit", class: "primary" }, t("reg.record"))));
}

async function chips(p) {
  const { ctx, bus, body, msg } = p;
  const [cr, sr] = await Promise.all([bus.call("chip.list"), bus.call("stay.list")]);
  if (!cr.ok) { replace(body, h("p", { class: "err" }, error(cr))); return; }
  const list = cr.result.credentials || cr.result.chips || [];
  const parts = [h("h2", null, t("reg.chips")),
    list.length ? table("chips", ["reg.col.chip", "reg.col.holder", "reg.col.label", "reg.col.valid", "reg.col.action"],
      list.filter((c) => !c.revoked_at && !c.revoked).map((c) => h("tr", { "data-chip": c.id },
        h("td", null, String(c.id)), h("td", null, c.holder), h("td", null, c.label || ""),
        h("td", null, (c.valid_from || "") + " – " + (c.valid_to || "")),
        h("td", null, ctx.can("chip.revoke") ? h("button", { type: "button", "data-act": "revoke", onclick: async () => {
          const r = await bus.call("chip.revoke", { id: c.id });
          if (p.say(r, t("reg.revoked"))) p.again(); } }, t("reg.revoke")) : null))))
      : h("p", null, t("reg.no_chips"))];
  if (ctx.can("chip.enrol") && sr.ok) {
    const holders = sr.result.stays.filter((s) => !s.departure).map((s) => ["stay:" + s.id, (s.alias || s.id) + " · " + s.room]);
    const readers = Object.keys(ctx.state.doors).sort().map((d) => d + ".reader");
    const [fh, holder] = field(t("reg.holder"), h("select", null, holders.map(([v, l]) => h("option", { value: v }, l))));
    const [frd, reader] = field(t("reg.reader"), h("select", null, readers.map((r) => h("option", { value: r }, r))));
    const [fl, label] = field(t("reg.label"), h("input", { type: "text", maxlength: "64", autocomplete: "off" }));
    parts.push(h("form", { class: "card", "aria-labelledby": "enr-h", onsubmit: async (e) => {
      e.preventDefault();
      const args = { holder: holder.value, reader: reader.value, timeout: 60 };
      if (label.value.trim()) args.label = label.value.trim();
      const r = await bus.call("chip.enrol", args);
      if (!p.say(r, t("reg.enrol_waiting", { reader: reader.value }))) return;
      // Ask until the reader has taken a chip, or gives up.
      const until = Date.now() + (r.result.timeout_s || 60) * 1000 + 2000;
      while (Date.now() < until && ctx.route === "register" && p.tab() === "chips") {
        await new Promise((ok) => setTimeout(ok, 700));
        const st = await bus.call("chip.enrol_status", { reader: args.reader });
        if (!st.ok) { p.say(st); return; }
        if (st.result.state === "enrolled") {
          await p.again();
          msg.textContent = t("reg.enrolled", { id: st.result.id, reader: args.reader });
          return;
        }
        if (st.result.state !== "waiting") { msg.textContent = t("reg.enrol_failed", { why: st.result.error || st.result.state }); return; }
      }
    } }, h("h2", { id: "enr-h" }, t("reg.enrol")), h("p", { class: "muted" }, t("reg.enrol_hint")), fh, frd, fl,
      h("button", { type: "submit", class: "primary" }, t("reg.enrol_btn"))));
  }
  replace(body, parts);
}
