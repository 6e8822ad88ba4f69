// The patrol form: the phone's position goes into the hidden fields when the phone gives one;
// without it the patrol is recorded with no position.
(function () {
  "use strict";
  var status = document.getElementById("patrol-gps");
  var form = document.querySelector('[data-testid="patrol-form"]');
  if (!status || !form) return;
  function field(name) { return form.querySelector('input[name="' + name + '"]'); }
  if (!("geolocation" in navigator)) {
    status.textContent = "本机无法定位，将不记录位置";
    return;
  }
  navigator.geolocation.getCurrentPosition(
    function (pos) {
      field("latitude").value = pos.coords.latitude.toFixed(6);
      field("longitude").value = pos.coords.longitude.toFixed(6);
      field("accuracy_m").value = Math.round(pos.coords.accuracy);
      status.textContent = "已定位（精度约 " + Math.round(pos.coords.accuracy) + " 米）";
    },
    function () { status.textContent = "未能定位，将不记录位置"; },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
  );
})();
