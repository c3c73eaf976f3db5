// Forms say what is wrong with a field as soon as it is left, in the page's language, and
// before anything is sent; the server checks everything again (its messages take the same
// place). A file being attached shows how much of it has been sent.
(function () {
  "use strict";
  var FIELD = ".field input, .field select, .field textarea";
  var texts = {};

  function message(input) {
    var v = input.validity;
    if (v.valueMissing) return texts.required;
    if (v.patternMismatch) return input.dataset.patternMessage || texts.pattern;
    if (v.typeMismatch) return texts.type;
    if (v.tooLong) return texts.too_long;
    if (v.badInput) return texts.bad_input;
    if (v.rangeUnderflow || v.rangeOverflow || v.stepMismatch) return texts.range;
    return "";
  }

  function show(input) {
    var field = input.closest(".field");
    if (!field) return;
    var error = field.querySelector(".field-error");
    var text = input.validity.valid ? "" : message(input);
    if (!text) {
      if (error && error.dataset.live) error.remove();
      if (!error || error.dataset.live) {
        field.classList.remove("has-error");
        input.removeAttribute("aria-invalid");
      }
      return;
    }
    if (!error) {
      error = document.createElement("p");
      error.className = "field-error";
      error.id = input.id + "_error";
      error.dataset.live = "1";
      field.appendChild(error);
      var described = (input.getAttribute("aria-describedby") || "").split(" ");
      if (described.indexOf(error.id) < 0) described.push(error.id);
      input.setAttribute("aria-describedby", described.join(" ").trim());
    }
    error.textContent = text;
    field.classList.add("has-error");
    input.setAttribute("aria-invalid", "true");
  }

  // The browser's own bubbles speak the browser's language: ours replace them.
  document.addEventListener("invalid", function (event) {
    if (!event.target.matches(FIELD)) return;
    event.preventDefault();
    show(event.target);
    var form = event.target.form;
    if (form && !form.dataset.focused) {
      form.dataset.focused = "1";
      event.target.focus();
      setTimeout(function () { delete form.dataset.focused; }, 0);
    }
  }, true);
  document.addEventListener("blur", function (event) {
    if (event.target.matches && event.target.matches(FIELD) && event.target.value !== "") {
      show(event.target);
    }
  }, true);
  document.addEventListener("input", function (event) {
    if (event.target.closest && event.target.closest(".has-error")) show(event.target);
  });

  // Attachments: sent with a progress bar; the answer replaces the page as a plain post's would.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-upload]") || !window.XMLHttpRequest) return;
    event.preventDefault();
    var bar = form.querySelector("progress");
    var status = form.querySelector(".upload-status");
    var button = form.querySelector("button[type=submit]");
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((100 * e.loaded) / e.total);
      bar.value = percent;
      status.textContent = form.dataset.sending + ": " + percent + "%";
    });
    request.addEventListener("load", function () {
      // The answer is the page a plain post ends on (the redirect followed, its message shown).
      var url = request.responseURL;
      document.open();
      document.write(request.responseText);
      document.close();
      if (url) history.replaceState(null, "", request.status < 400 ? url + "#journal" : url);
    });
    request.addEventListener("error", function () {
      status.textContent = form.dataset.failed;
      button.disabled = false;
      bar.hidden = true;
    });
    bar.hidden = false;
    bar.value = 0;
    button.disabled = true;
    request.send(new FormData(form));
  });

  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("form-messages");
    if (data) texts = JSON.parse(data.textContent);
  });
})();
