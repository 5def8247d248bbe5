// Photos et documents: progressive enhancement of the upload form. Without this script the
// plain form posts everything at once and the server checks it all. With it, photos larger
// than 2,048 px are first scaled down in the browser (a 4 MB phone photo becomes about
// 500 KB, quicker on a slow plan), then each file is sent on its own so its progress shows.
// The server checks every file again whatever this script did. Texts come from the page
// (data-t-* attributes, from the theme's strings file).
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) return;
  var MAX = 2048;
  var input = form.querySelector("input[type=file]");
  var list = form.querySelector(".upload-progress");
  var results = document.querySelector(".upload-results-all") || (function () {
    var div = document.createElement("div");
    div.className = "upload-results-all";
    form.parentNode.insertBefore(div, form);
    return div;
  })();
  function t(key) { return form.getAttribute("data-t-" + key) || ""; }

  function scaled(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var side = Math.max(bmp.width, bmp.height);
      if (side <= MAX) { bmp.close && bmp.close(); return file; }
      var k = MAX / side;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bmp.width * k);
      canvas.height = Math.round(bmp.height * k);
      canvas.getContext("2d").drawImage(bmp, 0, 0, canvas.width, canvas.height);
      bmp.close && bmp.close();
      var type = file.type === "image/png" ? "image/png" : "image/jpeg";
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? new File([blob], file.name, { type: type }) : file);
        }, type, 0.9);
      });
    }).catch(function () { return file; });
  }

  // One list of saved files and one of refused ones, whatever the number of answers: the
  // first answer that has a list brings its heading, later ones only their items.
  function merge(part) {
    if (!part) return;
    ["ul.uploaded", "ul.error"].forEach(function (sel) {
      var incoming = part.querySelector(sel);
      if (!incoming) return;
      var mine = results.querySelector(sel);
      if (!mine) {
        var heading = incoming.previousElementSibling;
        if (heading && heading.tagName === "P") heading = heading.previousElementSibling;
        var section = document.createElement("section");
        section.className = "upload-results";
        var node = heading;
        while (node && node !== incoming) {
          section.appendChild(document.importNode(node, true));
          node = node.nextElementSibling;
        }
        mine = document.importNode(incoming, false);
        section.appendChild(mine);
        results.appendChild(section);
      }
      Array.prototype.forEach.call(incoming.children, function (li) {
        mine.appendChild(document.importNode(li, true));
      });
    });
  }

  function row(name) {
    var li = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = name + " ";
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    var state = document.createElement("span");
    state.className = "state";
    state.textContent = " " + t("waiting");
    li.appendChild(label); li.appendChild(bar); li.appendChild(state);
    list.appendChild(li);
    return { bar: bar, state: state };
  }

  function send(file, ui) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrf", form.elements.csrf.value);
      data.append("portee", form.elements.portee.value);
      data.append("fichiers", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) ui.bar.value = Math.round(100 * e.loaded / e.total);
      };
      xhr.addEventListener("load", function () {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        merge(doc.querySelector(".upload-results"));
        ui.bar.value = 100;
        ui.state.textContent = " " + (xhr.status === 200 ? t("done") : t("refused"));
        resolve();
      });
      xhr.addEventListener("error", function () { ui.state.textContent = " " + t("failed"); resolve(); });
      ui.state.textContent = " " + t("sending");
      xhr.send(data);
    });
  }

  form.addEventListener("submit", function (event) {
    if (!input.files || input.files.length === 0) return;
    event.preventDefault();
    var files = Array.prototype.slice.call(input.files);
    list.textContent = "";
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var chain = Promise.resolve();
    files.forEach(function (f) {
      var ui = row(f.name);
      chain = chain.then(function () {
        ui.state.textContent = " " + t("preparing");
        return scaled(f);
      }).then(function (ready) { return send(ready, ui); });
    });
    chain.then(function () {
      button.disabled = false;
      input.value = "";
      // The gallery now holds the new files.
      var url = form.action + "?portee=" + encodeURIComponent(form.elements.portee.value);
      var xhr = new XMLHttpRequest();
      xhr.open("GET", url);
      xhr.addEventListener("load", function () {
        var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var fresh = doc.querySelector("#h-gallery") && doc.querySelector("#h-gallery").parentNode;
        var old = document.querySelector("#h-gallery") && document.querySelector("#h-gallery").parentNode;
        if (fresh && old) old.parentNode.replaceChild(document.importNode(fresh, true), old);
      });
      xhr.send();
    });
  });
})();
