// The console's one connection: MQTT over secure WebSockets to the
// building's Mosquitto (through lighttpd's /mqtt), with the staff member's
// own login.  Commands are published to cmd/<login>/<verb> and answered on
// reply/<login>/<id> (docs/mqtt.md); state arrives as retained topics.
import mqtt from "../vendor/mqtt.esm.js";

export class Bus extends EventTarget {
  constructor(site, path) {
    super();
    this.root = "husvagt/" + site;
    this.url = (location.protocol === "https:" ? "wss://" : "ws://") +
      location.host + path;
    this.client = null;
    this.login = null;
    this.pending = new Map();
    this.seq = 0;
    this.online = false;
    this.lastEventSeq = 0;
    this.seen = new Set();
  }

  // Resolves on the first CONNACK; rejects with "auth" on a refused
  // login, "network" when the broker cannot be reached.
  connect(login, password) {
    this.login = login;
    return new Promise((resolve, reject) => {
      let settled = false;
      const c = mqtt.connect(this.url, {
        protocolVersion: 5, username: login, password,
        clientId: "console-" + login + "-" + Math.random().toString(16).slice(2, 10),
        clean: true, reconnectPeriod: 1000, connectTimeout: 8000,
        keepalive: 20, resubscribe: true,
        // native timers: the default runs them in a blob: worker, which
        // the console's CSP (script-src 'self') does not allow.
        timerVariant: "native",
      });
      this.client = c;
      c.on("connect", () => {
        this.online = true;
        c.subscribe([this.root + "/status", this.root + "/state/#",
                     this.root + "/event",
                     this.root + "/reply/" + login + "/#"], { qos: 1 });
        this.emit("online");
        if (!settled) { settled = true; resolve(); }
      });
      c.on("message", (topic, payload) => this.onMessage(topic, payload));
      const down = () => {
        if (this.online) { this.online = false; this.emit("offline"); }
      };
      c.on("close", down);
      c.on("offline", down);
      c.on("error", (err) => {
        const code = err && err.code;
        // CONNACK 134 bad user name or password, 135 not authorised
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

  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  onMessage(topic, payload) {
    const rel = topic.slice(this.root.length + 1);
    const text = new TextDecoder().decode(payload);
    if (rel.startsWith("reply/")) {
      let r;
      try { r = JSON.parse(text); } catch { return; }
      const p = this.pending.get(r.id);
      if (p) { this.pending.delete(r.id); clearTimeout(p.timer); p.resolve(r); }
      return;
    }
    if (rel === "status") { this.emit("status", text); return; }
    let body = null;
    if (text.length) { try { body = JSON.parse(text); } catch { return; } }
    if (rel === "event") {
      if (body) this.deliver(body);
      return;
    }
    if (rel.startsWith("state/")) this.emit("state", { key: rel.slice(6), body });
  }

  // husvagtd may publish a row twice, and rows read back after an outage
  // (journal.rows) overlap the live ones: each seq is handed on once.
  deliver(row, extra) {
    if (typeof row.seq !== "number" || this.seen.has(row.seq)) return;
    this.seen.add(row.seq);
    if (this.seen.size > 5000) this.seen.delete(this.seen.values().next().value);
    if (row.seq > this.lastEventSeq) this.lastEventSeq = row.seq;
    this.emit("event", extra ? Object.assign(row, extra) : row);
  }

  // A command; resolves with the reply {ok, result | error, message}.
  call(verb, args, timeoutMs = 10000) {
    const id = "c" + (++this.seq) + "-" + Math.random().toString(36).slice(2, 8);
    const body = { id };
    if (args && Object.keys(args).length) body.args = args;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ ok: false, error: "timeout", id });
      }, timeoutMs);
      this.pending.set(id, { resolve, timer });
      this.client.publish(this.root + "/cmd/" + this.login + "/" + verb,
                          JSON.stringify(body), { qos: 1, retain: false });
    });
  }

  close() {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    if (this.client) this.client.end(true);
    this.client = null;
    this.online = false;
  }
}
