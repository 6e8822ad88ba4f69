/* The show-password toggle: shows or hides every password field of its form, so a user typing
 * on a phone (or an older user) can check what was typed. */
(function () {
  "use strict";
  document.querySelectorAll("[data-show-password]").forEach(function (button) {
    var fields = button.form ? button.form.querySelectorAll('input[type="password"]') : [];
    button.addEventListener("click", function () {
      var show = button.getAttribute("aria-pressed") !== "true";
      Array.prototype.forEach.call(fields, function (field) {
        field.type = show ? "text" : "password";
      });
      button.setAttribute("aria-pressed", show ? "true" : "false");
      button.textContent = show ? "隐藏输入内容" : "显示输入内容";
    });
  });
})();
