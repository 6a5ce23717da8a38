// A form marked data-confirm asks before it is sent (a script file: the pages' CSP allows no
// inline handlers).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
