#!/usr/bin/env bash
# Refresh the German catalog after changing UI text: extract, merge, (translate), compile.
#   scripts/translations.sh update   # extract msgids into hub/translations/messages.pot and merge into de
#   scripts/translations.sh compile  # build the .mo files hub serves
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-update}" in
  update)
    pybabel extract -F babel.cfg -k _l -k lazy_gettext -k gettext -k ngettext:1,2 \
      --no-location --sort-output -o hub/translations/messages.pot hub
    if [ -f hub/translations/de/LC_MESSAGES/messages.po ]; then
      pybabel update -i hub/translations/messages.pot -d hub/translations -l de --no-fuzzy-matching
    else
      pybabel init -i hub/translations/messages.pot -d hub/translations -l de
    fi ;;
  compile)
    pybabel compile -d hub/translations --statistics ;;
esac
