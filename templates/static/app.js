// Progressive enhancement only: every page works without this file.
// "Use my location" fills the hidden lat/lon fields so the server can find
// the exact congressional district when a ZIP code is split.
(function () {
  var p = document.querySelector('.locate');
  var btn = document.getElementById('use-location');
  if (!p || !btn || !navigator.geolocation) return;
  p.hidden = false;
  var status = document.getElementById('location-status');
  btn.addEventListener('click', function () {
    status.textContent = 'Finding your location…';
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById('lat').value = pos.coords.latitude.toFixed(6);
      document.getElementById('lon').value = pos.coords.longitude.toFixed(6);
      status.textContent = 'Using your location.';
    }, function () {
      status.textContent = 'Your location is not available; we will use your ZIP code.';
    }, { timeout: 10000, maximumAge: 600000 });
  });
})();
