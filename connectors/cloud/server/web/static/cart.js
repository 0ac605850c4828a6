// Castor Pedidos, catalog page: − / + steppers and saving each quantity as it changes.
// The server's cart is the truth; without this script the form's buttons do the same job.
(function () {
  "use strict";
  var form = document.getElementById("cart-form");
  if (!form || !window.fetch || !window.URLSearchParams) return;
  var summary = document.getElementById("cart-summary");
  var save = form.querySelector("button.save");
  if (save) save.hidden = true;

  function show(cart) {
    summary.textContent = cart.count + (cart.count === 1 ? " artículo · " : " artículos · ") +
      cart.total;
  }

  function send(input) {
    var body = new URLSearchParams();
    body.append("csrf_token", form.elements.csrf_token.value);
    body.append(input.name, input.value);
    input.setAttribute("aria-busy", "true");
    fetch(form.action, {method: "POST", body: body, credentials: "same-origin",
                        headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
      .then(function (res) {
        input.removeAttribute("aria-busy");
        input.classList.toggle("bad", !res[0]);
        if (res[0]) show(res[1]); else summary.textContent = res[1].errors.join(" ");
      })
      .catch(function () {
        input.classList.add("bad");
        summary.textContent = "Sin conexión: tocá Guardar para reintentar.";
        if (save) save.hidden = false;
      });
  }

  function stepper(input, delta, label) {
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = delta > 0 ? "+" : "−";
    b.className = delta > 0 ? "inc" : "dec";
    b.setAttribute("aria-label", label + " " + input.getAttribute("aria-label").slice(12));
    b.addEventListener("click", function () {
      var v = parseFloat((input.value || "0").replace(",", ".")) || 0;
      v = Math.max(0, Math.round((v + delta) * 10000) / 10000);
      input.value = v ? String(v).replace(".", ",") : "";
      send(input);
    });
    return b;
  }

  var inputs = form.querySelectorAll("input.qty");
  for (var i = 0; i < inputs.length; i++) {
    var input = inputs[i];
    input.parentNode.insertBefore(stepper(input, -1, "Restar uno a"), input);
    input.parentNode.appendChild(stepper(input, 1, "Sumar uno a"));
    input.addEventListener("change", function (e) { send(e.target); });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); e.target.blur(); }
    });
  }
})();
