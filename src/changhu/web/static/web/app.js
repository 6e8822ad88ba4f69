/* Changhu back office behaviour. Loaded as a file: the CSP allows no inline script. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request that changes something carries Django's CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") {
      event.detail.headers["X-CSRFToken"] = csrfToken();
    }
  });

  var STATUS_MESSAGES = {
    403: "没有执行此操作的权限",
    404: "记录不存在或无权查看",
    429: "操作过于频繁，请稍后再试",
    500: "系统出现错误，请稍后再试或联系管理员",
  };

  function showError(text) {
    var box = document.getElementById("ch-htmx-error");
    if (!box) {
      window.alert(text);
      return;
    }
    box.querySelector("[data-ch-error-text]").textContent = text;
    box.classList.remove("d-none");
  }

  // htmx does not swap error responses; say what went wrong instead of doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text = STATUS_MESSAGES[xhr.status] || "操作未完成，请重试";
    var parsed = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var fragment = parsed.querySelector("[data-ch-error]");
    if (fragment) {
      text = fragment.textContent.trim();
    }
    showError(text);
  });

  document.addEventListener("htmx:sendError", function () {
    showError("网络连接失败，请检查网络后重试");
  });

  document.addEventListener("click", function (event) {
    var closer = event.target.closest("[data-ch-dismiss]");
    if (closer) {
      closer.closest(".ch-htmx-error").classList.add("d-none");
    }
  });

  // <form data-confirm="..."> asks before submitting.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();
