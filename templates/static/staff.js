// Progressive enhancement only: the dashboard is complete without this file.
// While the page is visible it asks for fresh totals every 15 seconds (the
// same JSON as GET /api/v1/stats, with the page's filter) and updates the
// numbers in place; charts and tables change on the next reload.
(function () {
  var box = document.querySelector('[data-live]');
  if (!box || !window.fetch) return;
  var url = box.getAttribute('data-live');
  var status = box.querySelector('.live-status');
  var fmt = new Intl.NumberFormat('en-US');
  function pick(data, path) {
    var v = data;
    path.split('.').forEach(function (k) { v = v == null ? undefined : v[k]; });
    return v == null ? 0 : v;
  }
  function refresh() {
    if (document.hidden) return;
    fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        box.querySelectorAll('[data-stat]').forEach(function (el) {
          var text = fmt.format(pick(data, el.getAttribute('data-stat')));
          if (el.textContent !== text) el.textContent = text;
        });
        if (status) status.textContent = 'Updated ' + new Date().toLocaleTimeString() + '.';
      })
      .catch(function () { if (status) status.textContent = 'Could not refresh the numbers; they are as of the page load.'; });
  }
  setInterval(refresh, 15000);
  document.addEventListener('visibilitychange', refresh);
})();
