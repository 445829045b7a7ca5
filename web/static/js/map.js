/* Maps with Leaflet (web/static/vendor/leaflet, from npm). Every map works without a tile server: the pin
   sits on a plain grid and its coordinates are plain form fields. Three kinds:
   - [data-map-picker]: the report form; a click (or "use my location") sets the pin and the
     latitude/longitude fields, typing coordinates moves the pin;
   - [data-map-view]: one pin (an officer's complaint page);
   - [data-map-points]: the public map, pins from the JSON in the element's data-points. */
(function () {
  "use strict";
  var INDONESIA = [-2.5, 118], WIDE = 4, CLOSE = 15;
  var script = document.currentScript;
  function word(name, fallback) { return (script && script.getAttribute("data-msg-" + name)) || fallback; }

  function base(element) {
    var map = L.map(element, { scrollWheelZoom: false, keyboard: true, zoomControl: false });
    L.control.zoom({ zoomInTitle: word("zoom-in", "Zoom in"), zoomOutTitle: word("zoom-out", "Zoom out") }).addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var tiles = element.getAttribute("data-tiles");
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 19, attribution: element.getAttribute("data-attribution") || "" }).addTo(map);
    } else {
      element.classList.add("no-tiles");
    }
    return map;
  }

  function number(input) {
    var value = parseFloat((input.value || "").replace(",", "."));
    return isNaN(value) ? null : value;
  }

  function picker(element) {
    var lat = document.getElementById(element.getAttribute("data-lat-input"));
    var lng = document.getElementById(element.getAttribute("data-lng-input"));
    var map = base(element), marker = null;
    function place(at, zoom) {
      if (marker) { marker.setLatLng(at); } else { marker = L.marker(at, { draggable: true, alt: word("pin", "Pin") }).addTo(map); marker.on("dragend", function () { fill(marker.getLatLng()); }); }
      map.setView(at, zoom || map.getZoom());
    }
    function fill(at) {
      lat.value = at.lat.toFixed(6); lng.value = at.lng.toFixed(6);
    }
    var start = [number(lat), number(lng)];
    if (start[0] !== null && start[1] !== null) { place(start, CLOSE); } else { map.setView(INDONESIA, WIDE); }
    map.on("click", function (event) { place(event.latlng); fill(event.latlng); });
    [lat, lng].forEach(function (input) {
      input.addEventListener("change", function () {
        if (number(lat) !== null && number(lng) !== null) { place([number(lat), number(lng)], CLOSE); }
      });
    });
    var locate = document.getElementById(element.getAttribute("data-locate"));
    if (locate && navigator.geolocation) {
      locate.hidden = false;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (position) {
          var at = L.latLng(position.coords.latitude, position.coords.longitude);
          place(at, CLOSE); fill(at);
        });
      });
    }
  }

  function view(element) {
    var at = [parseFloat(element.getAttribute("data-lat")), parseFloat(element.getAttribute("data-lng"))];
    var map = base(element);
    L.marker(at, { alt: word("pin", "Pin") }).addTo(map);
    map.setView(at, CLOSE);
  }

  function points(element) {
    var map = base(element), found = JSON.parse(element.getAttribute("data-points") || "[]"), bounds = [];
    found.forEach(function (point) {
      var marker = L.marker([point.lat, point.lng], { alt: point.tracking_id }).addTo(map);
      var link = document.createElement("a");
      link.href = point.url; link.textContent = point.tracking_id + " · " + point.title;
      marker.bindPopup(link);
      bounds.push([point.lat, point.lng]);
    });
    if (bounds.length) { map.fitBounds(bounds, { maxZoom: CLOSE, padding: [20, 20] }); } else { map.setView(INDONESIA, WIDE); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (typeof L === "undefined") { return; }  // (no Leaflet: the coordinate fields still work)
    document.querySelectorAll("[data-map-picker]").forEach(picker);
    document.querySelectorAll("[data-map-view]").forEach(view);
    document.querySelectorAll("[data-map-points]").forEach(points);
  });
})();
