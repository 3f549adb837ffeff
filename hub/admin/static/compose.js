/*
 * Compose form: live character counter and preview per chosen network.
 *
 * All counting happens on the server (hub.publishing.rules): this script only sends what is
 * typed to the counter endpoint (debounced) and shows the answer. It also shows the text box
 * of chosen channels only, and adds upload rows.
 */
(function () {
  "use strict";

  var form = document.getElementById("compose-form");
  if (!form) {
    return;
  }
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var countUrl = form.getAttribute("data-count-url");
  var timer = null;
  var sequence = 0;
  form.classList.add("hub-js");

  function value(name) {
    var field = form.elements.namedItem(name);
    return field && "value" in field ? field.value : "";
  }

  function chosenIds() {
    var ids = [];
    form.querySelectorAll(".hub-channel-choice:checked").forEach(function (box) {
      ids.push(parseInt(box.value, 10));
    });
    return ids;
  }

  function variants() {
    var result = {};
    form.querySelectorAll(".hub-variant").forEach(function (section) {
      var id = section.getAttribute("data-channel-id");
      result[id] = {
        body: value("variant_" + id + "_body"),
        title: value("variant_" + id + "_title")
      };
    });
    return result;
  }

  function media() {
    var items = [];
    form.querySelectorAll(".hub-existing-media").forEach(function (row) {
      var remove = row.querySelector(".hub-remove");
      if (remove && remove.checked) {
        return;
      }
      var alt = row.querySelector(".hub-alt");
      items.push({ id: parseInt(row.getAttribute("data-media-id"), 10), alt: alt ? alt.value : "" });
    });
    form.querySelectorAll(".hub-upload-row").forEach(function (row) {
      var input = row.querySelector(".hub-file");
      if (!input || !input.files || !input.files.length) {
        return;
      }
      var file = input.files[0];
      var alt = row.querySelector(".hub-alt");
      items.push({
        kind: (file.type || "").indexOf("video/") === 0 ? "video" : "image",
        alt: alt ? alt.value : "",
        name: file.name
      });
    });
    return items;
  }

  function payload() {
    var announcementId = form.getAttribute("data-announcement-id");
    return {
      announcement_id: announcementId ? parseInt(announcementId, 10) : null,
      title: value("title"),
      body: value("body"),
      link: value("link"),
      channels: chosenIds(),
      variants: variants(),
      media: media()
    };
  }

  function showChosen() {
    var chosen = chosenIds();
    form.querySelectorAll(".hub-variant").forEach(function (section) {
      var id = parseInt(section.getAttribute("data-channel-id"), 10);
      section.classList.toggle("hub-unchosen", chosen.indexOf(id) === -1);
    });
  }

  function clear(id) {
    var counter = form.querySelector('[data-counter-for="' + id + '"]');
    if (counter) {
      counter.textContent = "";
      counter.classList.remove("hub-over");
    }
    var problems = form.querySelector('[data-problems-for="' + id + '"]');
    if (problems) {
      problems.textContent = "";
    }
  }

  function render(data) {
    form.querySelectorAll(".hub-variant").forEach(function (section) {
      clear(section.getAttribute("data-channel-id"));
    });
    data.channels.forEach(function (channel) {
      var id = channel.channel_id;
      var counter = form.querySelector('[data-counter-for="' + id + '"]');
      if (counter) {
        counter.textContent = channel.used + " / " + channel.limit;
        counter.setAttribute("title", channel.unit);
        counter.classList.toggle("hub-over", channel.over);
      }
      var problems = form.querySelector('[data-problems-for="' + id + '"]');
      if (problems) {
        channel.problems.forEach(function (problem) {
          var item = document.createElement("li");
          item.textContent = problem.message;
          problems.appendChild(item);
        });
      }
      var preview = form.querySelector('[data-preview-for="' + id + '"]');
      if (preview) {
        preview.textContent = channel.text;
      }
      var title = form.querySelector('[data-title-for="' + id + '"]');
      if (title) {
        title.textContent = channel.title || "";
      }
    });
  }

  function refresh() {
    var mine = ++sequence;
    fetch(countUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(payload())
    })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        // Only the newest answer counts: an older, slower one must not overwrite it.
        if (data && mine === sequence) {
          render(data);
        }
      })
      .catch(function () {
        /* The counter is a help; the save checks everything again. */
      });
  }

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  function showThumbnail(input) {
    var row = input.closest(".hub-upload-row");
    var old = row.querySelector(".hub-new-thumb");
    if (old) {
      old.remove();
    }
    var file = input.files && input.files[0];
    if (file && (file.type || "").indexOf("image/") === 0) {
      var img = document.createElement("img");
      img.className = "hub-thumb hub-new-thumb mb-1";
      img.alt = "";
      img.src = URL.createObjectURL(file);
      row.insertBefore(img, row.firstChild);
    }
  }

  function addUploadRow() {
    var rows = form.querySelectorAll(".hub-upload-row");
    var last = rows[rows.length - 1];
    var copy = last.cloneNode(true);
    var next = rows.length;
    copy.querySelectorAll("[name], [id], [for]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var current = el.getAttribute(attr);
        if (current) {
          el.setAttribute(attr, current.replace(/new_media-\d+-/, "new_media-" + next + "-"));
        }
      });
      if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") {
        el.value = "";
      }
    });
    var thumb = copy.querySelector(".hub-new-thumb");
    if (thumb) {
      thumb.remove();
    }
    last.parentNode.appendChild(copy);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", function (event) {
    if (event.target.classList.contains("hub-channel-choice")) {
      showChosen();
    }
    if (event.target.classList.contains("hub-file")) {
      showThumbnail(event.target);
    }
    schedule();
  });
  var addButton = document.getElementById("add-upload");
  if (addButton) {
    addButton.classList.remove("d-none");
    addButton.addEventListener("click", addUploadRow);
  }
  showChosen();
  refresh();
})();
