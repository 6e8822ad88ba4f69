/* The on-site assessment form: record the position and the times. No inline script (CSP). */
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
})();
