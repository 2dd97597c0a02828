// The house now, the visitors inside and the alarms.
import { t, reason, error, time, datetime } from "./i18n.js";
import { h, replace, same, announce } from "./ui.js";

const PHASE_CLASS = { locked: "ok", released: "info", open: "info",
                      held_warning: "warn", held: "bad", forced: "bad" };

export function doorStatus(d) {
  if (d.fault) return ["fault", "bad"];
  return [d.phase, PHASE_CLASS[d.phase] || "info"];
}

async function act(ctx, verb, args, okText) {
  const r = await ctx.bus.call(verb, args);
  announce(r.ok ? okText : error(r));
  return r;
}

function doorCard(ctx, name, d, msgs) {
  const [st, cls] = doorStatus(d);
  const buttons = [];
  if (ctx.can("door.release"))
    buttons.push(h("button", { type: "button", class: "primary", "data-door": name,
      "data-act": "release", "aria-label": t("door.release_named", { door: name }),
      onclick: async () => { const r = await act(ctx, "door.release", { door: name },
        t("door.released_msg", { door: name })); msgs.set(name, r.ok ? "" : error(r)); ctx.render(); } },
      t("door.release")));
  if (ctx.can("door.lock"))
    buttons.push(h("button", { type: "button", "data-door": name, "data-act": "lock",
      "aria-label": t("door.lock_named", { door: name }),
      onclick: async () => { const r = await act(ctx, "door.lock", { door: name },
        t("door.locked_msg", { door: name })); msgs.set(name, r.ok ? "" : error(r)); ctx.render(); } },
      t("door.lock")));
  const flags = [];
  if (d.hold) flags.push(t("door.flag.hold"));
  if (d.locked_out) flags.push(t("door.flag.locked_out"));
  if (d.open && d.phase !== "open") flags.push(t("door.flag.open"));
  return h("li", { class: "door " + cls, id: "door-" + name, "data-phase": d.phase,
                   "data-open": String(!!d.open) },
    h("div", { class: "door-name" }, name, d.egress ? h("span", { class: "tag" }, t("door.egress")) : null),
    h("div", { class: "door-state" }, t("door.phase." + st)),
    flags.length ? h("div", { class: "door-flags" }, flags.join(" · ")) : null,
    msgs.get(name) ? h("div", { class: "err", role: "alert" }, msgs.get(name)) : null,
    buttons.length ? h("div", { class: "actions" }, buttons) : null);
}

export function houseView(ctx) {
  const el = h("div", { class: "house" });
  const msgs = new Map();
  const doors = h("ul", { class: "doors", id: "doors" });
  const side = h("div", { class: "side" });
  replace(el, h("h1", null, t("house.title")),
          h("div", { class: "house-grid" },
            h("section", { "aria-labelledby": "doors-h" }, h("h2", { id: "doors-h" }, t("house.doors")), doors),
            side));
  function update() {
    const s = ctx.state;
    const names = Object.keys(s.doors).sort();
    same(doors, names.length ? names.map((n) => doorCard(ctx, n, s.doors[n], msgs))
                                : h("li", { class: "empty" }, t("house.no_doors")));
    // Mark when each door was drawn (the bench reads it).
    window.__doorDrawn = performance.now();
    const open = s.alarms.filter((a) => !a.acked);
    const inside = s.inside ? s.inside.visits : null;
    const duty = s.duty ? s.duty.on_duty : null;
    const occ = s.occupancy;
    same(side,
      modeControls(ctx, msgs),
      h("section", { "aria-labelledby": "h-al" }, h("h2", { id: "h-al" }, t("house.alarms")),
        open.length ? h("ul", { class: "plain" }, open.map((a) =>
          h("li", { class: "bad" }, t("alarm.class." + a.class), " · ", a.point, " · ", time(a.since))))
          : h("p", null, t("house.no_alarms"))),
      inside ? h("section", { "aria-labelledby": "h-in" }, h("h2", { id: "h-in" }, t("house.inside")),
        inside.length ? h("ul", { class: "plain" }, inside.map((v) =>
          h("li", { class: v.overstay ? "warn" : "" }, v.guest || t("visit.nameless"), " → ",
            v.alias || t("stay.n", { n: v.stay }), " · ", t("visit.since", { time: time(v.since) }))))
          : h("p", null, t("house.nobody_inside"))) : null,
      duty ? h("section", { "aria-labelledby": "h-duty" }, h("h2", { id: "h-duty" }, t("house.duty")),
        duty.length ? h("ul", { class: "plain" }, duty.map((d) =>
          h("li", null, d.login, " · ", t("duty.since", { time: time(d.since) }))))
          : h("p", null, t("house.nobody_on_duty")),
        ctx.can("staff.on") ? (duty.some((d) => d.login === ctx.login)
          ? h("button", { type: "button", "data-act": "duty-off", onclick: async () => {
              const r = await ctx.bus.call("staff.off"); msgs.set("duty", r.ok ? "" : error(r)); ctx.refresh("duty"); } }, t("duty.off"))
          : h("button", { type: "button", class: "primary", "data-act": "duty-on", onclick: async () => {
              const r = await ctx.bus.call("staff.on"); msgs.set("duty", r.ok ? "" : error(r)); ctx.refresh("duty"); } }, t("duty.on")))
          : null,
        msgs.get("duty") ? h("p", { class: "err", role: "alert" }, msgs.get("duty")) : null) : null,
      occ ? h("section", { "aria-labelledby": "h-occ" }, h("h2", { id: "h-occ" }, t("house.occupancy")),
        h("p", null, t("house.occupancy_line", occ))) : null);
  }
  update();
  return { el, update };
}

