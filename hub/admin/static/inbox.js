/*
 * The inbox page's helpers. Everything here is progressive: without JavaScript the forms work.
 *
 * - a saved reply (already filled in for this comment by the server) goes into the reply box;
 * - "select all" for bulk changes;
 * - every few seconds the page tells the server the moderator is here (and whether they are
 *   typing a reply) and shows who else is; action states update in place.
 *
 * Texts from the server are put in with textContent only: nothing a citizen wrote can become
 * markup here.
 */
(function () {
  "use strict";

  document.documentElement.setAttribute("data-inbox-ready", "1");
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";

  var saved = document.getElementById("saved-reply");
  var replyText = document.getElementById("reply-text");
  if (saved && replyText) {
    saved.addEventListener("change", function () {
      var option = saved.options[saved.selectedIndex];
      var text = option ? option.getAttribute("data-text") : null;
      if (text) {
        replyText.value = text;
        replyText.focus();
      }
    });
  }

  var selectAll = document.getElementById("select-all");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      document.querySelectorAll(".hub-select").forEach(function (box) {
        box.checked = selectAll.checked;
      });
    });
  }

  var presence = document.getElementById("inbox-presence");
  if (!presence || !window.fetch) {
    return;
  }
  var url = presence.getAttribute("data-url");
  var replyForm = document.getElementById("reply-form");

  function activity() {
    if (replyText && (document.activeElement === replyText || replyText.value.trim())) {
      return "replying";
    }
    return "viewing";
  }

  function show(others) {
    var replying = others.filter(function (p) { return p.activity === "replying"; });
    var names = (replying.length ? replying : others).map(function (p) { return p.name; });
    if (!names.length) {
      presence.classList.add("d-none");
      presence.textContent = "";
      return;
    }
    var template = presence.getAttribute(replying.length ? "data-replying" : "data-viewing");
    presence.textContent = template.replace("{names}", names.join(", "));
    presence.classList.remove("d-none");
  }

  function states(actions) {
    actions.forEach(function (action) {
      var badge = document.querySelector('[data-action-state="' + action.id + '"]');
      if (badge && badge.textContent !== action.label) {
        badge.textContent = action.label;
      }
    });
  }

  var sending = false;
  function report() {
    if (sending || document.hidden) {
      return;
    }
    sending = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ activity: activity() })
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data) {
        show(data.others || []);
        states(data.actions || []);
      }
    }).catch(function () {
      /* offline for a moment: the next report tries again */
    }).then(function () {
      sending = false;
    });
  }

  if (replyText) {
    replyText.addEventListener("focus", report);
  }
  if (replyForm) {
    replyForm.addEventListener("submit", function () {
      var button = document.getElementById("send-reply");
      if (button) {
        // The key in the form makes a second click harmless; this only says "sent".
        window.setTimeout(function () { button.disabled = true; }, 0);
      }
    });
  }
  window.setInterval(report, 5000);
  report();
})();
