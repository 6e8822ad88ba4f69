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

  // "返回上一页" on error pages: go back in history when we came from one of our pages.
  document.addEventListener("click", function (event) {
    var back = event.target.closest("[data-ch-back]");
    if (!back || event.defaultPrevented) {
      return;
    }
    var ours = document.referrer && document.referrer.indexOf(window.location.origin + "/") === 0;
    if (ours && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // ---- Confirmation before what cannot be undone -------------------------------------------
  // data-confirm="确认拒付 3 条、合计 ¥1,280.00？" on a form, a button, a link, an
  // input[type=submit] or an htmx element (or hx-confirm on an htmx element) asks first and
  // sends nothing unless the user confirms. The question is the browser's own confirm(): it is
  // modal, read out by screen readers, and the same for forms, links and htmx requests (page
  // tests answer it with Playwright's "dialog" event).

  function ask(message) {
    return window.confirm(message);
  }

  window.Changhu = window.Changhu || {};
  window.Changhu.confirm = ask;

  var HTMX_VERBS = ["hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"];

  function isHtmxElement(element) {
    return HTMX_VERBS.some(function (verb) {
      return element.hasAttribute(verb) || element.hasAttribute("data-" + verb);
    });
  }

  function stop(event) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }

  // Buttons, links, input[type=submit] and any other clicked element; htmx elements are asked
  // in htmx:confirm below, forms on submit. Capturing: nothing else sees a refused click.
  document.addEventListener(
    "click",
    function (event) {
      var trigger = event.target.closest("[data-confirm]");
      if (!trigger || trigger.tagName === "FORM" || isHtmxElement(trigger) || trigger.disabled) {
        return;
      }
      if (!ask(trigger.getAttribute("data-confirm"))) {
        stop(event);
        return;
      }
      // The form this button submits must not ask a second time.
      var form = trigger.form;
      if (form) {
        form.chConfirmedBy = trigger;
      }
    },
    true
  );

  // <form data-confirm>, unless the button that submitted it already asked, or says the
  // question is not its own (data-skip-confirm: "保存草稿" beside "提交").
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (isHtmxElement(form)) {
        return; // asked in htmx:confirm
      }
      var submitter = event.submitter;
      var asked =
        Boolean(submitter) &&
        (form.chConfirmedBy === submitter || submitter.hasAttribute("data-skip-confirm"));
      form.chConfirmedBy = null;
      var message = form.getAttribute("data-confirm");
      if (message && !asked && !ask(message)) {
        stop(event);
      }
    },
    true
  );

  // htmx requests: hx-confirm or data-confirm on the element (or on the form it submits);
  // the request goes out only once the user confirms.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var triggering = event.detail.triggeringEvent;
    var submitter = triggering && triggering.submitter;
    var asked = Boolean(submitter) && elt.chConfirmedBy === submitter;
    elt.chConfirmedBy = null;
    var message = event.detail.question || elt.getAttribute("data-confirm");
    if (!message || asked) {
      return;
    }
    event.preventDefault();
    if (ask(message)) {
      event.detail.issueRequest(true);
    }
  });
  // ---- Form error banner (web/_form_errors.html) -------------------------------------------
  // Each row links to its field: the click scrolls the field into view and focuses it, so a
  // keyboard or screen-reader user lands where the fix is typed. On load the banner itself is
  // focused, so the first thing read after a failed submit is what went wrong.

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-ch-error-link]");
    if (!link) {
      return;
    }
    var target = document.getElementById(link.getAttribute("href").slice(1));
    if (!target) {
      return;
    }
    event.preventDefault();
    var focusable = target.matches("input, select, textarea, button")
      ? target
      : target.querySelector("input, select, textarea, button") || target;
    target.scrollIntoView({ block: "center" });
    focusable.focus({ preventScroll: true });
  });

  function focusErrorBanner() {
    var banner = document.querySelector("[data-ch-form-errors]");
    if (banner && !document.querySelector("[autofocus]")) {
      banner.focus(); // scrolls only as far as needed: the page title stays in view
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrorBanner);
  } else {
    focusErrorBanner();
  }
})();
