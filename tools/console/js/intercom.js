// The intercom: a call card per ring (intercom.call on the event stream).
// Staff type the caller's name, the console asks guest.evaluate and shows
// the answer; admit (the door releases, a visit opens), refuse with a
// reason, or override a house rule with a written reason.  A blocklisted
// name is never overridable: no override button is offered.
import { t, reason, error, time } from "./i18n.js";
import { h, replace, field, announce } from "./ui.js";

const cards = new Map();     // call seq -> card element

export function intercomCards(ctx, host) {
  if (!ctx.can("guest.evaluate")) {
    // Roles that cannot answer still see that someone rings.
    host.replaceChildren(...ctx.state.calls.map((c) =>
      h("div", { class: "call" }, t("call.title", { door: c.door }))));
    return;
  }
  const live = new Set(ctx.state.calls.map((c) => c.seq));
  for (const [seq, card] of cards) {
    if (!live.has(seq) && !card.dataset.done) { card.remove(); cards.delete(seq); }
  }
  for (const c of ctx.state.calls) {
    if (!cards.has(c.seq)) {
      const card = callCard(ctx, c, () => {
        ctx.state.calls = ctx.state.calls.filter((x) => x !== c);
        cards.delete(c.seq);
        card.remove();
        const next = host.querySelector(".call input");
        if (next) next.focus();
      });
      cards.set(c.seq, card);
      host.append(card);
      card.querySelector("input").focus();
    }
  }
}

function callCard(ctx, call, dismiss) {
  const bus = ctx.bus;
  const idp = "call" + call.seq;
  const [fname, name] = field(t("call.name"), h("input", { type: "text", autocomplete: "off",
    spellcheck: "false", class: "call-name" }));
  const stayPick = h("select", { class: "call-stay" });
  const [fstay] = field(t("call.stay"), stayPick);
  fstay.hidden = true;
  const result = h("div", { class: "call-result", "aria-live": "polite" });
  const actions = h("div", { class: "actions" });
  let evaluation = null;

  async function loadStays(only) {
    const r = await bus.call("stay.list");
    const stays = r.ok ? r.result.stays.filter((s) => !s.departure && (!only || only.includes(s.id))) : [];
    replace(stayPick, h("option", { value: "" }, t("call.stay_any")),
            stays.map((s) => h("option", { value: String(s.id) }, (s.alias || t("stay.n", { n: s.id })) + " · " + s.room)));
    fstay.hidden = false;
  }

  async function evaluate(e) {
    if (e) e.preventDefault();
    const guest = name.value.trim();
    if (!guest) { replace(result, h("p", { class: "err", role: "alert" }, t("call.name_needed"))); name.focus(); return; }
    const args = { door: call.door, guest };
    if (stayPick.value) args.stay = Number(stayPick.value);
    replace(result, h("p", null, t("call.checking")));
    replace(actions);
    const r = await bus.call("guest.evaluate", args);
    if (!r.ok) {
      if (r.error === "ambiguous") { await loadStays(); replace(result, h("p", { class: "warn", role: "alert" }, t("call.ambiguous"))); stayPick.focus(); return; }
      replace(result, h("p", { class: "err", role: "alert" }, error(r)));
      return;
    }
    evaluation = r.result;
    show();
  }

  function show() {
    const ev = evaluation;
    const who = ev.alias ? t("call.visits", { alias: ev.alias, stay: ev.stay }) : null;
    const parts = [];
    if (ev.decision === "allow") {
      parts.push(h("p", { class: "ok decision", "data-decision": "allow" }, h("strong", null, t("call.allow")), who ? " " + who : ""));
      if (ev.escort_required) parts.push(h("p", { class: "warn" }, t("call.escort")));
    } else {
      parts.push(h("p", { class: "bad decision", "data-decision": "deny" }, h("strong", null, t("call.deny")), who ? " " + who : ""));
      parts.push(h("ul", { class: "reasons" }, (ev.reasons || []).map((x) => h("li", { "data-reason": x }, reason(x)))));
      parts.push(h("p", null, ev.overridable ? t("call.overridable") : t("call.not_overridable")));
    }
    replace(result, parts);
    const btns = [];
    const [fwhy, why] = field(t("call.reason"), h("textarea", { rows: "2", class: "call-reason" }));
    if (ev.decision === "allow") {
      btns.push(h("button", { type: "button", class: "primary big", "data-act": "admit",
        onclick: () => admit() }, t("call.admit")));
    } else if (ev.overridable && ctx.can("guest.admit")) {
      btns.push(fwhy, h("button", { type: "button", class: "warnbtn big", "data-act": "override",
        onclick: () => {
          if (!why.value.trim()) { replace(result, parts, h("p", { class: "err", role: "alert" }, t("call.reason_needed"))); why.focus(); return; }
          admit(why.value.trim());
        } }, t("call.override")));
    }
    const [frefuse, refuseWhy] = field(t("call.refuse_reason"), h("input", { type: "text", class: "call-refuse-reason", autocomplete: "off" }));
    btns.push(frefuse, h("button", { type: "button", class: "big", "data-act": "refuse",
      onclick: () => refuse(refuseWhy.value.trim()) }, t("call.refuse")));
    replace(actions, btns);
    const first = actions.querySelector("button");
    if (first && ev.decision === "allow") first.focus();
  }

  async function admit(overrideReason) {
    const args = { door: call.door, guest: name.value.trim() };
    if (evaluation && evaluation.stay) args.stay = evaluation.stay;
    if (overrideReason) args.reason = overrideReason;
    const r = await bus.call("guest.admit", args);
    if (!r.ok) { replace(result, h("p", { class: "err", role: "alert" }, error(r))); return; }
    done(t("call.admitted", { door: call.door, visit: r.result.visit }), "admitted");
    ctx.refresh("inside");
  }

  async function refuse(why) {
    const args = { door: call.door };
    if (name.value.trim()) args.guest = name.value.trim();
    if (evaluation && evaluation.stay) args.stay = evaluation.stay;
    if (why) args.reason = why;
    const r = await bus.call("guest.refuse", args);
    if (!r.ok) { replace(result, h("p", { class: "err", role: "alert" }, error(r))); return; }
    done(t("call.refused"), "refused");
  }

  function done(text, state) {
    card.dataset.done = "1";
    replace(result, h("p", { class: "ok", role: "status", "data-outcome": state }, text));
    const close = h("button", { type: "button", class: "big", "data-act": "close", onclick: dismiss }, t("call.close"));
    replace(actions, close);
    form.querySelectorAll("input, select").forEach((x) => { x.disabled = true; });
    announce(text);
    close.focus();
  }

  const form = h("form", { onsubmit: evaluate },
    fname, fstay,
    h("div", { class: "actions" },
      h("button", { type: "submit", class: "primary", "data-act": "evaluate" }, t("call.lookup")),
      h("button", { type: "button", "data-act": "pick-stay", onclick: () => loadStays() }, t("call.pick_stay")),
      h("button", { type: "button", "data-act": "dismiss", onclick: dismiss }, t("call.dismiss"))));
  const card = h("section", { class: "call", id: idp, "aria-labelledby": idp + "-h", "data-door": call.door },
    h("h2", { id: idp + "-h" }, t("call.title", { door: call.door }), " ",
      h("span", { class: "muted" }, time(call.time))),
    h("p", { class: "muted" }, t("call.hint")),
    form, result, actions);
  return card;
}
