// A form marked data-confirm asks before it is sent (a script file: the pages' CSP allows no
// inline handlers).
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);

// On a phone the ledgers (and the tables marked cards-on-phone) read as cards (duban.css):
// each cell carries its column's label.
document.addEventListener("DOMContentLoaded", function () {
  var tables = document.querySelectorAll(
    "table.model-list, table.timeline, table.audit-table, table.cards-on-phone");
  Array.prototype.forEach.call(tables, function (table) {
    var labels = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
      Array.prototype.forEach.call(tr.children, function (td, i) {
        // a cell across the row ("none yet") belongs to no column
        if (labels[i] && td.colSpan < 2 && !td.hasAttribute("data-label")) td.setAttribute("data-label", labels[i]);
      });
    });
    table.classList.add("ledger-cards");
  });
});

// On a desk a ledger's (or a timeline's) column of codes, dates or figures stays on one line and
// a column of long text gets room to wrap (duban.css), so that the whole table fits the width.
var SHORT_TOKEN = /^[\x21-\x7e]{1,12}$/;  // printable ASCII, no blank: 2019-06-15, 1,234.00, ZD2019001
var CJK = /[\u3400-\u9fff]/;
document.addEventListener("DOMContentLoaded", function () {
  Array.prototype.forEach.call(document.querySelectorAll("table.model-list, table.timeline"), function (table) {
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    var columns = table.querySelectorAll("thead th").length;
    for (var i = 0; i < columns; i++) {
      var cells = rows.map(function (tr) { return tr.children[i]; }).filter(Boolean);
      var texts = cells.map(function (td) { return td.textContent.trim(); });
      var filled = texts.filter(function (t) { return t; });
      if (!filled.length || cells.some(function (td) { return td.classList.contains("col-actions"); })) continue;
      var kind = filled.every(function (t) { return SHORT_TOKEN.test(t); }) ? "cell-nowrap"
        : filled.some(function (t) { return t.length > 12 && CJK.test(t); }) ? "cell-text" : null;
      if (kind) cells.forEach(function (td) { td.classList.add(kind); });
    }
  });
});

// Flask-Admin's filter rows carry their filter's name only on the button before them: each
// field gets it as its label (read out, and no field goes nameless), and a day filter's field
// is a date input. Rows added or changed later are labelled as they appear.
document.addEventListener("DOMContentLoaded", function () {
  var data = document.getElementById("filter-groups-data");
  var table = document.querySelector("#filter_form table.filters");
  if (!data || !table) return;
  var inputs = {};
  var groups = JSON.parse(data.textContent);
  Object.keys(groups).forEach(function (name) {
    groups[name].forEach(function (sub) { inputs[sub.arg] = sub.input; });
  });
  function label() {
    Array.prototype.forEach.call(table.querySelectorAll("tr"), function (tr) {
      var button = tr.querySelector(".remove-filter");
      var op = tr.querySelector("select.filter-op");
      var field = tr.querySelector(".filter-val");
      if (!button || !op || !field) return;
      var name = button.textContent.replace("\u00d7", "").trim();
      var operation = op.options[op.selectedIndex] ? op.options[op.selectedIndex].text : "";
      op.setAttribute("aria-label", name + "：条件");
      field.setAttribute("aria-label", (name + " " + operation).trim());
      if (inputs[op.value] === "date" && field.type === "text") field.type = "date";
    });
  }
  label();
  new MutationObserver(label).observe(table, {childList: true, subtree: true});
});
