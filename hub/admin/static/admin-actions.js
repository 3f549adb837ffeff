/*
 * Runs Flask-Admin's list actions ("With selected" menu) without inline onclick handlers,
 * which the Content Security Policy blocks. Also keeps "javascript:void(0)" links of
 * Flask-Admin's filter menu from navigating (also blocked, and only noise in the console).
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var action = event.target.closest("[data-hub-action]");
    if (action) {
      event.preventDefault();
      if (window.modelActions) {
        window.modelActions.execute(action.getAttribute("data-hub-action"));
      }
      return;
    }
    var voidLink = event.target.closest('a[href="javascript:void(0)"]');
    if (voidLink) {
      event.preventDefault();
    }
  }, true);
})();
