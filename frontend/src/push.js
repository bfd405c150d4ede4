// The notification settings page: registers the platform's service worker (/sw.js), subscribes this browser
// to Web Push with the platform's VAPID public key, and hands the subscription to the platform.
function keyBytes(base64url) {
  const base64 = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function subscribe(button) {
  const state = document.querySelector("[data-push-state]");
  try {
    if ((await Notification.requestPermission()) !== "granted") throw new Error("permission refused");
    const registration = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(button.dataset.key),
    });
    const answer = await fetch(button.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(subscription.toJSON()),
    });
    if (!answer.ok) throw new Error(`the platform answered ${answer.status}`);
    state.textContent = button.dataset.done;
  } catch (error) {
    state.textContent = button.dataset.failed;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector("[data-push-subscribe]");
  if (!button) return;
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
    button.hidden = true;
    return;
  }
  button.addEventListener("click", () => subscribe(button));
});
