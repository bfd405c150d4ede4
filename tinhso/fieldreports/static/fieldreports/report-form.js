// The report form's location picker: a tap on the offline SVG map, or the phone's GPS, fills the coordinates.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var svg = document.getElementById("pick-map");
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    if (!svg || !lat || !lon) return;
    var marker = document.getElementById("pick-map-marker");
    var west = parseFloat(svg.dataset.west), north = parseFloat(svg.dataset.north);
    var scale = parseFloat(svg.dataset.scale), aspect = parseFloat(svg.dataset.aspect);

    function place(latitude, longitude) {
      marker.setAttribute("cx", ((longitude - west) * scale).toFixed(1));
      marker.setAttribute("cy", (((north - latitude) * scale) / aspect).toFixed(1));
    }
    function set(latitude, longitude) {
      lat.value = latitude.toFixed(6);
      lon.value = longitude.toFixed(6);
      place(latitude, longitude);
      lat.dispatchEvent(new Event("change", { bubbles: true }));
    }
    svg.addEventListener("click", function (event) {
      var point = svg.createSVGPoint();
      point.x = event.clientX;
      point.y = event.clientY;
      var local = point.matrixTransform(svg.getScreenCTM().inverse());
      set(north - (local.y * aspect) / scale, west + local.x / scale);
    });
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        if (lat.value && lon.value) place(parseFloat(lat.value), parseFloat(lon.value));
      });
    });
    if (lat.value && lon.value) place(parseFloat(lat.value), parseFloat(lon.value));

    var gps = document.getElementById("use-gps");
    var status = document.getElementById("gps-status");
    if (gps && navigator.geolocation) {
      gps.hidden = false;
      gps.addEventListener("click", function () {
        status.textContent = gps.dataset.waiting || "…";
        navigator.geolocation.getCurrentPosition(
          function (position) {
            status.textContent = "";
            set(position.coords.latitude, position.coords.longitude);
          },
          function (error) {
            status.textContent = error.message;
          },
          { enableHighAccuracy: true, timeout: 15000 }
        );
      });
    }
  });
})();
