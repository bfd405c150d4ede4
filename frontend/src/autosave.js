// The reporting entry grid saves each figure shortly after it is typed. Until the server has it, a figure
// is also kept in this browser (localStorage), so a closed tab, a dropped connection or an expired session
// loses nothing: the next visit puts it back and saves it. Each cell carries the revision its value had
// when loaded (r:KEY); the server refuses a figure when another official saved the cell since, and the
// page shows their value beside it while keeping the one typed here.
const t = (text) => (window.gettext ? window.gettext(text) : text);
const DELAY_MS = 800;
const RETRY_MS = [2000, 5000, 15000, 30000, 60000];

function cellKey(name) {
  return /^[vcn]:/.test(name) ? name.slice(2) : null;
}

function setUp(form) {
  const url = form.dataset.autosave;
  const storeKey = `tinhso:autosave:${window.location.pathname}`;
  const status = document.getElementById("autosave-status");
  const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const field = (name) => form.elements.namedItem(name);
  const dirty = new Set(); // keys waiting to be sent
  const held = new Set(); // keys the server refused: sent again once edited
  let timer = null;
  let inFlight = null; // the figures on their way to the server, as a promise
  let failures = 0;

  function say(text, state) {
    if (!status) return;
    status.textContent = text;
    status.dataset.state = state;
  }

  // What is not yet on the server, as {key: {v, c, r}} for cells and {key: {n}} for narrative sections.
  function stored() {
    try {
      return JSON.parse(window.localStorage.getItem(storeKey)) || {};
    } catch {
      return {};
    }
  }

  function remember() {
    const kept = {};
    for (const key of new Set([...dirty, ...held])) {
      if (field(`n:${key}`)) {
        kept[key] = { n: field(`n:${key}`).value };
      } else {
        kept[key] = { v: field(`v:${key}`)?.value ?? "", c: field(`c:${key}`)?.value, r: field(`r:${key}`)?.value };
      }
    }
    try {
      if (Object.keys(kept).length) window.localStorage.setItem(storeKey, JSON.stringify(kept));
      else window.localStorage.removeItem(storeKey);
    } catch {
      // A full or disabled storage only loses the offline copy; the page still saves.
    }
  }

  function showError(key, messages) {
    const input = field(`v:${key}`) || field(`n:${key}`);
    if (!input) return;
    const cellId = `e-${key}`;
    let note = document.getElementById(cellId);
    if (!messages.length) {
      input.removeAttribute("aria-invalid");
      note?.remove();
      return;
    }
    if (!note) {
      note = document.createElement("span");
      note.className = "field-error";
      note.id = cellId;
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = messages.join(" ");
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", cellId);
  }

  function schedule(delay = DELAY_MS) {
    window.clearTimeout(timer);
    timer = window.setTimeout(send, delay);
  }

  function mark(key) {
    dirty.add(key);
    held.delete(key);
    remember();
    say(t("Đang chờ lưu…"), "pending");
    schedule();
  }

  function send() {
    if (inFlight || !dirty.size) return;
    inFlight = deliver().finally(() => {
      inFlight = null;
    });
  }

  async function deliver() {
    const keys = [...dirty];
    const body = new URLSearchParams({ csrfmiddlewaretoken: token });
    const sent = {};
    for (const key of keys) {
      for (const prefix of ["v", "c", "r", "n"]) {
        const input = field(`${prefix}:${key}`);
        if (input) body.append(`${prefix}:${key}`, input.value);
      }
      sent[key] = (field(`v:${key}`) || field(`n:${key}`))?.value;
    }
    say(t("Đang lưu…"), "saving");
    let answer = null;
    try {
      const response = await fetch(url, {
        method: "POST",
        body,
        credentials: "same-origin",
        redirect: "manual", // a signed-out session answers with the sign-in page: not a save
        headers: { Accept: "application/json", "X-CSRFToken": token },
      });
      if ((response.headers.get("Content-Type") || "").includes("application/json")) {
        answer = { status: response.status, data: await response.json() };
      }
    } catch {
      answer = null;
    }
    if (!answer || answer.status >= 500 || answer.status === 403) {
      failures += 1;
      say(t("Chưa lưu được (mất kết nối hoặc hết phiên đăng nhập). Số liệu vẫn được giữ trên máy này và sẽ được lưu lại."), "offline");
      schedule(RETRY_MS[Math.min(failures, RETRY_MS.length) - 1]);
      return;
    }
    failures = 0;
    const code = answer.status;
    const data = answer.data;
    const unchanged = (key) => sent[key] === (field(`v:${key}`) || field(`n:${key}`))?.value;
    if (code === 200) {
      const revisions = data.revisions || {};
      for (const key of Object.keys(revisions)) {
        const seen = field(`r:${key}`);
        if (seen) seen.value = String(revisions[key]);
      }
      for (const key of keys) {
        showError(key, []);
        if (unchanged(key)) dirty.delete(key);
      }
      remember();
      say(`${t("Đã lưu lúc")} ${data.saved_at}`, "saved");
    } else {
      const refused = Object.keys(data.errors || {});
      for (const key of refused) {
        showError(key, data.errors[key]);
        if (unchanged(key)) {
          dirty.delete(key);
          held.add(key);
        }
        const newer = (data.current || {})[key];
        // Saving the cell again now replaces the newer value on purpose.
        if (newer && field(`r:${key}`)) field(`r:${key}`).value = String(newer.revision);
      }
      if (!refused.length) {
        for (const key of keys) {
          dirty.delete(key);
          held.add(key);
        }
      }
      remember();
      say(data.message || t("Có ô chưa lưu được."), "refused");
    }
    if (dirty.size) schedule(0);
  }

  form.addEventListener("input", (event) => {
    const key = cellKey(event.target.name || "");
    if (key) mark(key);
  });
  // Leaving a cell saves at once rather than after the pause.
  form.addEventListener("focusout", (event) => {
    if (cellKey(event.target.name || "") && dirty.size) schedule(0);
  });
  window.addEventListener("online", () => schedule(0));
  // The whole form is being sent: what it carries no longer needs the offline copy. A figure still on its
  // way goes first, so the two saves never race and the form carries the revisions it came back with.
  form.addEventListener("submit", (event) => {
    window.clearTimeout(timer);
    if (inFlight) {
      event.preventDefault();
      const submitter = event.submitter;
      inFlight.then(() => form.requestSubmit(submitter));
      return;
    }
    dirty.clear();
    held.clear();
    remember();
  });

  // Figures typed here earlier and never saved come back, with the revision they were typed against.
  const earlier = stored();
  for (const key of Object.keys(earlier)) {
    const kept = earlier[key];
    if (kept.n !== undefined && field(`n:${key}`)) {
      field(`n:${key}`).value = kept.n;
    } else if (field(`v:${key}`)) {
      field(`v:${key}`).value = kept.v;
      if (kept.c !== undefined && field(`c:${key}`)) field(`c:${key}`).value = kept.c;
      if (kept.r !== undefined && field(`r:${key}`)) field(`r:${key}`).value = kept.r;
    } else {
      continue;
    }
    dirty.add(key);
  }
  if (dirty.size) {
    say(t("Đang lưu số liệu đã nhập trước đó…"), "pending");
    schedule(0);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form[data-autosave]").forEach(setUp);
});
