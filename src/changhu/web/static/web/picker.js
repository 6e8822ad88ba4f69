// Search pickers (web/_picker.html, web/pickers.py): the text box asks the server for matches
// through htmx; choosing one of them fills the hidden key and shows what was chosen. Typing
// again clears the key, so what is submitted is either a chosen row or the text as typed
// (which the server resolves the same way, for a full 参保编号 or ID number).
(function () {
  "use strict";

  function parts(element) {
    var picker = element.closest("[data-picker]");
    if (!picker) {
      return null;
    }
    return {
      picker: picker,
      key: picker.querySelector("[data-picker-key]"),
      box: picker.querySelector("input[role=combobox]"),
      list: picker.querySelector("[role=listbox]"),
      chosen: picker.querySelector("[data-picker-chosen]"),
    };
  }

  function close(p) {
    p.list.innerHTML = "";
    p.box.setAttribute("aria-expanded", "false");
  }

  document.addEventListener("click", function (event) {
    var option = event.target.closest("[data-pick-key]");
    var p = option && parts(option);
    if (!p) {
      return;
    }
    p.key.value = option.getAttribute("data-pick-key");
    p.box.value = option.getAttribute("data-pick-label");
    var detail = option.getAttribute("data-pick-detail");
    p.chosen.textContent = "已选：" + p.box.value + (detail ? " · " + detail : "");
    p.box.classList.remove("is-invalid");
    close(p);
    p.box.focus();
    p.key.dispatchEvent(new Event("change", { bubbles: true }));
  });

  document.addEventListener("input", function (event) {
    var p = event.target.matches("[data-picker] input[role=combobox]") && parts(event.target);
    if (p && p.key.value) {
      p.key.value = "";
      p.chosen.textContent = p.chosen.getAttribute("data-picker-hint");
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var p = event.target.matches("[data-picker] [role=listbox]") && parts(event.target);
    if (p) {
      p.box.setAttribute("aria-expanded", p.list.querySelector("[data-pick-key]") ? "true" : "false");
    }
  });

  // Down arrow from the box goes to the first match; Escape closes the list.
  document.addEventListener("keydown", function (event) {
    var p = parts(event.target);
    if (!p) {
      return;
    }
    if (event.key === "Escape") {
      close(p);
    } else if (event.key === "ArrowDown" && event.target === p.box) {
      var first = p.list.querySelector("[data-pick-key]");
      if (first) {
        event.preventDefault();
        first.focus();
      }
    } else if ((event.key === "ArrowDown" || event.key === "ArrowUp") && event.target.hasAttribute("data-pick-key")) {
      event.preventDefault();
      var next = event.key === "ArrowDown" ? event.target.nextElementSibling : event.target.previousElementSibling;
      (next || p.box).focus();
    }
  });
})();
