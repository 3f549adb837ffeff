/*
 * "Copy text" on the page of a post made by hand (manual channels). Served by hub because the
 * Content Security Policy forbids inline scripts. Copies the read-only text field named by
 * data-copy-target and says so in a live region; where the clipboard is refused, it selects
 * the text so the person copies it with the keyboard.
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById("manual-copy-status");
    if (!field) {
      return;
    }
    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }
    function selectIt() {
      field.focus();
      field.select();
    }
    function fallback() {
      selectIt();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      say(button.getAttribute(copied ? "data-copied" : "data-copy-failed"));
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(function () {
        say(button.getAttribute("data-copied"));
      }, fallback);
    } else {
      fallback();
    }
  });
})();
