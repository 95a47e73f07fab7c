import { ApiFailure, api } from "../api";
import { el } from "../dom";
import { t, tData } from "../i18n";

export function renderSignIn(main: HTMLElement, done: () => Promise<void>) {
  const user = el("input", { name: "username", autocomplete: "username", required: "", "data-testid": "username" }) as HTMLInputElement;
  const pass = el("input", { name: "password", type: "password", autocomplete: "current-password", required: "", "data-testid": "password" }) as HTMLInputElement;
  const msg = el("div", { class: "error", role: "alert", "data-testid": "signin-error" });
  const btn = el("button", { class: "btn primary big", type: "submit", "data-testid": "sign-in" }, t("sign_in"));
  const form = el("form", { class: "card signin" },
    el("h1", {}, t("sign_in")),
    el("label", {}, t("username"), user),
    el("label", {}, t("password"), pass),
    btn, msg,
    el("p", { class: "hint" }, tData("demo_hint", { users: "zrzy、nyncj、sthjj、zhen、cun、cunmin", password: "gongzhi-demo" })));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.textContent = "";
    btn.setAttribute("disabled", "");
    btn.textContent = t("signing_in");
    try {
      await api("POST", "/api/v1/session", { username: user.value.trim(), password: pass.value });
      await done();
    } catch (err) {
      msg.textContent = err instanceof ApiFailure ? err.text() : String(err);
      btn.removeAttribute("disabled");
      btn.textContent = t("sign_in");
    }
  });
  main.append(form);
  user.focus();
}
