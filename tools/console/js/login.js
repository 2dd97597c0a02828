// The log-in screen of the staff console and of the regional intake
// view: the login and password fields, the language button, and the
// messages for a wrong password or an unreachable broker.  The password
// field is emptied before the page tries to log in with it.
import * as i18n from "./i18n.js";
import { t } from "./i18n.js";
import { h, replace, field } from "./ui.js";

export function langButton(after) {
  const other = i18n.lang === "da" ? "en" : "da";
  return h("button", { class: "lang", type: "button", lang: other,
                       onclick: async () => { await i18n.load(other); after(); } },
           t("lang.switch"));
}

// page: { title(), heading(), logIn(login, password) } where logIn
// resolves once logged in and rejects with Error("auth") or another.
export function loginScreen(app, page, message) {
  document.title = page.title();
  const [fl, login] = field(t("login.login"), h("input", { name: "username",
    autocomplete: "username", autocapitalize: "none", spellcheck: "false", required: true }));
  const [fp, pass] = field(t("login.password"), h("input", { type: "password",
    name: "password", autocomplete: "current-password", required: true }));
  const msg = h("p", { class: "login-msg", role: "alert", id: "login-msg" }, message || "");
  const submit = h("button", { type: "submit", class: "primary big" }, t("login.submit"));
  const form = h("form", { class: "login", "aria-labelledby": "login-title",
    onsubmit: async (e) => {
      e.preventDefault();
      submit.disabled = true;
      msg.textContent = t("login.connecting");
      const l = login.value.trim(), p = pass.value;
      pass.value = "";
      try {
        await page.logIn(l, p);
      } catch (err) {
        submit.disabled = false;
        msg.textContent = err.message === "auth" ? t("login.wrong") : t("login.unreachable");
        pass.focus();
      }
    } },
    h("h1", { id: "login-title" }, page.heading()),
    fl, fp, submit, msg);
  replace(app, h("main", { class: "login-page" },
                 h("div", { class: "login-top" },
                   langButton(() => loginScreen(app, page, msg.textContent))),
                 form));
  login.focus();
}
