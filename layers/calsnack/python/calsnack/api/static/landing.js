// Shows the event's time in the visitor's own zone next to the organizer's (Intl.DateTimeFormat).
// Served from /static/ so the page's Content-Security-Policy needs no inline script.
(function () {
  "use strict";
  var row = document.getElementById("local-time");
  if (!row || !window.Intl || !Intl.DateTimeFormat) { return; }
  var start = new Date(row.getAttribute("data-start"));
  var end = new Date(row.getAttribute("data-end"));
  if (isNaN(start.getTime()) || isNaN(end.getTime())) { return; }
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  var long = new Intl.DateTimeFormat(undefined, {
    weekday: "long", year: "numeric", month: "long", day: "numeric", hour: "2-digit", minute: "2-digit"
  });
  var short = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  var dayOf = new Intl.DateTimeFormat("en-CA", { year: "numeric", month: "2-digit", day: "2-digit" });
  var sameDay = dayOf.format(start) === dayOf.format(end);
  var text = long.format(start) + " – " + (sameDay ? short.format(end) : long.format(end));
  if (zone) { text += " (" + zone + ")"; }
  if (zone && zone === row.getAttribute("data-zone")) { text += ", the event's own time zone"; }
  row.querySelector("[data-local-text]").textContent = text;
  row.hidden = false;
})();
