/* Datasette's table pages of the blog's database: the column descriptions folded away
   under one line, and "Show all columns" asking for every column (the plugin hides the
   long ones of the widest tables until asked). */
(function () {
  var list = document.querySelector("dl.column-descriptions");
  if (list) {
    var details = document.createElement("details");
    details.className = "column-help";
    var summary = document.createElement("summary");
    summary.textContent = "What the columns hold";
    list.parentNode.insertBefore(details, list);
    details.appendChild(summary);
    details.appendChild(list);
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.dropdown-show-all-columns");
    if (link) {
      var url = new URL(link.href, location.href);
      url.searchParams.set("_all", "1");
      link.href = url.toString();
    }
  }, true);
})();
