// Official holidays and adjusted working days in Wagtail's date pickers (lianzheng/views/
// calendar.py writes them into every admin page). Wagtail's date-time-chooser.js defines
// window.initDateChooser and initDateTimeChooser after this script has run (it comes with the
// form's media), so catch the assignment and add the marks to each picker's options.
(function () {
  const data = document.getElementById("lz-calendar-marks");
  if (!data) return;
  const marks = { formatDate: "Y-m-d", highlightedDates: JSON.parse(data.textContent) };
  for (const name of ["initDateChooser", "initDateTimeChooser"]) {
    let wrapped = window[name];
    Object.defineProperty(window, name, {
      configurable: true,
      get: () => wrapped,
      set(original) {
        wrapped = (id, options) => original(id, Object.assign({}, marks, options || {}));
      },
    });
  }
})();
