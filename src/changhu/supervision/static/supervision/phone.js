// The inspector's phone page: fill the position from the phone's GPS, show a problem's
// description box when an item is marked "不合格", and say how many photos are chosen.
(function () {
  "use strict";
  var form = document.getElementById("inspect-form");
  if (!form) return;
  var status = document.getElementById("gps-status");
  function set(name, value) { form.elements[name].value = value; }
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(function (pos) {
      set("latitude", pos.coords.latitude.toFixed(6));
      set("longitude", pos.coords.longitude.toFixed(6));
      set("accuracy_m", Math.max(1, Math.round(pos.coords.accuracy)));
      status.textContent = "已定位（精度约" + Math.round(pos.coords.accuracy) + "米）";
    }, function () {
      status.textContent = "未能定位：请在手机设置中允许定位，或直接提交（记录为未定位）";
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  } else {
    status.textContent = "此设备不支持定位";
  }
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type === "radio" && input.name.indexOf("ok_") === 0) {
      var note = document.getElementById("note-" + input.name.slice(3));
      if (note) {
        note.hidden = input.value !== "0";
        if (input.value === "0") note.querySelector("textarea").focus();
      }
    }
    if (input.id === "photos") {
      document.getElementById("photo-count").textContent = input.files.length ? "已选" + input.files.length + "张" : "";
    }
  });
})();
