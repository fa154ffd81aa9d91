// The notify form's live check of 第六条（三）: working days between notice and talk.
(function () {
  const out = document.getElementById("lz-workday-check");
  if (!out) return;
  const talk = document.querySelector("[name=scheduled_at]");
  const written = document.querySelector("[name=written_on]");
  async function check() {
    if (!talk || !written || !talk.value || !written.value) return;
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
  [talk, written].forEach((el) => el && ["change", "input", "blur"].forEach((ev) => el.addEventListener(ev, check)));
  check();
})();
