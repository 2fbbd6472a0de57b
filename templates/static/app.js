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

// After a refused form the error summary holds the focus (autofocus), so
// that a phone scrolls to it and a screen reader reads it; browsers that
// ignore autofocus on it get the focus moved here.
// Its links put the cursor in the field, its label in view above it.
(function () {
  var summary = document.querySelector('[data-error-summary]');
  if (!summary) return;
  if (document.activeElement !== summary) summary.focus();
  summary.addEventListener('click', function (e) {
    var a = e.target.closest('a[href^="#"]');
    var field = a && document.getElementById(a.getAttribute('href').slice(1));
    if (!field) return;
    e.preventDefault();
    var label = document.querySelector('label[for="' + field.id + '"]');
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
})();

// The personal paragraph's live character count. The server counts what it
// keeps (white space folded, blank lines between paragraphs as one, ends
// trimmed), and so does this count, so that it never says "too long" to a
// text the server takes. Its words come from the page (data-count,
// data-over); screen readers hear the count after a pause in typing.
(function () {
  var field = document.getElementById('personal_message');
  var out = document.getElementById('personal_message-count');
  var live = document.getElementById('personal_message-live');
  if (!field || !out || !field.dataset.limit) return;
  var limit = parseInt(field.dataset.limit, 10);
  var timer = 0;
  // kept mirrors app.SubmissionInput.Normalize (cleanText).
  function kept(text) {
    var lines = [], blank = 0;
    text.split(/\r\n|\r|\n/).forEach(function (l) {
      l = l.replace(/\s+/g, ' ').trim();
      if (l === '') { blank++; return; }
      if (lines.length && blank) lines.push('');
      blank = 0;
      lines.push(l);
    });
    return Array.from(lines.join('\n')).length;
  }
  function update(announce) {
    var n = kept(field.value);
    var over = n > limit;
    var text = (over ? out.dataset.over : out.dataset.count).replace('{n}', (over ? n - limit : n).toLocaleString('en-US'));
    out.textContent = text;
    out.classList.toggle('over', over);
    if (announce && live) {
      clearTimeout(timer);
      timer = setTimeout(function () { live.textContent = text; }, 1000);
    }
  }
  field.addEventListener('input', function () { update(true); });
  update(false);
})();
