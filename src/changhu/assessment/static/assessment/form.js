/* The on-site assessment form: record the position and the times, upload photos without
 * leaving the page, and keep an autosaved draft in this browser so nothing typed is lost to a
 * reload, a dropped connection or a closed tab. No inline script (CSP). */
(function () {
  "use strict";

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function localNow() {
    var d = new Date();
    return (
      d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
      "T" + pad(d.getHours()) + ":" + pad(d.getMinutes())
    );
  }

  function clockTime(ms) {
    var d = new Date(ms);
    return pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" +
      pad(d.getMinutes());
  }

  function setValue(id, value) {
    var input = document.getElementById(id);
    if (input) {
      input.value = value;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  document.addEventListener("click", function (event) {
    var now = event.target.closest("[data-ch-now]");
    if (now) {
      setValue(now.getAttribute("data-ch-now"), localNow());
      return;
    }
    var locate = event.target.closest("[data-ch-locate]");
    if (!locate) {
      return;
    }
    var status = document.querySelector("[data-ch-locate-status]");
    if (!navigator.geolocation) {
      status.textContent = "此设备不支持定位，请手工填写经纬度";
      return;
    }
    status.textContent = "正在获取定位…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        setValue("id_latitude", position.coords.latitude.toFixed(6));
        setValue("id_longitude", position.coords.longitude.toFixed(6));
        setValue("id_location_accuracy", Math.round(position.coords.accuracy));
        status.textContent = "已获取定位（精度约" + Math.round(position.coords.accuracy) + "米）";
      },
      function () {
        status.textContent = "未能获取定位，请允许定位权限或手工填写经纬度";
      },
      { enableHighAccuracy: true, timeout: 15000 }
    );
  });

  // --- photos: uploaded in place, the card is replaced by the server's fragment -------------

  function uploadStatus(form, text, isError) {
    var box = form.querySelector("[data-ch-upload-status]");
    if (box) {
      box.textContent = text;
      box.className = "small mt-2 " + (isError ? "text-danger" : "text-secondary");
    }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-ch-upload]");
    if (!form || event.defaultPrevented) {
      return;
    }
    event.preventDefault();
    var file = form.querySelector('input[type="file"]');
    if (file && !file.files.length) {
      uploadStatus(form, "请先选择照片文件", true);
      file.focus();
      return;
    }
    var button = form.querySelector("[data-ch-upload-button]");
    if (button) {
      button.disabled = true;
    }
    uploadStatus(form, "正在上传…", false);
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "HX-Request": "true" }
    })
      .then(function (response) {
        return response.text().then(function (text) {
          return { status: response.status, text: text };
        });
      })
      .then(function (result) {
        var parsed = new DOMParser().parseFromString(result.text, "text/html");
        var card = parsed.getElementById("onsite-photos");
        var current = document.getElementById("onsite-photos");
        if (card && current) {
          current.replaceWith(card);
          var shown = card.querySelector("[data-ch-upload-status]");
          if (shown) {
            shown.scrollIntoView({ block: "nearest" });
          }
          return;
        }
        var error = parsed.querySelector("[data-ch-error]");
        if (button) {
          button.disabled = false;
        }
        uploadStatus(
          form,
          error ? error.textContent.trim() : "照片未能上传（" + result.status + "），请重试",
          true
        );
      })
      .catch(function () {
        if (button) {
          button.disabled = false;
        }
        uploadStatus(form, "网络连接失败，照片未上传，请检查网络后重试；评估表内容已保存在本机", true);
      });
  });

  // --- the draft in this browser ------------------------------------------------------------

  var form = document.querySelector("form[data-ch-draft-key]");
  if (!form || !window.localStorage) {
    return;
  }
  var key = form.getAttribute("data-ch-draft-key");
  var prefix = form.getAttribute("data-ch-draft-prefix");
  var pendingKey = "ch-assessment-submitting";
  var notice = form.querySelector("[data-ch-draft-notice]");
  var status = form.querySelector("[data-ch-draft-status]");

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return (
        el.name && el.name !== "csrfmiddlewaretoken" && el.name !== "action" &&
        el.type !== "file" && el.type !== "submit" && el.type !== "button"
      );
    });
  }

  function snapshot() {
    var values = {};
    fields().forEach(function (el) {
      if (el.type === "radio") {
        if (!(el.name in values)) {
          values[el.name] = "";
        }
        if (el.checked) {
          values[el.name] = el.value;
        }
      } else if (el.type === "checkbox") {
        values[el.name] = values[el.name] || [];
        if (el.checked) {
          values[el.name].push(el.value);
        }
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function apply(values) {
    fields().forEach(function (el) {
      if (!(el.name in values)) {
        return;
      }
      var value = values[el.name];
      if (el.type === "radio") {
        el.checked = value === el.value;
      } else if (el.type === "checkbox") {
        el.checked = Array.isArray(value) && value.indexOf(el.value) !== -1;
      } else {
        el.value = value;
      }
    });
  }

  function read(name, store) {
    try {
      return JSON.parse((store || localStorage).getItem(name) || "null");
    } catch (e) {
      return null;
    }
  }

  function write(values) {
    var draft = { savedAt: Date.now(), values: values };
    try {
      localStorage.setItem(key, JSON.stringify(draft));
    } catch (e) {
      return; // storage full or disabled: the form still works, only the draft is lost
    }
    if (status) {
      status.textContent = "已自动保存在本机 " + clockTime(draft.savedAt);
    }
  }

  function afterReady(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", function () {
        window.setTimeout(fn, 0);
      });
    } else {
      window.setTimeout(fn, 0);
    }
  }

  function same(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  // Drafts of this case from an earlier submission round are of no use any more.
  for (var i = localStorage.length - 1; i >= 0; i--) {
    var name = localStorage.key(i);
    if (name && name.indexOf(prefix) === 0 && name !== key) {
      localStorage.removeItem(name);
    }
  }

  // A submission that did not come back as done (an error page, a lost connection): its
  // answers become the draft again.
  var pending = window.sessionStorage ? read(pendingKey, sessionStorage) : null;
  if (pending && pending.key === key) {
    var kept = read(key);
    if (!kept || kept.savedAt < pending.draft.savedAt) {
      localStorage.setItem(key, JSON.stringify(pending.draft));
    }
    sessionStorage.removeItem(pendingKey);
  } else if (pending && pending.key.indexOf(prefix) === 0) {
    sessionStorage.removeItem(pendingKey); // that round was submitted; this is a new one
  }

  var server = snapshot();
  var draft = read(key);
  if (draft && draft.values && !form.hasAttribute("data-ch-has-errors")) {
    if (same(draft.values, server)) {
      localStorage.removeItem(key); // the server already holds exactly this
    } else {
      apply(draft.values);
      if (notice) {
        notice.querySelector("[data-ch-draft-time]").textContent = " " + clockTime(draft.savedAt) + " ";
        notice.hidden = false;
      }
      // The live score follows the restored answers, once htmx listens (it starts when the
      // document is ready, after this script).
      afterReady(function () {
        form.dispatchEvent(new Event("change", { bubbles: true }));
      });
    }
  }

  var timer = null;
  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () {
      write(snapshot());
    }, 300);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);

  form.addEventListener("click", function (event) {
    if (event.target.closest("[data-ch-draft-ok]")) {
      notice.hidden = true;
      return;
    }
    if (!event.target.closest("[data-ch-draft-discard]")) {
      return;
    }
    localStorage.removeItem(key);
    apply(server);
    notice.hidden = true;
    if (status) {
      status.textContent = "已放弃本机草稿";
    }
    form.dispatchEvent(new Event("change", { bubbles: true }));
  });

  // After the question was answered "yes", the draft leaves this browser's storage; it is kept
  // for this tab until the page shows the submission went through.
  document.addEventListener("submit", function (event) {
    if (event.target !== form || event.defaultPrevented) {
      return;
    }
    window.clearTimeout(timer);
    var current = { savedAt: Date.now(), values: snapshot() };
    var submitting = event.submitter && event.submitter.value === "submit";
    if (submitting && window.sessionStorage) {
      sessionStorage.setItem(pendingKey, JSON.stringify({ key: key, draft: current }));
      localStorage.removeItem(key);
    } else {
      localStorage.setItem(key, JSON.stringify(current));
    }
  });
})();
