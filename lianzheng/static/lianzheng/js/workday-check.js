// The notify form's live check of 第六条（三）: working days between notice and talk.
// Listens on the document, since Wagtail's date pickers may replace the inputs after load.
(function () {
  const FIELDS = ["scheduled_at", "written_on"];
  let pending = null;

  async function check() {
    const out = document.getElementById("lz-workday-check");
    const talk = document.querySelector("[name=scheduled_at]");
    const written = document.querySelector("[name=written_on]");
    if (!out || !talk || !written || !talk.value || !written.value) return;
    const url = new URL(out.dataset.url, window.location.href);
    url.searchParams.set("from", written.value.trim().slice(0, 10));
    url.searchParams.set("to", talk.value.trim().replace(" ", "T"));
    try {
      const response = await fetch(url, { credentials: "same-origin" });
      const data = await response.json();
      out.textContent = data.message || data.error || "";
      out.classList.toggle("help-critical", data.ok === false);
      out.classList.toggle("help-info", data.ok === true);
    } catch (error) {
      out.textContent = "";
    }
  }

  function schedule(event) {
    if (!event.target || !FIELDS.includes(event.target.name)) return;
    clearTimeout(pending);
    pending = setTimeout(check, 250);
  }

  ["change", "input", "blur"].forEach((name) => document.addEventListener(name, schedule, true));
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", check);
  } else {
    check();
  }
})();
