// The roll call during a fire or a drill, made for a phone at the assembly
// point.  One tap marks a room, a visitor or a staff member accounted for
// (and a second tap takes it back).  Taps made while the connection is
// down are kept here as "wanted" states and sent when it is back; a reply
// of already_accounted / not_accounted means the daemon has it already, so
// a tap sent twice is never counted twice (evac.account is refused the
// second time, docs/mqtt.md).
import { t, error, time, duration } from "./i18n.js";
import { h, replace, same, announce } from "./ui.js";

export function rollcallView(ctx) {
  const bus = ctx.bus;
  const el = h("div", { class: "rollcall" });
  const head = h("div", { class: "rc-head", role: "status", "aria-live": "polite" });
  const clock = h("div", { class: "rc-clock" });
  const list = h("ul", { class: "rc-list", id: "rc-list" });
  const foot = h("div", { class: "rc-foot" });
  replace(el, h("h1", null, t("rc.title")), clock, head, list, foot);
  let status = null;           // evac.status's result
  const wanted = new Map();    // who -> accounted?  (not yet confirmed)
  let loading = false, again = false;

  async function load() {
    if (loading) { again = true; return; }
    loading = true;
    const r = await bus.call("evac.status");
    loading = false;
    if (r.ok) status = r.result;
    if (again) { again = false; return load(); }
    await sync();
    draw();
  }

  function accounted(it) {
    return wanted.has(it.who) ? wanted.get(it.who) : !!it.accounted_at;
  }

  // Send every wanted state the daemon does not have yet, one at a time.
  let syncing = false;
  async function sync() {
    if (syncing || !bus.online || !status) return;
    syncing = true;
    try {
      for (const [who, want] of [...wanted]) {
        if (!bus.online) break;
        const it = status.items.find((x) => x.who === who);
        if (it && !!it.accounted_at === want) { wanted.delete(who); continue; }
        const r = await bus.call(want ? "evac.account" : "evac.unaccount", { who });
        if (r.ok || r.error === "already_accounted" || r.error === "not_accounted") {
          if (wanted.get(who) === want) wanted.delete(who);
          if (it && r.ok) { it.accounted_at = r.result.accounted_at; it.accounted_by = r.result.accounted_by;
                            status.unaccounted = r.result.unaccounted; status.all_clear = r.result.all_clear; }
          else if (it) it.accounted_at = want ? (it.accounted_at || "yes") : null;
        } else if (r.error !== "timeout") {
          wanted.delete(who);
          announce(error(r));
        }
      }
    } finally { syncing = false; }
    if ([...wanted].length && bus.online) setTimeout(() => sync().then(draw), 500);
  }

  function tap(it) {
    wanted.set(it.who, !accounted(it));
    draw();
    sync().then(() => load());
  }

  function label(it) {
    if (it.who.startsWith("visit:")) return [it.guest || t("rc.visitor"), t("rc.visiting", { alias: it.alias || "" })];
    if (it.who.startsWith("staff:")) return [it.who.slice(6), t("rc.staff")];
    const bits = [];
    if (it.adults) bits.push(t("rc.adults", { n: it.adults }));
    // ages: "0-2:1 3-5:1" (band:count), as evac.status gives it.
    const ages = typeof it.ages === "string" ? it.ages.split(" ").filter(Boolean) : [];
    for (const a of ages) {
      const [band, n] = a.split(":");
      bits.push(t("rc.children_band", { n, band: t("rc.band." + band.replace("-", "_")) }));
    }
    if (!ages.length && it.children) bits.push(t("rc.children", { n: it.children }));
    return [t("rc.room", { room: it.who.replace(/^room:/, ""), alias: it.alias || "" }), bits.join(", ")];
  }

  function draw() {
    const live = ctx.state.evacuation;
    if (!status || !status.evacuation) {
      same(head, h("p", null, t("rc.none")));
      replace(list);
      replace(foot);
      return;
    }
    const items = status.items || [];
    const missing = items.filter((it) => !accounted(it)).length;
    const open = status.open;
    same(head,
      h("p", { class: "rc-count " + (missing ? "bad" : "ok"), id: "rc-unaccounted", "data-n": missing },
        missing ? t("rc.unaccounted", { n: missing, total: items.length }) :
          wanted.size ? t("rc.all_here") : t("rc.all_accounted")),
      h("p", { class: "rc-kind" }, t("rc.kind." + status.kind), " · ", t("rc.started", { time: time(status.started) })),
      status.all_clear ? h("p", { class: "ok", id: "rc-all-clear" }, t("rc.all_clear", { time: time(status.all_clear) })) : null,
      !bus.online ? h("p", { class: "warn", id: "rc-offline" }, t("rc.offline", { n: wanted.size })) :
        wanted.size ? h("p", { class: "warn" }, t("rc.sending", { n: wanted.size })) : null,
      !open ? h("p", null, t("rc.closed")) : null);
    const items2 = items.slice().sort((a, b) => accounted(a) - accounted(b));
    replace(list, items2.map((it) => {
      const yes = accounted(it);
      const [main, sub] = label(it);
      return h("li", null, h("button", { type: "button", class: "rc-item " + (yes ? "yes" : "no"),
        "aria-pressed": String(yes), "data-who": it.who, disabled: !open,
        onclick: () => tap(it) },
        h("span", { class: "rc-mark", "aria-hidden": "true" }, yes ? "✓" : ""),
        h("span", { class: "rc-main" }, main, it.needs_help ? h("strong", { class: "rc-help" }, " · ", t("rc.needs_help")) : null),
        h("span", { class: "rc-sub" }, sub),
        h("span", { class: "rc-state" }, yes ? t("rc.accounted") : t("rc.missing"))));
    }));
    const btns = [];
    if (open && ctx.can("evac.close") && !missing && !wanted.size && bus.online)
      btns.push(h("button", { type: "button", class: "big", "data-act": "close-evac", onclick: async () => {
        const r = await bus.call("evac.close"); announce(r.ok ? t("rc.closed") : error(r)); load(); } }, t("rc.close")));
    replace(foot, btns);
    void live;
  }

  function tick() {
    if (status && status.started) {
      const end = status.all_clear ? new Date(status.all_clear) : new Date();
      replace(clock, h("span", { id: "rc-elapsed" }, t("rc.elapsed", { time: duration((end - new Date(status.started)) / 1000) })));
    } else replace(clock);
  }
  const timer = setInterval(tick, 1000);
  load();
  return {
    el,
    update(what) { if (what === "evacuation" || what === "all") load(); else draw(); },
    online() { load(); },
    destroy() { clearInterval(timer); },
  };
}
