// "Try it" on an API's reference page: Swagger UI, loaded from the control plane's own webjar when asked for, pointed
// at the API's document (whose only server is the gateway), adding the developer's key in the API's key header.
(function () {
  function load(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement(tag);
      Object.keys(attributes).forEach(function (name) { element.setAttribute(name, attributes[name]); });
      element.onload = resolve;
      element.onerror = function () { reject(new Error('cannot load ' + (attributes.src || attributes.href))); };
      document.head.appendChild(element);
    });
  }
  document.addEventListener('DOMContentLoaded', function () {
    var section = document.getElementById('try-it');
    var button = document.getElementById('load-try-it');
    if (!section || !button) { return; }
    button.addEventListener('click', function () {
      button.disabled = true;
      var base = section.getAttribute('data-swagger-ui');
      var header = section.getAttribute('data-key-header');
      load('link', { rel: 'stylesheet', href: base + '/swagger-ui.css' })
        .then(function () { return load('script', { src: base + '/swagger-ui-bundle.js' }); })
        .then(function () {
          window.SwaggerUIBundle({
            url: section.getAttribute('data-document'),
            dom_id: '#swagger-ui',
            deepLinking: false,
            tryItOutEnabled: true,
            requestInterceptor: function (request) {
              var key = document.getElementById('try-it-key').value.trim();
              // Only calls to the gateway carry the key, never the fetch of the document itself.
              if (key && request.url.indexOf(section.getAttribute('data-document')) === -1) { request.headers[header] = key; }
              return request;
            }
          });
          // The stylesheet gives buttons a display of their own, which the hidden attribute alone would not override.
          button.style.display = 'none';
        })
        .catch(function (error) { button.disabled = false; section.querySelector('.hint').textContent = error.message; });
    });
  });
})();
