// Leaflet maps drawn from the platform's own data, so they work on a closed network: nothing is fetched
// from another host, and tiles come only from the deployment's own server when one is configured.
import L from "leaflet";
import "leaflet/dist/leaflet.css";
import "./map.css";

const COMMUNE = { radius: 3, weight: 1, color: "#6b6b6b", fillColor: "#8a8a8a", fillOpacity: 0.9 };
// Reports and the picked place sit in a pane above the communes, whichever GeoJSON arrives first.
const OPEN_REPORT = {
  pane: "reports",
  radius: 7,
  weight: 1.5,
  color: "#ffffff",
  fillColor: "#c62828",
  fillOpacity: 1,
};
const CLOSED_REPORT = Object.assign({}, OPEN_REPORT, { fillColor: "#1a7f37" });
const PICKED = { pane: "reports", radius: 9, weight: 2, color: "#ffffff", fillColor: "#0b57d0", fillOpacity: 1 };

function getJSON(url) {
  return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } }).then(
    (response) => (response.ok ? response.json() : { features: [] })
  );
}

function latLngOf(feature) {
  const coordinates = feature.geometry.coordinates;
  return [coordinates[1], coordinates[0]];
}

// A text node keeps names from the server out of HTML parsing.
function link(href, text) {
  const anchor = document.createElement("a");
  anchor.href = href;
  anchor.textContent = text;
  return anchor;
}

// Leaflet parses a tooltip given as a string as HTML: names typed by people are given as text instead.
function text(value) {
  const span = document.createElement("span");
  span.textContent = value;
  return span;
}

function drawCommunes(map, url) {
  const layer = L.layerGroup().addTo(map);
  getJSON(url).then((collection) => {
    collection.features.forEach((feature) => {
      L.circleMarker(latLngOf(feature), COMMUNE).bindTooltip(text(feature.properties.name)).addTo(layer);
    });
  });
}

function drawReports(map, url) {
  getJSON(url).then((collection) => {
    collection.features.forEach((feature) => {
      const report = feature.properties;
      const label = `${report.tracking_code} · ${report.category} · ${report.status}`;
      L.circleMarker(latLngOf(feature), report.open ? OPEN_REPORT : CLOSED_REPORT)
        .bindTooltip(text(label))
        .bindPopup(() => link(report.url, label))
        .addTo(map);
    });
  });
}

function setUpPicker(map, element) {
  const data = element.dataset;
  const latitude = document.getElementById(data.latitudeInput);
  const longitude = document.getElementById(data.longitudeInput);
  if (!latitude || !longitude) return;
  element.classList.add("is-picker");
  let marker = null;

  function place(lat, lng) {
    if (marker) marker.setLatLng([lat, lng]);
    else marker = L.circleMarker([lat, lng], Object.assign({ interactive: false }, PICKED)).addTo(map);
  }
  function choose(lat, lng) {
    latitude.value = lat.toFixed(6);
    longitude.value = lng.toFixed(6);
    place(lat, lng);
    // The form's HTMX listens for this to resolve the commune and offer nearby reports.
    latitude.dispatchEvent(new Event("change", { bubbles: true }));
  }
  function typed() {
    const lat = parseFloat(latitude.value);
    const lng = parseFloat(longitude.value);
    if (Number.isFinite(lat) && Number.isFinite(lng)) place(lat, lng);
  }

  map.on("click", (event) => choose(event.latlng.lat, event.latlng.lng));
  latitude.addEventListener("change", typed);
  longitude.addEventListener("change", typed);
  typed();

  const gps = document.getElementById(data.gpsButton);
  const status = document.getElementById(data.gpsStatus);
  if (!gps || !navigator.geolocation) return;
  gps.hidden = false;
  gps.addEventListener("click", () => {
    status.textContent = data.gpsWaiting;
    navigator.geolocation.getCurrentPosition(
      (position) => {
        status.textContent = "";
        choose(position.coords.latitude, position.coords.longitude);
        map.setView([position.coords.latitude, position.coords.longitude], 15);
      },
      (error) => {
        status.textContent = error.message;
      },
      { enableHighAccuracy: true, timeout: 15000 }
    );
  });
}

function setUp(element) {
  const data = element.dataset;
  const figure = element.closest("figure");
  if (figure) figure.hidden = false;
  const province = L.latLngBounds(
    [parseFloat(data.south), parseFloat(data.west)],
    [parseFloat(data.north), parseFloat(data.east)]
  );
  const map = L.map(element, { maxZoom: 18, zoomSnap: 0.25, attributionControl: Boolean(data.tileUrl) });
  map.createPane("reports").style.zIndex = 450;
  if (data.tileUrl) {
    map.attributionControl.setPrefix(false);
    L.tileLayer(data.tileUrl, { maxZoom: 18, attribution: data.tileAttribution }).addTo(map);
  }
  map.fitBounds(province.pad(0.05));
  drawCommunes(map, data.communesUrl);
  if (data.pointsUrl) drawReports(map, data.pointsUrl);
  if (data.reportLatitude) {
    // One report's page: its place, close enough to see the streets when tiles exist.
    const place = [parseFloat(data.reportLatitude), parseFloat(data.reportLongitude)];
    const style = "reportOpen" in data ? OPEN_REPORT : CLOSED_REPORT;
    L.circleMarker(place, style).bindTooltip(text(data.reportLabel)).addTo(map);
    map.setView(place, 14);
  }
  if (data.latitudeInput) setUpPicker(map, element);
  element.leafletMap = map;
}

function ready(fn) {
  if (document.readyState !== "loading") fn();
  else document.addEventListener("DOMContentLoaded", fn);
}

ready(() => document.querySelectorAll(".fr-leaflet").forEach(setUp));
