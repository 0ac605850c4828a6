// Castor Pedidos, Preventa Telefónica: keyboard-only customer search and entry grid.
// Code or description, Enter, quantity, Enter, next line. The server's cart is the truth:
// every change is posted and the grid is drawn again from the cart the server answers.
(function () {
  "use strict";
  if (!window.fetch || !window.URLSearchParams) return;

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); });
  }

  function post(url, csrf, fields) {
    var body = new URLSearchParams();
    body.append("csrf_token", csrf);
    Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(url, {method: "POST", body: body, credentials: "same-origin",
                       headers: {"Accept": "application/json"}})
      .then(function (r) {
        return r.json().then(function (j) { return [r.ok, j]; },
                             function () { return [false, {errors: []}]; });
      });
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  // Moves focus among a list's links with the arrow keys.
  function arrows(list, before) {
    list.addEventListener("keydown", function (e) {
      var links = list.querySelectorAll("a,[role=option]");
      var at = Array.prototype.indexOf.call(links, document.activeElement);
      if (e.key === "ArrowDown" && at < links.length - 1) { links[at + 1].focus(); e.preventDefault(); }
      if (e.key === "ArrowUp") { (at > 0 ? links[at - 1] : before).focus(); e.preventDefault(); }
    });
  }

  // ------------------------------------------------------------------ customer search
  var search = document.getElementById("customer-search");
  if (search) {
    var q = search.elements.q, results = document.getElementById("customer-results"), timer;
    arrows(results, q);
    q.addEventListener("keydown", function (e) {
      var first = results.querySelector("a");
      if (e.key === "ArrowDown" && first) { first.focus(); e.preventDefault(); }
    });
    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!q.value.trim()) { results.textContent = ""; return; }
        getJSON("/preventa?q=" + encodeURIComponent(q.value)).then(function (rows) {
          results.textContent = "";
          rows.forEach(function (c) {
            var a = el("a"), li = el("li");
            a.href = c.url;
            a.appendChild(el("strong", c.name));
            a.appendChild(el("span", c.code + (c.tax_id ? " · CUIT " + c.tax_id : "") +
                                     (c.city ? " · " + c.city : ""), "muted"));
            li.appendChild(a);
            results.appendChild(li);
          });
          if (!rows.length) results.appendChild(el("li", "Ningún cliente coincide.", "muted"));
        });
      }, 150);
    });
  }

  // ------------------------------------------------------------------ entry grid
  var app = document.getElementById("entry-app");
  if (!app) return;
  var base = app.getAttribute("data-base"), csrf = app.getAttribute("data-csrf");
  var entry = document.getElementById("entry"), article = document.getElementById("article");
  var quantity = document.getElementById("quantity"), picked = document.getElementById("picked");
  var suggest = document.getElementById("suggest"), error = document.getElementById("entry-error");
  var lines = document.getElementById("lines"), chosen = null;

  function say(message) { error.textContent = message || ""; error.hidden = !message; }

  function draw(cart) {
    lines.textContent = "";
    cart.lines.forEach(function (line) {
      var tr = el("tr", "", line.notice ? "flagged" : "");
      tr.appendChild(el("td", line.code));
      var desc = el("td", line.description);
      if (line.notice) { desc.appendChild(el("br")); desc.appendChild(el("small", line.notice, "notice")); }
      tr.appendChild(desc);
      tr.appendChild(el("td", line.quantity_text, "num"));
      tr.appendChild(el("td", line.unit_price, "num"));
      tr.appendChild(el("td", line.amount, "num"));
      lines.appendChild(tr);
    });
    ["subtotal", "discount", "vat", "total"].forEach(function (k) {
      document.getElementById("t-" + k).textContent = cart[k];
    });
  }

  function choose(item) {
    chosen = item;
    suggest.hidden = true;
    article.value = item.code;
    picked.textContent = item.description + " · " + item.price + (item.stock ? " · Disponible: " + item.stock : "");
    quantity.focus();
    quantity.select();
  }

  function reset() {
    chosen = null; article.value = ""; quantity.value = ""; picked.textContent = "";
    suggest.hidden = true; article.focus();
  }

  arrows(suggest, article);
  suggest.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && document.activeElement.item) { e.preventDefault(); choose(document.activeElement.item); }
    if (e.key === "Escape") reset();
  });

  article.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && !suggest.hidden) { suggest.querySelector("[role=option]").focus(); e.preventDefault(); return; }
    if (e.key !== "Enter" || e.ctrlKey) return;
    e.preventDefault();
    var typed = article.value.trim();
    if (!typed) return;
    getJSON(base + "/articulos?q=" + encodeURIComponent(typed)).then(function (items) {
      say("");
      if (!items.length) { say("Ningún artículo coincide con «" + typed + "»."); return; }
      if (items.length === 1) { choose(items[0]); return; }
      suggest.textContent = "";
      items.forEach(function (item) {
        var li = el("li", item.code + " · " + item.description + " · " + item.price);
        li.setAttribute("role", "option");
        li.tabIndex = -1;
        li.item = item;
        li.addEventListener("click", function () { choose(item); });
        suggest.appendChild(li);
      });
      suggest.hidden = false;
      suggest.firstChild.focus();
    });
  });

  quantity.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.ctrlKey) return;
    e.preventDefault();
    if (!chosen) { article.focus(); return; }
    var fields = {};
    fields["qty_" + chosen.code] = quantity.value.trim() || "1";
    post(base + "/carrito", csrf, fields).then(function (res) {
      if (!res[0]) { say(res[1].errors.join(" ")); quantity.select(); return; }
      say(""); draw(res[1]); reset();
    }).catch(function () { say("Sin conexión con el servidor: probá de nuevo."); });
  });

  entry.addEventListener("submit", function (e) { e.preventDefault(); });

  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { reset(); return; }
    if (e.key === "F2") {
      e.preventDefault();
      post(base + "/repetir", csrf, {}).then(function (res) {
        if (res[0]) { draw(res[1]); say(""); } else { say("Este cliente todavía no tiene pedidos."); }
        article.focus();
      });
    }
    if (e.key === "F9" || (e.key === "Enter" && e.ctrlKey)) {
      e.preventDefault();
      document.getElementById("confirm").submit();
    }
  });
})();
