/* 待遇测算: shade the days that are not paid as the dates and hospital ticks change, and show
   the cost inputs of the chosen care modes.
   Only a convenience: the server draws the same shading, and the form works without it.
   Changing the policy or the month draws the form again through htmx (hx-post on them). */
(function () {
  "use strict";

  function value(form, name) {
    var field = form.elements[name];
    return field && field.value ? field.value : "";
  }

  // The same rule as CalculatorForm.calendar(): ISO dates compare as text.
  function mark(form) {
    var from = value(form, "eligible_from");
    var to = value(form, "eligible_to");
    var died = value(form, "died_on");
    form.querySelectorAll("[data-calc-day]").forEach(function (cell) {
      var day = cell.getAttribute("data-calc-day");
      var status = "";
      if (from && day < from) {
        status = "待遇开始前";
      } else if (to && day > to) {
        status = "待遇截止后";
      } else if (died && day > died) {
        status = "身故后";
      }
      var box = cell.querySelector('input[name="hospital_days"]');
      var hospital = !status && Boolean(box && box.checked);
      cell.classList.toggle("ch-cal-off", Boolean(status));
      cell.classList.toggle("ch-cal-hospital", hospital);
      var text = cell.querySelector("[data-calc-status]");
      if (text) {
        text.textContent = status || (box && box.checked ? "住院" : "");
      }
    });
  }

  // Cost inputs concern the care modes whose benefits pay them (床日费用 for 机构照护…): show
  // those of the modes chosen, or all of them before a mode is chosen.
  function showCosts(form) {
    var chosen = [value(form, "care_mode"), value(form, "change_mode")].filter(Boolean);
    form.querySelectorAll("[data-calc-modes]").forEach(function (box) {
      var modes = box.getAttribute("data-calc-modes").split(" ");
      box.hidden =
        chosen.length > 0 &&
        !chosen.some(function (mode) {
          return modes.indexOf(mode) >= 0;
        });
    });
    // The card of monthly totals goes when none of its totals concerns the chosen modes.
    form.querySelectorAll("[data-calc-totals]").forEach(function (card) {
      card.hidden = !card.querySelector("[data-calc-modes]:not([hidden])");
    });
  }

  function onChange(event) {
    var form = event.target.closest && event.target.closest("[data-calc-form]");
    if (form) {
      mark(form);
      showCosts(form);
    }
  }

  document.addEventListener("change", onChange);
  document.addEventListener("input", onChange);
})();
