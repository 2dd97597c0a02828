// Reports (management): occupancy for a period as a table and a chart, and
// the safety report to view and download.
import { t, error, reason, today, datetime } from "./i18n.js";
import { h, replace, field } from "./ui.js";

export function reportsView(ctx) {
  const bus = ctx.bus;
  const el = h("div", { class: "reports" });
  const y = today().slice(0, 4);
  const [ff, from] = field(t("rep.from"), h("input", { type: "date", value: y + "-01-01" }));
  const [ft, to] = field(t("rep.to"), h("input", { type: "date", value: y + "-12-31" }));
  const out = h("div", { id: "report-out" });
  const occ = h("button", { type: "submit", class: "primary", "data-act": "occupancy" }, t("rep.occupancy"));
  const saf = h("button", { type: "button", "data-act": "safety", onclick: () => safety() }, t("rep.safety"));
  replace(el, h("h1", null, t("rep.title")),
    h("form", { class: "card row", onsubmit: (e) => { e.preventDefault(); occupancy(); } }, ff, ft, occ, saf), out);

  async function occupancy() {
    replace(out, h("p", null, t("loading")));
    const r = await bus.call("report.occupancy", { from: from.value, to: to.value });
    if (!r.ok) { replace(out, h("p", { class: "err", role: "alert" }, error(r))); return; }
    const rep = r.result;
    const months = rep.months || [];
    const W = 40, H = 160;
    const chart = h("figure", { class: "chart" },
      svg("svg", { viewBox: "0 0 " + (months.length * W + 40) + " " + (H + 30), role: "img",
        "aria-label": t("rep.chart_label") },
        svg("line", { x1: 30, y1: H, x2: months.length * W + 30, y2: H, stroke: "currentColor" }),
        months.map((m, i) => {
          const p = m.occupancy_pct || 0, bh = (p / 100) * (H - 10);
          return [svg("rect", { x: 34 + i * W, y: H - bh, width: W - 8, height: bh, class: "bar" }),
                  svg("text", { x: 38 + i * W, y: H + 14, "font-size": "10" }, m.month.slice(5)),
                  svg("text", { x: 34 + i * W, y: H - bh - 3, "font-size": "10" }, m.occupancy_pct == null ? "" : String(Math.round(p)))];
        })),
      h("figcaption", null, t("rep.chart_caption")));
    const row = (m) => h("tr", null, h("th", { scope: "row" }, m.month || t("rep.total")),
      h("td", null, String(m.available_room_days)), h("td", null, String(m.occupied_room_days)),
      h("td", null, m.occupancy_pct == null ? "–" : m.occupancy_pct + " %"),
      h("td", null, String(m.stays_started)), h("td", null, String(m.stays_ended)),
      h("td", null, m.average_completed_stay_days == null ? "–" : String(m.average_completed_stay_days)));
    replace(out, h("h2", null, t("rep.occupancy_for", { from: rep.from, to: rep.to })), chart,
      h("table", { class: "grid", tabindex: "0", id: "occupancy-table" },
        h("thead", null, h("tr", null, ["rep.col.month", "rep.col.available", "rep.col.occupied", "rep.col.pct",
          "rep.col.started", "rep.col.ended", "rep.col.avg"].map((k) => h("th", { scope: "col" }, t(k))))),
        h("tbody", null, months.map(row), rep.total ? row(rep.total) : null)),
      h("p", { class: "muted" }, t("rep.counting_rule")));
  }

  async function safety() {
    replace(out, h("p", null, t("loading")));
    const r = await bus.call("report.safety", { from: from.value, to: to.value });
    if (!r.ok) { replace(out, h("p", { class: "err", role: "alert" }, error(r))); return; }
    const rep = r.result, s = rep.summary || {};
    const min = (sec) => (sec == null ? "–" : (sec / 60).toFixed(1));
    const tbl = (id, cols, rows, empty) => rows.length
      ? h("table", { class: "grid", tabindex: "0", id },
          h("thead", null, h("tr", null, cols.map((k) => h("th", { scope: "col" }, t(k))))),
          h("tbody", null, rows.map((cells) => h("tr", null, cells.map((c) => h("td", null, c))))))
      : h("p", null, t(empty));
    const al = rep.alarms || {};
    const report = h("div", { id: "safety-report" },
      h("h2", null, t("rep.safety_for", { from: rep.from, to: rep.to })),
      h("p", { class: "muted" }, t("rep.safety_site", { site: rep.site, tz: rep.timezone, generated: datetime(rep.generated) })),
      h("h3", null, t("rep.safety.summary")),
      h("table", { class: "grid", tabindex: "0", id: "safety-summary" },
        h("tbody", null, Object.entries(s).map(([k, v]) => h("tr", null,
          h("th", { scope: "row" }, t("rep.safety." + k)), h("td", null, String(v)))))),
      h("h3", null, t("rep.safety.evacuations")),
      tbl("safety-evac", ["rep.col.kind", "rep.col.start", "rep.col.all_clear", "rep.col.minutes", "rep.col.items", "rep.col.unaccounted"],
        (rep.evacuations || []).map((e) => [t("rc.kind." + e.kind), datetime(e.started), e.all_clear ? datetime(e.all_clear) : "–",
          min(e.seconds_to_all_clear), String(e.items), String(e.unaccounted)]), "rep.none"),
      h("h3", null, t("rep.safety.alarms_by_class")),
      tbl("safety-alarms", ["rep.col.class", "rep.col.count", "rep.col.unacked", "rep.col.median_ack", "rep.col.longest_ack"],
        (al.by_class || []).map((a) => [t("alarm.class." + a.class), String(a.count), String(a.unacknowledged),
          min(a.median_ack_seconds), min(a.longest_ack_seconds)]), "rep.none"),
      h("h3", null, t("rep.safety.doors")),
      tbl("safety-doors", ["rep.col.door", "rep.col.forced", "rep.col.held"],
        doorRows(rep.doors || {}), "rep.none"),
      h("h3", null, t("rep.safety.refused_by_reason")),
      tbl("safety-refused", ["rep.col.reason", "rep.col.count"],
        (rep.refused_visitors || []).map((x) => [x.reason === "staff_decision" ? t("rep.staff_decision") : reason(x.reason), String(x.count)]), "rep.none"));
    const html = "<!doctype html><html lang=\"" + document.documentElement.lang + "\"><meta charset=\"utf-8\"><title>" +
      t("rep.safety_for", { from: rep.from, to: rep.to }) + "</title><style>body{font-family:sans-serif;margin:2em}" +
      "table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #999;padding:.3em .6em;text-align:left}</style>" +
      report.outerHTML + "</html>";
    const name = "safety-" + rep.site + "-" + rep.from + "-" + rep.to;
    replace(out, report,
      h("div", { class: "actions" },
        h("a", { href: URL.createObjectURL(new Blob([html], { type: "text/html" })), download: name + ".html",
          class: "button primary", "data-act": "download-html" }, t("rep.download_html")),
        h("a", { href: URL.createObjectURL(new Blob([JSON.stringify(rep, null, 2)], { type: "application/json" })),
          download: name + ".json", class: "button", "data-act": "download" }, t("rep.download"))),
      h("p", { class: "muted" }, t("rep.safety_note")));
  }
  return { el };
}

function svg(tag, attrs, ...kids) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  for (const k of kids.flat(3)) if (k != null) el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return el;
}

function doorRows(doors) {
  const m = new Map();
  for (const x of doors.forced || []) m.set(x.door, [x.count, 0]);
  for (const x of doors.held || []) m.set(x.door, [(m.get(x.door) || [0])[0], x.count]);
  return [...m].sort().map(([d, [f, hd]]) => [d, String(f), String(hd)]);
}
