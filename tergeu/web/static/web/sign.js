// Signing an act's document with the official's own signing application (NCALayer, on the
// official's computer at wss://127.0.0.1:13579/): the server prepares the document and keeps
// it, NCALayer makes a detached CMS over the bytes the server gave, the server verifies and
// embeds it (docs/signing.md). Forms with data-mode="server" are posted as they are. The sign-in
// page's certificate form works the same way: its challenge is signed, and the answer says
// where to go next.
(function () {
  "use strict";
  var NCALAYER = "wss://127.0.0.1:13579/";

  function post(form, url, body) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().then(function (answer) {
        if (!response.ok) {
          throw new Error(answer.error ? answer.error.message : response.statusText);
        }
        return answer;
      });
    });
  }

  function ncalayer(data) {
    return new Promise(function (resolve, reject) {
      var socket = new WebSocket(NCALAYER);
      socket.onopen = function () {
        socket.send(JSON.stringify({
          module: "kz.gov.pki.knca.commonUtils",
          method: "createCAdESFromBase64",
          args: ["PKCS12", "SIGNATURE", data, false],
        }));
      };
      socket.onmessage = function (event) {
        var answer = JSON.parse(event.data);
        if (answer.result && answer.result.version) {
          return; // NCALayer's greeting
        }
        socket.close();
        if (answer.code === "200") {
          resolve(answer.responseObject);
        } else {
          reject(new Error(answer.message || answer.code));
        }
      };
      socket.onerror = function () {
        reject(new Error("NCALayer (" + NCALAYER + ")"));
      };
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.sign[data-mode=client]")) {
      return;
    }
    event.preventDefault();
    var lang = form.querySelector("input[name=lang]").value;
    var next = form.querySelector("input[name=next]");
    var status = form.querySelector(".sign-status");
    var button = form.querySelector("button");
    button.disabled = true;
    post(form, form.dataset.prepare, { lang: lang })
      .then(function (prepared) { return ncalayer(prepared.data); })
      .then(function (cms) {
        var body = { lang: lang, cms: cms };
        if (next) { body.next = next.value; }
        return post(form, form.dataset.sign, body);
      })
      .then(function (answer) {
        if (answer && answer.next) { window.location.assign(answer.next); } else { window.location.reload(); }
      })
      .catch(function (error) {
        status.textContent = form.dataset.failed + " " + error.message;
        button.disabled = false;
      });
  });
})();
