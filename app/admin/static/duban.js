// A form marked data-confirm asks before it is sent (a script file: the pages' CSP allows no
// inline handlers).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);

// On a phone the ledgers read as cards (duban.css): each cell carries its column's label.
document.addEventListener("DOMContentLoaded", function () {
  var tables = document.querySelectorAll("table.model-list, table.timeline, table.audit-table");
  Array.prototype.forEach.call(tables, function (table) {
    var labels = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
      Array.prototype.forEach.call(tr.children, function (td, i) {
        if (labels[i] && !td.hasAttribute("data-label")) td.setAttribute("data-label", labels[i]);
      });
    });
    table.classList.add("ledger-cards");
  });
});
