// Copy buttons: <button data-copy="ID"> copies the value of the field with that id, and says so.
document.addEventListener('click', function (event) {
  var button = event.target.closest('[data-copy]');
  if (!button) { return; }
  var field = document.getElementById(button.getAttribute('data-copy'));
  var status = document.querySelector('[data-copied-for="' + button.getAttribute('data-copy') + '"]');
  var said = function (text) { if (status) { status.textContent = text; } };
  field.select();
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(field.value).then(function () { said('Copied.'); }, function () { said('Select the key and copy it.'); });
  } else {
    said(document.execCommand('copy') ? 'Copied.' : 'Select the key and copy it.');
  }
});
