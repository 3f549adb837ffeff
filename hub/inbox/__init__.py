"""The shared inbox: every citizen comment from every channel in one place, answered from hub.

One module per job:

- ``ingest``: comments from any source (poll, webhook, our own reply) become one row each;
- ``sync``: per-channel incremental sync through the connectors, with cursors and schedules;
- ``actions``: replies, hiding and deleting as leased, reconciled moderation actions;
- ``availability``: which actions a network offers for a comment (the rest shows unavailable);
- ``operations``: assigning, statuses, tags, notes, bulk changes (no network involved);
- ``dispatch``: the periodic pass that hands due syncs and actions to workers;
- ``folding`` and ``rules``: keyword rules that flag and prioritise (case and umlauts folded);
- ``saved_replies``, ``presence``, ``queries``: Textbausteine, who else is looking, the list;
- ``meta`` and ``webhooks``: Facebook and Instagram webhooks, signature-checked.

Like ``hub.publishing`` it knows nothing of Flask-Admin or Celery: views and tasks call in here.
"""
