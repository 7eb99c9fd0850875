// The organizer's dashboard: plain DOM code, no framework, no CDN. Every value from the server
// is set with textContent or setAttribute, never parsed as HTML, so nothing an organizer or an
// attendee typed can run. The magic link's o/x/t travel with every API call.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) { return; }
  var API = root.getAttribute("data-api");
  var AUTH = { o: root.getAttribute("data-o"), x: root.getAttribute("data-x"), t: root.getAttribute("data-t") };
  var SVG = "http://www.w3.org/2000/svg";
  var LABELS = { accepted: "Yes", tentative: "Maybe", declined: "No" };
  var STATUS = { "ACCEPTED": "Yes", "TENTATIVE": "Maybe", "DECLINED": "No", "NEEDS-ACTION": "No answer yet" };
  var eventsBox = document.getElementById("events");
  var detail = document.getElementById("detail");
  var events = [];

  function url(path, extra) {
    var params = new URLSearchParams(AUTH);
    Object.keys(extra || {}).forEach(function (k) { if (extra[k] !== "" && extra[k] != null) { params.set(k, extra[k]); } });
    return API + path + "?" + params.toString();
  }

  function call(path, extra, body) {
    var init = { headers: { "Accept": "application/json" }, credentials: "omit" };
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url(path, extra), init).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { throw new Error(data.message || ("The server answered " + r.status)); }
        return data;
      });
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function fail(where, error) {
    clear(where);
    where.appendChild(el("p", { "class": "notice", role: "alert" }, [error.message]));
  }

  function countList(counts) {
    var items = [
      ["invited", "Invited " + counts.invited], ["accepted", "Yes " + counts.accepted],
      ["tentative", "Maybe " + counts.tentative], ["declined", "No " + counts.declined],
      ["needs_action", "No answer " + counts.needs_action]
    ];
    return el("ul", { "class": "counts" }, items.map(function (i) { return el("li", { "class": i[0] }, [i[1]]); }));
  }

  function renderEvents() {
    clear(eventsBox);
    if (!events.length) {
      eventsBox.appendChild(el("p", { "class": "muted" }, ["No events yet. Add the snack address to an event in your calendar."]));
      return;
    }
    events.forEach(function (ev) {
      var status = el("span", { "class": "badge " + ev.status }, [ev.status === "cancelled" ? "Cancelled" : "Confirmed"]);
      var card = el("button", { type: "button", "class": "card event", "aria-pressed": "false", "data-key": ev.key }, [
        el("h2", {}, [ev.summary]), el("p", { "class": "muted" }, [ev.when]), status, countList(ev.counts)
      ]);
      card.addEventListener("click", function () { select(ev.key); });
      eventsBox.appendChild(card);
    });
  }

  function select(key) {
    var ev = events.filter(function (e) { return e.key === key; })[0];
    if (!ev) { return; }
    Array.prototype.forEach.call(eventsBox.querySelectorAll(".event"), function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-key") === key ? "true" : "false");
    });
    if (history.replaceState) { history.replaceState(null, "", "#" + key); }
    renderDetail(ev);
  }

  function renderDetail(ev) {
    clear(detail);
    detail.hidden = false;
    detail.setAttribute("data-key", ev.key);
    detail.appendChild(el("h2", {}, [ev.summary]));
    detail.appendChild(el("p", { "class": "muted" }, [ev.when + (ev.status === "cancelled" ? " · cancelled" : "")]));
    detail.appendChild(countList(ev.counts));
    detail.appendChild(el("p", { "class": "toolbar" }, [
      el("a", { "class": "chip", href: ev.landing_url, target: "_blank", rel: "noopener" }, ["Landing page"]),
      el("a", { "class": "chip", href: ev.ics_url }, ["Calendar file (.ics)"]),
      el("a", { "class": "chip", href: "mailto:" + ev.vip_address }, ["VIP address: " + ev.vip_address])
    ]));

    var chartBox = el("div", { id: "chart" }, [el("p", { "class": "muted" }, ["Loading the chart…"])]);
    detail.appendChild(el("h3", {}, ["Answers over time"]));
    detail.appendChild(chartBox);
    call("/events/" + ev.key + "/timeline").then(function (t) { drawChart(chartBox, t); }, function (e) { fail(chartBox, e); });

    detail.appendChild(el("h3", {}, ["RSVP buttons for your own mailings"]));
    var snippet = el("textarea", { "class": "snippet", readonly: "readonly", "aria-label": "RSVP buttons HTML" });
    snippet.value = ev.snippet_html;
    var copy = el("button", { type: "button", "class": "btn plain small" }, ["Copy HTML"]);
    copy.addEventListener("click", function () {
      snippet.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(snippet.value).catch(function () {}); }
      copy.textContent = "Copied";
    });
    detail.appendChild(snippet);
    detail.appendChild(el("p", { "class": "muted" }, [
      "In a mail-merge tool, add &email= and your tool's merge tag for the address to each link " +
      "(Mailchimp: &email=*|EMAIL|*): the form then opens with the address filled in."
    ]));
    detail.appendChild(copy);

    if (ev.status !== "cancelled") { detail.appendChild(vipForm(ev)); }
    detail.appendChild(attendeeTable(ev));
  }

  function vipForm(ev) {
    var text = el("textarea", { id: "vip-addresses", name: "addresses", "aria-label": "VIP addresses",
      placeholder: "ann@example.com\nbob@example.com" });
    var file = el("input", { type: "file", id: "vip-file", accept: ".csv,.txt,text/csv,text/plain" });
    var submit = el("button", { type: "submit", "class": "btn plain" }, ["Send personal invitations"]);
    var summary = el("div", { "class": "summary", id: "vip-summary", "aria-live": "polite" });
    var form = el("form", { id: "vip-form" }, [
      el("h3", {}, ["Invite a VIP list"]),
      el("p", { "class": "muted" }, ["Paste addresses (any layout) or choose a CSV file: each address gets a personal invitation."]),
      text, el("p", {}, [el("label", { "for": "vip-file" }, ["CSV file: "]), file]), submit, summary
    ]);
    file.addEventListener("change", function () {
      var chosen = file.files && file.files[0];
      if (!chosen) { return; }
      chosen.text().then(function (content) { text.value = (text.value ? text.value + "\n" : "") + content; });
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      submit.disabled = true;
      clear(summary);
      call("/events/" + ev.key + "/vips", {}, { addresses: text.value }).then(function (r) {
        summary.appendChild(el("p", { "class": "ok", role: "status" }, [
          r.invited + " personal invitations on their way (" + r.found + " addresses found)."
        ]));
        if (r.sample.length) { summary.appendChild(el("p", { "class": "muted" }, [r.sample.join(", ") + (r.found > r.sample.length ? ", …" : "")])); }
        if (r.not_addresses) {
          // Rows that held no address are listed back, so nothing typed is dropped silently.
          summary.appendChild(el("p", { "class": "notice", role: "alert" }, [
            r.not_addresses + (r.not_addresses === 1 ? " row holds" : " rows hold") + " no e-mail address and got no invitation:"
          ]));
          summary.appendChild(el("ul", { "class": "not-addresses" }, r.not_addresses_sample.map(function (row) { return el("li", {}, [row]); })));
        }
        text.value = "";
      }, function (err) { fail(summary, err); }).then(function () { submit.disabled = false; });
    });
    return form;
  }

  function attendeeTable(ev) {
    var filter = el("select", { id: "status-filter", "aria-label": "Show" }, [
      el("option", { value: "" }, ["Everyone"]), el("option", { value: "ACCEPTED" }, ["Yes"]),
      el("option", { value: "TENTATIVE" }, ["Maybe"]), el("option", { value: "DECLINED" }, ["No"]),
      el("option", { value: "NEEDS-ACTION" }, ["No answer yet"])
    ]);
    var exportLink = el("a", { "class": "chip", href: url("/events/" + ev.key + "/attendees.csv"), download: "attendees.csv" }, ["Export CSV"]);
    var body = el("tbody");
    var more = el("button", { type: "button", "class": "btn plain small", hidden: "hidden" }, ["Show more"]);
    var box = el("section", { id: "attendees" }, [
      el("h3", {}, ["Attendees"]), el("div", { "class": "toolbar" }, [filter, exportLink]),
      // A region that may scroll sideways takes keyboard focus, so it can be scrolled without a mouse.
      el("div", { "class": "table-wrap", tabindex: "0", role: "region", "aria-label": "Attendees" }, [el("table", {}, [
        el("thead", {}, [el("tr", {}, ["Address", "Answer", "Answered", "Invited", "Note"].map(function (h) { return el("th", {}, [h]); }))]),
        body
      ])]), more
    ]);
    var next = "";
    function load(reset) {
      if (reset) { clear(body); next = ""; }
      call("/events/" + ev.key + "/attendees", { after: next, status: filter.value, limit: 50 }).then(function (page) {
        page.attendees.forEach(function (a) {
          body.appendChild(el("tr", {}, [
            // data-label names the column where a phone shows each row as a small card.
            el("td", { "class": "email", "data-label": "Address" }, [a.email]),
            el("td", { "data-label": "Answer" }, [STATUS[a.status] || a.status]),
            el("td", { "data-label": "Answered" }, [a.answered_at ? new Date(a.answered_at).toLocaleString() : ""]),
            el("td", { "data-label": "Invited" }, [a.invited ? (a.invited_at ? new Date(a.invited_at).toLocaleString() : "yes") : ""]),
            el("td", { "class": "note", "data-label": "Note" }, [a.comment || ""])
          ]));
        });
        if (!body.firstChild) { body.appendChild(el("tr", {}, [el("td", { colspan: "5", "class": "muted" }, ["Nobody yet."])])); }
        next = page.next || "";
        more.hidden = !page.next;
      }, function (e) { fail(body, e); });
    }
    filter.addEventListener("change", function () { load(true); });
    more.addEventListener("click", function () { load(false); });
    load(true);
    return box;
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function bucketLabel(iso, unit) {
    var d = new Date(iso);
    var opts = unit === "hour" ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" } : { month: "short", day: "numeric" };
    return new Intl.DateTimeFormat(undefined, opts).format(d);
  }

  function drawChart(box, timeline) {
    clear(box);
    var buckets = timeline.buckets;
    if (!buckets.length) { box.appendChild(el("p", { "class": "muted" }, ["No answers yet."])); return; }
    var W = 640, H = 220, L = 36, R = 8, T = 10, B = 28;
    var max = 1;
    buckets.forEach(function (b) { max = Math.max(max, b.accepted + b.tentative + b.declined); });
    var chart = svg("svg", { "class": "chart", viewBox: "0 0 " + W + " " + H, role: "img",
      "aria-label": "Answers over time: Yes, Maybe and No per " + timeline.unit });
    var plotW = W - L - R, plotH = H - T - B, step = plotW / buckets.length;
    var barW = Math.max(2, Math.min(40, step * 0.7));
    [0, Math.ceil(max / 2), max].forEach(function (v) {
      var y = T + plotH - (v / max) * plotH;
      chart.appendChild(svg("line", { "class": "axis", x1: L, x2: W - R, y1: y, y2: y }));
      chart.appendChild(svg("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, String(v)));
    });
    buckets.forEach(function (b, i) {
      var x = L + i * step + (step - barW) / 2, base = T + plotH;
      var group = svg("g", { "class": "bucket" });
      group.appendChild(svg("title", {}, bucketLabel(b.start, timeline.unit) + ": " + b.accepted + " yes, " +
        b.tentative + " maybe, " + b.declined + " no"));
      ["accepted", "tentative", "declined"].forEach(function (k) {
        var h = (b[k] / max) * plotH;
        if (h > 0) { base -= h; group.appendChild(svg("rect", { "class": k, x: x, y: base, width: barW, height: h })); }
      });
      chart.appendChild(group);
    });
    var ticks = buckets.length > 2 ? [0, Math.floor((buckets.length - 1) / 2), buckets.length - 1] : buckets.map(function (_, i) { return i; });
    ticks.forEach(function (i) {
      chart.appendChild(svg("text", { x: L + i * step + step / 2, y: H - 8, "text-anchor": "middle" }, bucketLabel(buckets[i].start, timeline.unit)));
    });
    box.appendChild(chart);
    box.appendChild(el("ul", { "class": "legend" }, Object.keys(LABELS).map(function (k) {
      return el("li", {}, [el("span", { "class": "swatch " + k }), LABELS[k]]);
    })));
    if (!timeline.complete) { box.appendChild(el("p", { "class": "muted" }, ["The chart shows the first answers only; the counts above are complete."])); }
  }

  // Live counts: a small JSON poll replaces each count list in place (no reload, nothing else
  // redrawn), every POLL_MS while the tab is visible and at once when it becomes visible again.
  var POLL_MS = 10000;
  function refreshCounts() {
    if (document.hidden || !events.length) { return; }
    call("/counts").then(function (data) {
      data.events.forEach(function (now) {
        var ev = events.filter(function (e) { return e.key === now.key; })[0];
        if (!ev || JSON.stringify(ev.counts) === JSON.stringify(now.counts)) { return; }
        ev.counts = now.counts;
        var card = eventsBox.querySelector('.event[data-key="' + now.key + '"] .counts');
        if (card) { card.parentNode.replaceChild(countList(now.counts), card); }
        var shown = detail.getAttribute("data-key") === now.key && detail.querySelector(".counts");
        if (shown) { shown.parentNode.replaceChild(countList(now.counts), shown); }
      });
    }, function () { /* the next poll tries again */ });
  }
  setInterval(refreshCounts, POLL_MS);
  document.addEventListener("visibilitychange", refreshCounts);

  call("/events").then(function (data) {
    events = data.events;
    renderEvents();
    var wanted = location.hash.slice(1);
    if (events.length) { select(events.some(function (e) { return e.key === wanted; }) ? wanted : events[0].key); }
  }, function (e) { fail(eventsBox, e); });
})();