// Lockdown, lift, reset after a fire, drill: what the role may do in the
// mode the house is in.  A fire is started by the fire panel, not here.
function modeControls(ctx, msgs) {
  const m = ctx.state.mode;
  if (!m) return null;
  const btns = [];
  const run = (verb, args, confirmKey) => async () => {
    if (confirmKey && !confirm(t(confirmKey))) return;
    const r = await ctx.bus.call(verb, args);
    msgs.set("mode", r.ok ? "" : error(r));
    ctx.render();
  };
  if (!m.lockdown && ctx.can("mode.lockdown"))
    btns.push(h("button", { type: "button", class: "warnbtn", "data-act": "lockdown",
      onclick: run("mode.lockdown", null, "mode.lockdown_confirm") }, t("mode.lockdown_btn")));
  if (m.lockdown && ctx.can("mode.lift"))
    btns.push(h("button", { type: "button", "data-act": "lift", onclick: run("mode.lift") }, t("mode.lift_btn")));
  if (m.fire && ctx.can("mode.reset"))
    btns.push(h("button", { type: "button", "data-act": "reset", onclick: run("mode.reset", null, "mode.reset_confirm") }, t("mode.reset_btn")));
  if (ctx.can("mode.drill") && !m.fire && !m.lockdown)
    btns.push(m.drill
      ? h("button", { type: "button", "data-act": "drill-end", onclick: run("mode.drill", { action: "end" }) }, t("mode.drill_end"))
      : h("button", { type: "button", "data-act": "drill-start", onclick: run("mode.drill", { action: "start" }, "mode.drill_confirm") }, t("mode.drill_start")));
  if (!btns.length) return null;
  return h("section", { "aria-labelledby": "h-mode" }, h("h2", { id: "h-mode" }, t("house.mode")),
    h("p", null, t("house.mode_now", { mode: t("mode.name." + m.mode) })),
    h("div", { class: "actions" }, btns),
    msgs.get("mode") ? h("p", { class: "err", role: "alert" }, msgs.get("mode")) : null);
}

export function visitorsView(ctx) {
  const el = h("div", { class: "visitors" });
  const list = h("div");
  const msg = h("p", { role: "status", class: "msg" });
  replace(el, h("h1", null, t("visitors.title")), msg, list);
  function update() {
    const v = ctx.state.inside;
    if (!v) { replace(list, h("p", null, t("loading"))); return; }
    if (!v.visits.length) { replace(list, h("p", null, t("house.nobody_inside"))); return; }
    replace(list, h("table", { class: "grid", tabindex: "0", id: "visits" },
      h("caption", { class: "sr-only" }, t("visitors.title")),
      h("thead", null, h("tr", null, ["visitors.col.guest", "visitors.col.resident", "visitors.col.door",
        "visitors.col.since", "visitors.col.minutes", "visitors.col.action"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", null, v.visits.map((x) => h("tr", { class: x.overstay ? "warn" : "", "data-visit": x.visit },
        h("td", null, x.guest || t("visit.nameless")),
        h("td", null, x.alias || t("stay.n", { n: x.stay })),
        h("td", null, x.door),
        h("td", null, time(x.since)),
        h("td", null, String(x.minutes), x.overstay ? h("strong", { class: "overstay" }, " ", t("visitors.overstay")) : null),
        h("td", null, ctx.can("guest.checkout") ? h("button", { type: "button", "data-act": "checkout",
          "aria-label": t("visitors.checkout_named", { guest: x.guest || x.visit }),
          onclick: async () => {
            const r = await ctx.bus.call("guest.checkout", { visit: x.visit });
            msg.textContent = r.ok ? t("visitors.checked_out", { guest: x.guest || x.visit }) : error(r);
            ctx.refresh("inside");
          } }, t("visitors.checkout")) : null))))));
  }
  update();
  return { el, update };
}

export function alarmsView(ctx) {
  const el = h("div", { class: "alarms" });
  const list = h("div");
  const msg = h("p", { role: "status", class: "msg" });
  replace(el, h("h1", null, t("alarms.title")), msg, list);
  function update() {
    const a = ctx.state.alarms;
    if (!a.length) { replace(list, h("p", null, t("house.no_alarms"))); return; }
    replace(list, h("table", { class: "grid", tabindex: "0", id: "alarm-table" },
      h("caption", { class: "sr-only" }, t("alarms.title")),
      h("thead", null, h("tr", null, ["alarms.col.class", "alarms.col.point", "alarms.col.since",
        "alarms.col.cause", "alarms.col.state"].map((k) => h("th", { scope: "col" }, t(k))))),
      h("tbody", null, a.map((x) => h("tr", { class: x.acked ? "" : "bad", "data-alarm": x.id },
        h("td", null, t("alarm.class." + x.class)),
        h("td", null, x.point),
        h("td", null, datetime(x.since)),
        h("td", null, x.cause_active ? t("alarms.cause_active") : t("alarms.cause_cleared")),
        h("td", null, x.acked ? t("alarms.acked") :
          ctx.can("alarm.ack") ? h("button", { type: "button", class: "primary", "data-act": "ack",
            "aria-label": t("alarms.ack_named", { what: t("alarm.class." + x.class), point: x.point }),
            onclick: async () => {
              const r = await ctx.bus.call("alarm.ack", { id: x.id });
              msg.textContent = r.ok ? t("alarms.acked_msg") : error(r);
            } }, t("alarms.ack")) : t("alarms.open")))))));
  }
  update();
  return { el, update };
}
