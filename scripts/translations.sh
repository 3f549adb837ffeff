#!/usr/bin/env bash
# Refresh the German catalog after changing UI text: extract, merge, translate, compile.
#   scripts/translations.sh update   # extract msgids into hub/translations/messages.pot, merge into de
#   (translate every new or changed entry in hub/translations/de/LC_MESSAGES/messages.po)
#   scripts/translations.sh compile  # build messages.mo, which hub serves (it is committed)
# tests/unit/test_translations.py fails while an entry is untranslated or the .mo is stale; it
# reads the keywords below (the -k options) and babel.cfg, so keep new marker functions here.
# Templates' _gettext/_ngettext are Flask-Admin's own (its catalog translates them): not listed.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-update}" in
  update)
    pybabel extract -F babel.cfg --no-default-keywords \
      -k _ -k gettext -k ngettext:1,2 -k pgettext:1c,2 -k npgettext:1c,2,3 \
      -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 -k N_ \
      -c TRANSLATORS: --add-location=file --sort-output --project=hub \
      -o hub/translations/messages.pot hub
    if [ -f hub/translations/de/LC_MESSAGES/messages.po ]; then
      pybabel update -i hub/translations/messages.pot -d hub/translations -l de \
        --no-fuzzy-matching --ignore-obsolete
    else
      pybabel init -i hub/translations/messages.pot -d hub/translations -l de
    fi ;;
  compile)
    pybabel compile -d hub/translations --statistics ;;
  *)
    echo "usage: $0 [update|compile]" >&2
    exit 2 ;;
esac
