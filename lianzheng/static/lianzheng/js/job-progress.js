// A background generation's page: ask for its state every second and move the bar; when it
// has finished, load the page again, which then shows the download or the reason it failed.
(function () {
  const box = document.querySelector("[data-lz-job]");
  if (!box || box.dataset.finished === "1") return;
  const bar = box.querySelector("[data-lz-job-progress]");
  const percent = box.querySelector("[data-lz-job-percent]");
  const stage = box.querySelector("[data-lz-job-stage]");
  const state = box.querySelector("[data-lz-job-state]");

  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, { credentials: "same-origin" });
      if (!response.ok) throw new Error(String(response.status));
      const data = await response.json();
      if (data.finished) {
        window.location.reload();
        return;
      }
      if (bar) bar.value = data.progress;
      if (percent) percent.textContent = data.progress + "%";
      if (stage) stage.textContent = data.stage;
      if (state) state.textContent = data.state_label;
    } catch (error) {
      // A lost connection: try again at the next tick.
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 1000);
})();
