/* Changhu caregiver app: today's beneficiaries, check-in and check-out with the phone's
 * position and camera, and a queue that keeps events (and their photos) while the network is
 * down and sends them in order through the offline batch endpoint when it returns.
 * Every event carries a UUID made here, so sending it twice never records it twice. */
(function () {
  "use strict";

  var API = "/api/v1/visits/";
  var KEYS = { queue: "ch.queue", active: "ch.active", today: "ch.today", failed: "ch.failed", large: "ch.largeText" };
  var PHOTO = "ch.photo.";
  var MAX_SIDE = 1024;

  var state = {
    today: load(KEYS.today, null),
    active: load(KEYS.active, {}),
    queue: load(KEYS.queue, []),
    panel: null, // {kind: "check_in"|"check_out", person}
    where: null, // where the last message belongs: "panel", a person id, or null (the top)
    position: null,
    syncing: false,
  };

  function $(id) { return document.getElementById(id); }
  function load(key, fallback) {
    try {
      var value = JSON.parse(localStorage.getItem(key));
      return value === null || value === undefined ? fallback : value;
    } catch (e) {
      return fallback;
    }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }
  function persist() {
    save(KEYS.queue, state.queue);
    save(KEYS.active, state.active);
    $("queue-count").textContent = String(state.queue.length);
  }
  function csrf() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  // Every answer is shown where the caregiver is looking: under the button of the open panel,
  // under the card's own button once the panel has closed, or under 同步; scrolled into view
  // and announced (errors and warnings as alerts, the rest as a polite status).
  function say(text, kind, where) {
    var box = $("message");
    kind = kind || "info";
    state.where = where === undefined ? (state.panel ? "panel" : null) : where;
    var urgent = kind === "danger" || kind === "warning";
    box.setAttribute("role", urgent ? "alert" : "status");
    box.setAttribute("aria-live", urgent ? "assertive" : "polite");
    box.className = "alert py-2 mt-2 mb-2 alert-" + kind;
    box.textContent = text;
    placeMessage();
    box.scrollIntoView({ block: "center", behavior: "instant" });
  }
  function placeMessage() {
    var box = $("message");
    var where = state.where;
    if (where === "panel" && state.panel) {
      $("panel-actions").insertAdjacentElement("afterend", box);
      return;
    }
    var card = where === null ? null : document.querySelector('[data-testid="person-' + where + '"]');
    var button = card ? card.querySelector(".person-action") : null;
    if (button) {
      button.insertAdjacentElement("afterend", box);
    } else {
      $("top-row").insertAdjacentElement("afterend", box);
    }
  }
  function placePanel() {
    var panel = $("panel");
    var card = state.panel ? document.querySelector('[data-testid="person-' + state.panel.person.person_id + '"]') : null;
    if (card) {
      card.querySelector(".card-body").appendChild(panel);
    } else {
      $("parking").appendChild(panel);
    }
  }
  function placeText(visit, kind) {
    // A success that carries a warning says so, with the distance and what to do.
    var place = kind === "check_in" ? visit.check_in_place : visit.check_out_place;
    var distance = kind === "check_in" ? visit.check_in_distance_m : visit.check_out_distance_m;
    if (place === "violation" || place === "warning") {
      if (distance === null || distance === undefined) {
        return { text: "，但无法核对位置：服务对象住址没有登记坐标，请联系机构管理员补充。", warn: true };
      }
      return {
        text: "，但位置不符：距住址 " + distance + " 米。请确认是否在服务对象家中；如地址有误请联系机构管理员。",
        warn: true,
      };
    }
    return { text: distance === null || distance === undefined ? "" : "，位置正常（距住址 " + distance + " 米）", warn: false };
  }
  function time(iso) {
    return iso ? new Date(iso).toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit" }) : "—";
  }

  // --- network ------------------------------------------------------------------------------

  function NetworkDown() { this.name = "NetworkDown"; }

  async function call(method, path, body) {
    var response;
    try {
      response = await fetch(API + path, {
        method: method,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new NetworkDown();
    }
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    return { status: response.status, ok: response.ok, data: data };
  }

  function showNetwork() {
    var online = navigator.onLine;
    $("net").textContent = online ? "在线" : "离线（记录将暂存，联网后自动上传）";
    document.querySelector(".pwa-top").classList.toggle("pwa-offline", !online);
  }

  // --- photos -------------------------------------------------------------------------------

  function readAsDataUrl(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = reject;
      reader.readAsDataURL(blob);
    });
  }

  function dataUrlToBlob(url) {
    var parts = url.split(",");
    var type = parts[0].split(":")[1].split(";")[0];
    var bytes = atob(parts[1]);
    var array = new Uint8Array(bytes.length);
    for (var i = 0; i < bytes.length; i += 1) { array[i] = bytes.charCodeAt(i); }
    return new Blob([array], { type: type });
  }

  async function shrink(file) {
    // A phone photo is several MB; a 1024-pixel JPEG is evidence enough and fits the queue.
    try {
      var bitmap = await createImageBitmap(file);
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.type === "image/jpeg") { return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return await new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.8); });
    } catch (e) {
      return file;
    }
  }

  async function keepPhoto(file) {
    var blob = await shrink(file);
    var digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    var sha = Array.prototype.map.call(new Uint8Array(digest), function (x) {
      return (x + 0x100).toString(16).slice(1);
    }).join("");
    localStorage.setItem(PHOTO + sha, await readAsDataUrl(blob));
    return sha;
  }

  async function uploadPhoto(sha) {
    var url = sha ? localStorage.getItem(PHOTO + sha) : null;
    if (!url) { return; }
    var form = new FormData();
    form.append("file", dataUrlToBlob(url), sha + ".jpg");
    var response;
    try {
      response = await fetch(API + "photos", {
        method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf() }, body: form,
      });
    } catch (e) {
      throw new NetworkDown();
    }
    if (response.status === 200 || response.status === 201) {
      localStorage.removeItem(PHOTO + sha);
      return;
    }
    var data = await response.json().catch(function () { return {}; });
    localStorage.removeItem(PHOTO + sha);
    throw new Error(data.message || "照片上传失败");
  }

  // --- today's list -------------------------------------------------------------------------

  async function refresh() {
    try {
      var result = await call("GET", "today");
      if (result.ok) {
        state.today = result.data;
        save(KEYS.today, result.data);
        // A visit in progress on the server that the phone forgot (another device, a reload).
        result.data.persons.forEach(function (p) {
          p.visits.forEach(function (v) {
            if (v.status === "in_progress" && !state.active[p.person_id]) {
              state.active[p.person_id] = { visit_uuid: v.client_uuid, started: v.check_in_at };
            }
            if (v.status !== "in_progress" && state.active[p.person_id] &&
                state.active[p.person_id].visit_uuid === v.client_uuid) {
              delete state.active[p.person_id];
            }
          });
        });
        persist();
      } else if (result.status === 401 || result.status === 403) {
        say((result.data && result.data.message) || "请先以护理员账号登录", "warning", null);
      }
    } catch (e) {
      if (!(e instanceof NetworkDown)) { throw e; }
    }
    render();
  }

  function render() {
    var box = $("persons");
    $("parking").appendChild($("message"));
    $("parking").appendChild($("panel"));
    box.textContent = "";
    if (!state.today) {
      box.innerHTML = '<p class="text-secondary">没有可用的数据，请联网后刷新。</p>';
      placeMessage();
      return;
    }
    $("today-label").textContent = state.today.date + " · " + state.today.institution_name;
    if (!state.today.persons.length) {
      box.innerHTML = '<p class="text-secondary">今天没有派定的服务对象。</p>';
    }
    state.today.persons.forEach(function (p) {
      var card = document.createElement("div");
      card.className = "card person-card mb-2";
      card.setAttribute("data-testid", "person-" + p.person_id);
      var active = state.active[p.person_id];
      var visits = p.visits.map(function (v) {
        // A visit still open from an earlier day shows its date.
        var day = v.service_date === state.today.date ? "" : Number(v.service_date.slice(5, 7)) + "月" + Number(v.service_date.slice(8, 10)) + "日 ";
        return "<li>" + day + time(v.check_in_at) + "–" + time(v.check_out_at) + " " +
          (v.status === "completed" ? "已完成 " + v.duration_minutes + "分钟" : v.status === "cancelled" ? "已取消" : "服务中") +
          "</li>";
      }).join("");
      var mine = {};
      if (active) { mine[active.visit_uuid] = true; }
      state.queue.forEach(function (e) { if (e.person_id === p.person_id) { mine[e.client_uuid] = true; } });
      var pending = state.queue.filter(function (e) { return mine[e.client_uuid] || mine[e.visit_uuid]; });
      card.innerHTML =
        '<div class="card-body py-2">' +
        '<div class="d-flex align-items-center"><div><div class="fw-semibold"></div><div class="small text-secondary addr"></div></div>' +
        '<span class="badge ms-auto ' + (p.eligible ? "text-bg-success" : "text-bg-secondary") + '"></span></div>' +
        '<div class="home mb-1"></div>' +
        '<ul class="small mb-1 ps-3">' + visits + (pending.length ? '<li class="text-warning-emphasis">待上传 ' + pending.length + " 条</li>" : "") + "</ul>" +
        '<button type="button" class="btn w-100 person-action ' + (active ? "btn-warning" : "btn-primary") + '" data-person="' + p.person_id + '"></button>' +
        "</div>";
      card.querySelector(".fw-semibold").textContent = p.name;
      card.querySelector(".addr").textContent = p.home ? "" : (p.address_masked || "");
      if (p.home) { showHome(card.querySelector(".home"), p.home); }
      card.querySelector(".badge").textContent = p.eligibility;
      var button = card.querySelector("button");
      button.textContent = active ? "签退（" + time(active.started) + "开始）" : "签到";
      button.disabled = !p.eligible && !active;
      button.addEventListener("click", function () { open(active ? "check_out" : "check_in", p); });
      box.appendChild(card);
    });
    placePanel();
    placeMessage();
  }

  function showHome(box, home) {
    // The whole address, a number to call and a map: only for the caregiver's own homes.
    var address = document.createElement("div");
    address.className = "home-address";
    address.setAttribute("data-testid", "address");
    address.textContent = home.address;
    box.appendChild(address);
    var links = document.createElement("div");
    links.className = "d-flex flex-wrap gap-2 mt-1";
    home.contacts.forEach(function (c) {
      var call = document.createElement("a");
      call.className = "btn btn-outline-primary";
      call.href = "tel:" + c.phone.replace(/[^0-9+]/g, "");
      call.textContent = "拨打" + c.label + " " + c.phone;
      call.setAttribute("data-testid", "call");
      links.appendChild(call);
    });
    if (home.map_url) {
      var map = document.createElement("a");
      map.className = "btn btn-outline-secondary";
      map.href = home.map_url;
      map.target = "_blank";
      map.rel = "noopener";
      map.textContent = "在地图中打开";
      map.setAttribute("data-testid", "map");
      links.appendChild(map);
    }
    box.appendChild(links);
  }

  // --- the check-in / check-out panel -------------------------------------------------------

  function locate() {
    state.position = null;
    $("gps").textContent = "正在定位…";
    if (!navigator.geolocation) {
      $("gps").textContent = "此设备不支持定位";
      return;
    }
    navigator.geolocation.getCurrentPosition(function (pos) {
      state.position = { latitude: pos.coords.latitude, longitude: pos.coords.longitude, accuracy_m: pos.coords.accuracy };
      $("gps").textContent = "已定位：精度约 " + Math.round(pos.coords.accuracy) + " 米";
    }, function (error) {
      $("gps").textContent = "定位失败（" + error.message + "），请打开定位后重试";
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
  }

  function open(kind, person) {
    state.panel = { kind: kind, person: person };
    $("message").classList.add("d-none");
    $("panel").classList.remove("d-none");
    placePanel();
    showReasons(false);
    $("short-note").value = "";
    $("panel-title").textContent = (kind === "check_in" ? "签到 · " : "签退 · ") + person.name;
    $("submit").textContent = kind === "check_in" ? "确认签到" : "确认签退";
    $("photo").value = "";
    $("signature").value = "";
    $("code").value = "";
    $("checkout-fields").classList.toggle("d-none", kind !== "check_out");
    showVoid(kind === "check_out");
    var items = $("items");
    items.textContent = "";
    person.plan_items.forEach(function (item) {
      var row = document.createElement("label");
      row.className = "item-row";
      row.innerHTML = '<input type="checkbox" class="form-check-input"> <span class="flex-fill"></span>' +
        '<input type="number" class="form-control form-control-sm" min="1" max="20" value="1" aria-label="次数">';
      row.querySelector("span").textContent = item.name + "（" + item.reference_minutes + "分钟，" + item.frequency + "）";
      row.querySelector('input[type="checkbox"]').value = String(item.item_id);
      row.setAttribute("data-testid", "item-" + item.code);
      items.appendChild(row);
    });
    locate();
    $("panel").scrollIntoView({ block: "start" });
  }

  function close() {
    state.panel = null;
    $("panel").classList.add("d-none");
    $("parking").appendChild($("panel"));
  }

  function reasons() {
    return (state.today && state.today.short_visit && state.today.short_visit.reasons) || [];
  }

  function showReasons(show, list) {
    var box = $("short-reasons");
    $("short-reason").classList.toggle("d-none", !show);
    if (!show) { box.textContent = ""; return; }
    if (box.childElementCount) { return; }
    (list || reasons()).forEach(function (r) {
      var row = document.createElement("label");
      row.className = "item-row reason-row";
      row.innerHTML = '<input type="radio" class="form-check-input" name="short-reason"> <span></span>';
      row.querySelector("input").value = r.code;
      row.querySelector("span").textContent = r.label;
      row.querySelector("input").addEventListener("change", function () {
        var other = r.code === "other";
        $("short-note").classList.toggle("d-none", !other);
        $("short-note-label").classList.toggle("d-none", !other);
      });
      box.appendChild(row);
    });
  }

  function chosenReason() {
    var picked = document.querySelector('input[name="short-reason"]:checked');
    return picked ? picked.value : "";
  }

  function offlineShortCheck(event, person) {
    // Offline the device's clock is the record: judge the visit as the server will.
    var rule = state.today && state.today.short_visit;
    var active = state.active[person.person_id];
    if (!rule || !active) { return true; }
    var seconds = (new Date(event.device_time) - new Date(active.started)) / 1000;
    if (seconds < rule.min_minutes * 60) {
      say("签到后不到" + rule.min_minutes + "分钟，不能签退。请完成服务后再签退；如无法提供服务，请在下方“取消本次记录”", "danger", "panel");
      return false;
    }
    var minutes = Math.floor((seconds + 30) / 60);
    var reference = 0;
    event.items.forEach(function (line) {
      person.plan_items.forEach(function (item) {
        if (item.item_id === line.item_id) { reference += item.reference_minutes * line.quantity; }
      });
    });
    if (minutes < rule.min_ratio * reference && !event.short_reason) {
      showReasons(true);
      say("服务时长" + minutes + "分钟，不足所选项目参考时长" + reference + "分钟的" + Math.round(rule.min_ratio * 100) + "%，请选择提前结束的原因后再签退", "warning", "panel");
      return false;
    }
    return true;
  }

  async function submit() {
    var panel = state.panel;
    if (!panel) { return; }
    if (!state.position) { say("还没有定位成功，请稍候或打开定位", "warning"); return; }
    var file = $("photo").files[0];
    if (!file) { say("请拍摄现场照片", "warning"); return; }
    $("submit").disabled = true;
    try {
      var event = {
        type: panel.kind,
        client_uuid: uuid(),
        device_time: new Date().toISOString(),
        latitude: state.position.latitude,
        longitude: state.position.longitude,
        accuracy_m: state.position.accuracy_m,
        photo_sha256: await keepPhoto(file),
      };
      if (panel.kind === "check_in") {
        event.person_id = panel.person.person_id;
      } else {
        var active = state.active[panel.person.person_id];
        event.visit_uuid = active.visit_uuid;
        event.items = Array.prototype.filter.call($("items").querySelectorAll(".item-row"), function (row) {
          return row.querySelector('input[type="checkbox"]').checked;
        }).map(function (row) {
          return { item_id: Number(row.querySelector('input[type="checkbox"]').value), quantity: Number(row.querySelector('input[type="number"]').value) || 1 };
        });
        if (!event.items.length) { say("请勾选完成的服务项目", "warning"); return; }
        event.short_reason = chosenReason();
        event.short_reason_note = $("short-note").value.trim();
        if (event.short_reason === "other" && !event.short_reason_note) {
          say("选择“其他”时请说明原因", "warning");
          $("short-note").focus();
          return;
        }
        var signature = $("signature").files[0];
        var code = $("code").value.trim();
        if (code) {
          event.confirmation_method = "code";
          event.confirmation_code = code;
        } else if (signature) {
          event.confirmation_method = "signature";
          event.signature_sha256 = await keepPhoto(signature);
        } else {
          say("请输入家属动态码或拍摄家属签字", "warning");
          return;
        }
        if ((!navigator.onLine || state.queue.length) && !offlineShortCheck(event, panel.person)) { return; }
      }
      await record(event, panel.person);
    } finally {
      $("submit").disabled = false;
    }
  }

  function remember(event, person, visit) {
    if (event.type === "check_in") {
      state.active[person.person_id] = { visit_uuid: event.client_uuid, started: (visit && visit.check_in_at) || event.device_time };
    } else {
      delete state.active[person.person_id];
    }
    persist();
  }

  async function record(event, person) {
    // Online and nothing waiting before it: send now, so the server's clock is the record.
    if (navigator.onLine && !state.queue.length) {
      try {
        await uploadPhoto(event.photo_sha256);
        await uploadPhoto(event.signature_sha256);
        var body = Object.assign({}, event);
        delete body.type;
        var result = await call("POST", event.type === "check_in" ? "check-in" : "check-out", body);
        if (result.ok) {
          remember(event, person, result.data);
          close();
          render();
          var where = placeText(result.data, event.type);
          var head = event.type === "check_in" ? "签到成功" : "签退成功，服务时长" + result.data.duration_minutes + "分钟";
          say(head + where.text, where.warn ? "warning" : "success", person.person_id);
          await refresh();
          return;
        }
        var code = result.data && result.data.code;
        if (code === "short_reason_required") {
          showReasons(true, result.data.details && result.data.details.reasons);
        }
        say((result.data && result.data.message) || "提交失败", "danger", "panel");
        if (code === "visit_overlaps") {
          // Another visit is still open (maybe begun on another phone): show it, with its
          // check-out button, instead of this panel.
          close();
          say(result.data.message, "danger", person.person_id);
          await refresh();
        }
        return;
      } catch (e) {
        if (!(e instanceof NetworkDown)) { say(e.message, "danger"); return; }
      }
    }
    state.queue.push(event);
    remember(event, person, null);
    close();
    render();
    say((event.type === "check_in" ? "签到" : "签退") + "已暂存在手机上：网络不可用，联网后自动上传", "warning", person.person_id);
  }

  // --- cancelling a visit in progress ------------------------------------------------------
  // A visit begun by mistake (wrong person, checked in twice) or that cannot go on (nobody at
  // home) is cancelled from its check-out panel, after the caregiver confirms: never paid. A
  // check-in still waiting on the phone is simply dropped; one on the server is cancelled there.

  var VOID_REASONS = [
    { code: "absent", label: "服务对象不在家" },
    { code: "refused", label: "服务对象拒绝服务" },
    { code: "mistake", label: "签到有误（签错服务对象或误操作）" },
    { code: "other", label: "其他（请说明）" },
  ];

  function showVoid(show) {
    var box = $("void");
    box.classList.toggle("d-none", !show);
    box.open = false;
    $("void-note").value = "";
    $("void-note").classList.add("d-none");
    $("void-note-label").classList.add("d-none");
    var list = $("void-reasons");
    list.textContent = "";
    VOID_REASONS.forEach(function (r) {
      var row = document.createElement("label");
      row.className = "item-row reason-row";
      row.innerHTML = '<input type="radio" class="form-check-input" name="void-reason"> <span></span>';
      row.querySelector("input").value = r.code;
      row.querySelector("span").textContent = r.label;
      row.querySelector("input").addEventListener("change", function () {
        var other = r.code === "other";
        $("void-note").classList.toggle("d-none", !other);
        $("void-note-label").classList.toggle("d-none", !other);
      });
      list.appendChild(row);
    });
  }

  async function voidVisit() {
    var panel = state.panel;
    if (!panel) { return; }
    var person = panel.person;
    var active = state.active[person.person_id];
    if (!active) { close(); return; }
    var picked = document.querySelector('input[name="void-reason"]:checked');
    if (!picked) { say("请选择取消原因", "warning", "panel"); return; }
    var reason = VOID_REASONS.filter(function (r) { return r.code === picked.value; })[0].label;
    if (picked.value === "other") {
      var note = $("void-note").value.trim();
      if (!note) { say("选择“其他”时请说明原因", "warning", "panel"); $("void-note").focus(); return; }
      reason = note;
    }
    if (!window.confirm("确定取消为" + person.name + "的本次服务（" + time(active.started) + "签到）？取消后不予结算，且不能恢复。")) {
      return;
    }
    var waiting = state.queue.filter(function (e) { return e.client_uuid === active.visit_uuid; });
    if (waiting.length) {
      state.queue = state.queue.filter(function (e) {
        return e.client_uuid !== active.visit_uuid && e.visit_uuid !== active.visit_uuid;
      });
      delete state.active[person.person_id];
      persist();
      close();
      render();
      say("已取消本次服务（签到尚未上传，已从手机上删除）", "success", person.person_id);
      return;
    }
    var visit = null;
    (state.today ? state.today.persons : []).forEach(function (p) {
      p.visits.forEach(function (v) { if (v.client_uuid === active.visit_uuid) { visit = v; } });
    });
    if (!visit) { say("该服务记录尚未同步，请联网后点“同步”再取消", "warning", "panel"); return; }
    $("void-submit").disabled = true;
    try {
      var result = await call("POST", visit.id + "/cancel", { reason: reason });
      if (!result.ok) { say((result.data && result.data.message) || "取消失败", "danger", "panel"); return; }
      delete state.active[person.person_id];
      persist();
      close();
      say("已取消本次服务，不予结算", "success", person.person_id);
      await refresh();
    } catch (e) {
      say(e instanceof NetworkDown ? "网络不可用，联网后再取消" : e.message, "danger", "panel");
    } finally {
      $("void-submit").disabled = false;
    }
  }

  // --- the queue ----------------------------------------------------------------------------

  async function sync() {
    if (state.syncing || !state.queue.length) { return; }
    state.syncing = true;
    try {
      for (var i = 0; i < state.queue.length; i += 1) {
        await uploadPhoto(state.queue[i].photo_sha256);
        await uploadPhoto(state.queue[i].signature_sha256);
      }
      var sent = state.queue.slice(0, 200);
      var result = await call("POST", "batch", { events: sent });
      if (!result.ok) {
        say((result.data && result.data.message) || "上传失败，稍后重试", "danger", null);
        return;
      }
      var failed = load(KEYS.failed, []);
      result.data.results.forEach(function (r) {
        if (r.status === "error") {
          failed.push({ event: sent[r.index], error: r.error });
          // A refused check-in started nothing: its person is not in a visit on this phone.
          Object.keys(state.active).forEach(function (pid) {
            if (r.type === "check_in" && state.active[pid].visit_uuid === r.client_uuid) {
              delete state.active[pid];
            }
          });
        }
      });
      save(KEYS.failed, failed);
      state.queue = state.queue.slice(sent.length);
      persist();
      var errors = result.data.errors;
      say("已上传" + (result.data.created + result.data.duplicates) + "条离线记录" + (errors ? "，" + errors + "条未通过：" + result.data.results.filter(function (r) { return r.error; }).map(function (r) { return r.error.message; }).join("；") : ""), errors ? "warning" : "success", null);
      await refresh();
    } catch (e) {
      if (!(e instanceof NetworkDown)) { say(e.message, "danger", null); }
    } finally {
      state.syncing = false;
      persist();
    }
  }

  // --- start --------------------------------------------------------------------------------

  function largeText(on) {
    document.documentElement.classList.toggle("pwa-large", on);
    $("large-text").setAttribute("aria-pressed", on ? "true" : "false");
    $("large-text").textContent = on ? "标准字" : "大字";
    try { localStorage.setItem(KEYS.large, on ? "1" : "0"); } catch (e) { /* private mode */ }
  }

  largeText(load(KEYS.large, 0) === 1);
  $("large-text").addEventListener("click", function () {
    largeText(!document.documentElement.classList.contains("pwa-large"));
  });
  $("submit").addEventListener("click", function () { submit(); });
  $("cancel").addEventListener("click", close);
  $("void-submit").addEventListener("click", function () { voidVisit(); });
  $("sync").addEventListener("click", function () { sync(); });
  window.addEventListener("online", function () { showNetwork(); sync(); });
  window.addEventListener("offline", showNetwork);
  showNetwork();
  persist();
  render();
  refresh().then(sync);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(document.body.getAttribute("data-sw"), { scope: "/pwa/" }).catch(function () {});
  }
})();
