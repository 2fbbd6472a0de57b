// Live preview for the letter editor. Progressive enhancement only: without
// this file the Preview button re-renders the page with the same preview.
// It sends the unsaved form to the JSON preview endpoint as the organizer
// types and shows the rendered letter or the template errors (with line and
// column) in place. Nothing is saved from here.
(function () {
  'use strict';
  var form = document.getElementById('editor');
  if (!form || !window.fetch || !window.URLSearchParams) return;
  var url = form.getAttribute('data-preview');
  var subject = document.getElementById('subject');
  var body = document.getElementById('body');
  var subjectErr = document.getElementById('subject-error');
  var bodyErr = document.getElementById('body-error');
  var previewErr = document.getElementById('preview-error');
  var letter = document.getElementById('preview-letter');
  var outSubject = document.getElementById('preview-subject');
  var outBody = document.getElementById('preview-body');
  var notes = document.getElementById('preview-notes');
  var select = document.getElementById('sample_target');
  var status = document.getElementById('live-status');
  var seq = 0;
  var timer = null;

  // goTo puts the cursor on a line and column (1-based, in characters).
  function goTo(field, line, col) {
    var el = field === 'subject' ? subject : body;
    if (!el) return;
    var lines = el.value.split('\n');
    var off = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) off += lines[i].length + 1;
    var chars = Array.from(lines[Math.min(line, lines.length) - 1] || '');
    off += chars.slice(0, Math.max(0, col - 1)).join('').length;
    el.focus();
    el.setSelectionRange(off, off);
    if (el === body) {
      var lh = parseFloat(getComputedStyle(el).lineHeight) || 20;
      el.scrollTop = Math.max(0, (line - 3) * lh);
    }
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function link(field, line, col, label) {
    var a = document.createElement('a');
    a.href = '#' + field;
    a.className = 'goto';
    a.textContent = label;
    a.setAttribute('data-field', field);
    a.setAttribute('data-line', line);
    a.setAttribute('data-col', col);
    return a;
  }

  function showErrors(res) {
    var fields = res.fields || {};
    subject.setAttribute('aria-invalid', fields.subject ? 'true' : 'false');
    body.setAttribute('aria-invalid', fields.body ? 'true' : 'false');
    subjectErr.textContent = fields.subject || '';
    subjectErr.hidden = !fields.subject;
    clear(bodyErr);
    var list = document.createElement('ul');
    list.className = 'compile-errors';
    (res.errors || []).forEach(function (e) {
      if (e.field !== 'body') return;
      var li = document.createElement('li');
      li.className = 'field-error';
      li.appendChild(link('body', e.line, e.col, 'Line ' + e.line + ', column ' + e.col));
      li.appendChild(document.createTextNode(': ' + e.message));
      list.appendChild(li);
    });
    if (list.firstChild) {
      bodyErr.appendChild(list);
    } else if (fields.body) {
      var p = document.createElement('p');
      p.className = 'field-error';
      p.textContent = fields.body;
      bodyErr.appendChild(p);
    }
    bodyErr.hidden = !bodyErr.firstChild;
    var other = [];
    Object.keys(fields).forEach(function (k) {
      if (k !== 'subject' && k !== 'body') other.push(fields[k]);
    });
    previewErr.textContent = 'This text cannot be previewed: ' + (res.message || 'it has errors') +
      (other.length ? ' (' + other.join('; ') + ')' : '');
    previewErr.hidden = false;
  }

  function showPreview(res) {
    subject.setAttribute('aria-invalid', 'false');
    body.setAttribute('aria-invalid', 'false');
    subjectErr.hidden = true;
    bodyErr.hidden = true;
    previewErr.hidden = true;
    letter.hidden = false;
    outSubject.textContent = res.subject;
    outBody.textContent = res.body;
    clear(notes);
    (res.notes || []).forEach(function (n) {
      var p = document.createElement('p');
      p.className = 'note';
      p.textContent = n;
      notes.appendChild(p);
    });
    if (select && res.targets) {
      var keys = Array.prototype.map.call(select.options, function (o) { return o.value; }).join('|');
      if (keys !== res.targets.map(function (t) { return t.key; }).join('|')) {
        clear(select);
        res.targets.forEach(function (t) {
          var o = document.createElement('option');
          o.value = t.key;
          o.textContent = t.label;
          select.appendChild(o);
        });
      }
      if (res.target) select.value = res.target.key;
    }
  }

  function update() {
    var mine = ++seq;
    var data = new URLSearchParams(new FormData(form));
    status.textContent = 'Updating preview\u2026';
    fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json' },
      body: data.toString()
    }).then(function (r) {
      var type = r.headers.get('Content-Type') || '';
      if (type.indexOf('application/json') !== 0) throw new Error('not json');
      return r.json();
    }).then(function (res) {
      if (mine !== seq) return; // a newer request is on its way
      if (res.ok) {
        showPreview(res);
        status.textContent = 'Preview updated (not saved).';
      } else if (res.errors || res.fields) {
        showErrors(res);
        status.textContent = '';
      } else {
        status.textContent = res.message || 'The preview is not available.';
      }
    }).catch(function () {
      if (mine === seq) status.textContent = 'Live preview is not available; press Preview.';
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(update, 500);
  }

  form.addEventListener('input', function (ev) {
    if (ev.target && ev.target.name !== 'note') later();
  });
  form.addEventListener('change', function (ev) {
    if (ev.target && (ev.target.name === 'sample_target' || ev.target.name === 'sample_zip')) update();
  });
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest ? ev.target.closest('a.goto') : null;
    if (!a) return;
    ev.preventDefault();
    goTo(a.getAttribute('data-field'), parseInt(a.getAttribute('data-line'), 10), parseInt(a.getAttribute('data-col'), 10));
  });
})();
